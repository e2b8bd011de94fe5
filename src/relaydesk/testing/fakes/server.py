"""Running a fake: in a thread for tests (`running_fake`), or blocking for the CLI
(`serve_fake`, behind `relaydesk fake telegram|whatsapp --port N`)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.types import ASGIApp

from relaydesk.testing.fakes.telegram import TelegramFake
from relaydesk.testing.fakes.whatsapp import WhatsAppFake

KINDS = ("telegram", "whatsapp")
STARTUP_TIMEOUT = 30.0


def make_fake(kind: str, **options: Any) -> TelegramFake | WhatsAppFake:
    if kind == "telegram":
        return TelegramFake(**options)
    if kind == "whatsapp":
        return WhatsAppFake(**options)
    raise ValueError(f"unknown fake {kind!r}; one of {', '.join(KINDS)}")


@dataclass
class ThreadServer:
    """An ASGI app served by uvicorn on its own event loop in a daemon thread."""

    base_url: str
    port: int
    _server: uvicorn.Server
    _thread: threading.Thread

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(STARTUP_TIMEOUT)


def start_in_thread(app: ASGIApp, host: str = "127.0.0.1", port: int = 0) -> ThreadServer:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound_port: int = sock.getsockname()[1]
    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    errors: list[BaseException] = []

    def serve() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(server.serve(sockets=[sock]))
        except BaseException as exc:  # handed to the starting thread below
            errors.append(exc)
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
            sock.close()

    thread = threading.Thread(target=serve, name=f"relaydesk-fake-{bound_port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    started = threading.Event()
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        started.wait(0.01)
    if not server.started:
        server.should_exit = True
        raise RuntimeError(f"fake server did not start: {errors!r}")
    return ThreadServer(f"http://{host}:{bound_port}", bound_port, server, thread)


@dataclass
class RunningFake:
    kind: str
    base_url: str
    fake: TelegramFake | WhatsAppFake


@contextmanager
def running_fake(kind: str, **options: Any) -> Iterator[RunningFake]:
    """A fake on a free port of 127.0.0.1 for the duration of the block."""
    fake = make_fake(kind, **options)
    server = start_in_thread(fake.app())
    try:
        yield RunningFake(kind, server.base_url, fake)
    finally:
        server.stop()


def serve_fake(kind: str, host: str, port: int) -> None:
    """Serve a fake until interrupted. Any well-formed bot token is accepted by the Telegram
    fake; the WhatsApp fake starts with one phone number (see docs/fakes.md)."""
    options: dict[str, Any] = {"accept_any_token": True} if kind == "telegram" else {}
    if kind == "whatsapp":
        options["seed_phone_number"] = True
    fake = make_fake(kind, **options)
    uvicorn.run(fake.app(), host=host, port=port, log_level="info")
