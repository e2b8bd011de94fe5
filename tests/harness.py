"""A real RelayDesk server on 127.0.0.1 for tests: real HTTP, a real database, no mocks.

The server runs uvicorn on its own event loop in a thread; `Server.run(coro)` executes a
coroutine on that loop (for checks that read the database directly).
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
import uvicorn
from fastapi import FastAPI
from sqlalchemy.engine import URL, make_url

from relaydesk.api.app import create_app
from relaydesk.db import Database
from relaydesk.db.migrate import upgrade
from relaydesk.settings import Settings, load_settings

T = TypeVar("T")
STARTUP_TIMEOUT = 30.0
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


def _take_postgres_url() -> URL | None:
    """The PostgreSQL server to create throwaway databases on, if the run targets PostgreSQL."""
    raw = os.environ.get("RELAYDESK_TEST_DATABASE_URL") or os.environ.get("RELAYDESK_DATABASE_URL")
    # Nothing from the developer's environment may leak into the servers under test.
    for key in [k for k in os.environ if k.startswith("RELAYDESK_")]:
        del os.environ[key]
    if not raw:
        return None
    url = make_url(raw)
    return url if url.get_backend_name().startswith("postgres") else None


POSTGRES_URL = _take_postgres_url()
BACKEND = "postgresql" if POSTGRES_URL else "sqlite"


def _asyncpg_dsn(url: URL, database: str) -> str:
    return url.set(drivername="postgresql", database=database).render_as_string(hide_password=False)


async def _admin(sql: str) -> None:
    assert POSTGRES_URL is not None
    conn = await asyncpg.connect(_asyncpg_dsn(POSTGRES_URL, POSTGRES_URL.database or "postgres"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextmanager
def throwaway_database(tmp: Path) -> Iterator[URL]:
    """A new, empty database: a SQLite file, or a fresh PostgreSQL database dropped afterwards."""
    if POSTGRES_URL is None:
        yield make_url(f"sqlite+aiosqlite:///{tmp / f'test-{uuid.uuid4().hex[:8]}.db'}")
        return
    name = f"relaydesk_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_URL.set(drivername="postgresql+asyncpg", database=name)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `condition` until it holds; fail loudly after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    tick = threading.Event()
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        tick.wait(0.01)


@dataclass
class Server:
    app: FastAPI
    settings: Settings
    base_url: str
    loop: asyncio.AbstractEventLoop

    @property
    def db(self) -> Database:
        db: Database = self.app.state.db
        return db

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result(timeout)

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=30.0, **kwargs)


def make_settings(data_dir: Path, database: URL, **overrides: Any) -> Settings:
    return load_settings(
        data_dir=data_dir,
        database_url=database.render_as_string(hide_password=False),
        secret_key=TEST_SECRET,
        log_format="console",
        **overrides,
    )


@contextmanager
def running_server(settings: Settings, *, migrate: bool = True) -> Iterator[Server]:
    if migrate:
        upgrade(settings.database)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # The port the server really listens on: webhook URLs given to providers are built from it.
    settings = settings.model_copy(update={"port": port})
    app = create_app(settings)
    config = uvicorn.Config(app, log_config=None, proxy_headers=True, lifespan="on")
    server = uvicorn.Server(config)
    loop = asyncio.new_event_loop()
    errors: list[BaseException] = []

    def serve() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(server.serve(sockets=[sock]))
        except BaseException as exc:  # reported to the waiting test below
            errors.append(exc)
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    thread = threading.Thread(target=serve, name=f"relaydesk-test-{port}", daemon=True)
    thread.start()
    wait_until(lambda: server.started or not thread.is_alive(), STARTUP_TIMEOUT, "server start")
    if errors or not server.started:
        raise RuntimeError(f"test server did not start: {errors!r}")
    try:
        yield Server(app=app, settings=settings, base_url=f"http://127.0.0.1:{port}", loop=loop)
    finally:
        server.should_exit = True
        thread.join(STARTUP_TIMEOUT)
        sock.close()


@contextmanager
def serve_process(env: dict[str, str], data_dir: Path) -> Iterator[str]:
    """A real `relaydesk serve` subprocess (it migrates first); yields its base URL once
    /healthz answers. Its log goes to a file beside `data_dir`."""
    with serve_process_handle(env, data_dir) as (base, _):
        yield base


@contextmanager
def serve_process_handle(
    env: dict[str, str], data_dir: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`serve_process`, with the process too (for tests that kill it)."""
    port = free_port()
    log = (data_dir.parent / f"serve-{port}.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "relaydesk", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env={**env, "RELAYDESK_DATA_DIR": str(data_dir)},
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"serve exited: {Path(log.name).read_text()[-2000:]}")
        try:
            return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_until(healthy, 60, "relaydesk serve to answer /healthz")
        yield base, process
    finally:
        process.terminate()
        process.wait(30)
        log.close()


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`relaydesk ARGS…` as a subprocess, with its output captured as UTF-8 text."""
    return subprocess.run(
        [sys.executable, "-m", "relaydesk", *args],
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
