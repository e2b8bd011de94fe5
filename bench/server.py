"""Start a real `relaydesk serve` on 127.0.0.1 in a throwaway data directory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class BenchServer:
    base_url: str
    data_dir: Path
    pid: int


@contextmanager
def relaydesk_server(database_url: str | None = None) -> Iterator[BenchServer]:
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="relaydesk-bench-") as tmp:
        env = {
            **os.environ,
            "RELAYDESK_DATA_DIR": str(Path(tmp) / "data"),
            "RELAYDESK_LOG_LEVEL": "WARNING",
        }
        if database_url:
            env["RELAYDESK_DATABASE_URL"] = database_url
        process = subprocess.Popen(
            [sys.executable, "-m", "relaydesk", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None:
                    raise RuntimeError("relaydesk serve exited during start-up")
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError("relaydesk serve did not answer within 60 s")
                time.sleep(0.1)
            yield BenchServer(base_url=base, data_dir=Path(tmp) / "data", pid=process.pid)
        finally:
            process.terminate()
            process.wait(30)
