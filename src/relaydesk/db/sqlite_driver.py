"""One thread hand-off per SQLite statement instead of four.

aiosqlite runs each call (open a cursor, execute, fetch, close) on its connection's thread,
and SQLAlchemy's adapter makes one call for each: four round trips between the event loop
and that thread per statement, about 35 µs of CPU each on a small machine, when SQLite's own
work is often a few µs. This cursor does the whole statement in one call on the same
thread. It relies on two internals of aiosqlite (`Connection._execute`, which runs a
function on the connection's thread, and `Connection._conn`, the sqlite3 connection), so
the aiosqlite version is pinned in uv.lock and every test runs through this path.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
)

_Rows = list[Any] | None
_Meta = tuple[Any, int, int | None]


class _ThreadCursor:
    """Stands in for an aiosqlite cursor: each `execute` is one call on the thread."""

    arraysize = 1

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection
        self._rows: _Rows = None
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    async def _run(self, work: Callable[[sqlite3.Cursor], object]) -> None:
        def statement() -> tuple[_Rows, _Meta]:
            cursor = self._connection._conn.cursor()
            try:
                work(cursor)
                rows = cursor.fetchall() if cursor.description else None
                return rows, (cursor.description, cursor.rowcount, cursor.lastrowid)
            finally:
                cursor.close()

        self._rows, meta = await self._connection._execute(statement)  # type: ignore[no-untyped-call]
        self.description, self.rowcount, self.lastrowid = meta

    async def execute(self, operation: str, parameters: Sequence[Any] | None = None) -> None:
        await self._run(lambda c: c.execute(operation, () if parameters is None else parameters))

    async def executemany(self, operation: str, parameters: Sequence[Sequence[Any]]) -> None:
        await self._run(lambda c: c.executemany(operation, parameters))

    async def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows or [], None
        return rows

    def close(self) -> None:
        self._rows = None


class _OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()
    _awaitable_cursor_close = False

    def _make_new_cursor(self, connection: Any) -> Any:
        return _ThreadCursor(connection)

    def _aenter_cursor(self, cursor: Any) -> Any:
        return cursor


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = _OneHopCursor


def use_one_hop_cursors(dbapi_connection: Any) -> None:
    """Called on each new pooled connection: same object, this class (same layout)."""
    if type(dbapi_connection) is AsyncAdapt_aiosqlite_connection:
        dbapi_connection.__class__ = OneHopConnection
