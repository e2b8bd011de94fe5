"""The engine and the two kinds of transaction every caller uses.

Writers take `Database.write(name)`: on SQLite it begins IMMEDIATE, so two writers queue on
the busy timeout instead of failing when a read lock would have to be upgraded. Readers take
`Database.read(name)`. Each transaction is named, and timed under that name.

Side effects that must not happen unless a write commits (publishing events) are registered
with `on_commit(session, callback)`, or for every write with `Database.add_commit_listener`.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import event, text
from sqlalchemy.engine import URL, Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from relaydesk.db import json_codec
from relaydesk.db.sqlite_driver import use_one_hop_cursors
from relaydesk.observability.metrics import DB_TRANSACTION_SECONDS

log = logging.getLogger(__name__)

_SQLITE_BUSY_TIMEOUT_MS = 10_000
_BEGIN_OPTION = "relaydesk_sqlite_begin"
_ON_COMMIT = "relaydesk_on_commit"

CommitListener = Callable[[AsyncSession], None]
_IN_WRITE: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "relaydesk_in_write", default=False
)
T = TypeVar("T")


async def shielded(awaitable: Awaitable[T]) -> T:
    """Await a database call that must not be cut short by the caller's cancellation.

    A connection whose query is cancelled half-way is not returned to the pool cleanly; a
    long-lived task that can be cancelled at any moment (a WebSocket session, a background
    loop) lets the call finish, and still sees the cancellation itself.
    """
    return await asyncio.shield(awaitable)


def on_commit(session: AsyncSession, callback: Callable[[], None]) -> None:
    """Run `callback` once the write transaction of `session` has committed; never on rollback."""
    session.info.setdefault(_ON_COMMIT, []).append(callback)


def _run_after_commit(session: AsyncSession, listeners: list[CommitListener]) -> None:
    callbacks: list[Callable[[], None]] = session.info.pop(_ON_COMMIT, [])
    calls: list[Callable[[], None]] = [
        *callbacks,
        *(functools.partial(listener, session) for listener in listeners),
    ]
    for call in calls:
        # The data is committed: a failing side effect is logged, never turned into an error.
        try:
            call()
        except Exception:
            log.exception("after-commit callback failed")


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    use_one_hop_cursors(dbapi_connection)
    # Let our "begin" listener emit BEGIN itself, so writers can ask for IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    mode = conn.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


def create_engine(url: URL, *, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    codec: dict[str, Any] = {
        "json_serializer": json_codec.dumps,
        "json_deserializer": json_codec.loads,
    }
    if url.get_backend_name() == "sqlite":
        engine = create_async_engine(url, echo=echo, pool_size=pool_size, max_overflow=0, **codec)
        event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_on_begin)
        return engine
    return create_async_engine(
        url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, **codec
    )


class Database:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._writer = engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
        self._commit_listeners: list[CommitListener] = []
        # SQLite has one writer at a time. Without this lock this process's writers would
        # contend inside SQLite, whose busy handler sleeps for up to 100 ms between tries;
        # queued here they take turns at once. Other processes still meet the busy timeout.
        self._write_turn = asyncio.Lock() if self.is_sqlite else None

    def add_commit_listener(self, listener: CommitListener) -> None:
        """Call `listener(session)` after every committed write (it sees `session.info`)."""
        self._commit_listeners.append(listener)

    def remove_commit_listener(self, listener: CommitListener) -> None:
        if listener in self._commit_listeners:
            self._commit_listeners.remove(listener)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def write(self, name: str) -> AsyncIterator[AsyncSession]:
        if _IN_WRITE.get():
            # On SQLite this would wait for itself forever; everywhere it is a design error.
            raise RuntimeError(f"write transaction {name!r} opened inside another one")
        started = time.perf_counter()
        token = _IN_WRITE.set(True)
        try:
            async with (
                self._write_turn or contextlib.nullcontext(),
                AsyncSession(self._writer, expire_on_commit=False) as session,
                session.begin(),
            ):
                yield session
        finally:
            _IN_WRITE.reset(token)
        DB_TRANSACTION_SECONDS.labels(name=name, kind="write").observe(
            time.perf_counter() - started
        )
        _run_after_commit(session, self._commit_listeners)

    @asynccontextmanager
    async def read(self, name: str) -> AsyncIterator[AsyncSession]:
        started = time.perf_counter()
        async with (
            AsyncSession(self.engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session
        DB_TRANSACTION_SECONDS.labels(name=name, kind="read").observe(time.perf_counter() - started)

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
