"""The database layer's own guarantees: write transactions do not nest, statements on
SQLite (one thread hand-off each) behave as DB-API says, group commit shares rounds, rows
written through the driver (`db/bulk.py`) read back as SQLAlchemy's, and timestamps."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    Column,
    MetaData,
    String,
    Table,
    Uuid,
    bindparam,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import IntegrityError, StatementError

from relaydesk.db.base import UTCDateTime, utcnow
from relaydesk.db.bulk import driver_params, execute_many
from relaydesk.db.database import Database, create_engine
from relaydesk.db.group_commit import GroupCommit
from tests.harness import throwaway_database


def _run(tmp: Path, body: Callable[[Database], Awaitable[None]]) -> None:
    with throwaway_database(tmp) as url:

        async def main() -> None:
            db = Database(create_engine(url))
            try:
                await body(db)
            finally:
                await db.dispose()

        asyncio.run(main())


def test_a_write_inside_a_write_is_refused(tmp_path: Path) -> None:
    async def body(db: Database) -> None:
        async with db.write("outer") as s:
            await s.execute(text("SELECT 1"))
            with pytest.raises(RuntimeError, match="inside another"):
                async with db.write("inner"):
                    pass
        async with db.write("after"):  # the refusal left nothing locked
            pass

    _run(tmp_path, body)


def test_statements_return_rows_counts_and_errors(tmp_path: Path) -> None:
    async def body(db: Database) -> None:
        async with db.write("create") as s:
            await s.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
            await s.execute(
                text("INSERT INTO t (id, name) VALUES (:id, :name)"),
                [{"id": i, "name": n} for i, n in enumerate("abc", start=1)],
            )
            changed = await s.execute(text("UPDATE t SET name = name || '!' WHERE id < 3"))
            assert changed.rowcount == 2  # type: ignore[attr-defined]
            rows = (await s.execute(text("SELECT id, name FROM t ORDER BY id"))).all()
            assert [tuple(r) for r in rows] == [(1, "a!"), (2, "b!"), (3, "c")]
            assert (await s.execute(text("SELECT name FROM t WHERE id = 9"))).first() is None
        with pytest.raises(IntegrityError):
            async with db.write("duplicate") as s:
                await s.execute(text("INSERT INTO t (id, name) VALUES (4, 'c')"))
        async with db.read("count") as s:
            assert await s.scalar(text("SELECT count(*) FROM t")) == 3
        await db.engine.dispose()  # a new connection gets the same behaviour
        async with db.read("again") as s:
            assert await s.scalar(text("SELECT name FROM t WHERE id = 1")) == "a!"

    _run(tmp_path, body)


def test_group_commit_shares_rounds_and_isolates_failures() -> None:
    rounds: list[list[int]] = []

    async def main() -> list[int | str]:
        first_round_runs, others_waiting = asyncio.Event(), asyncio.Event()

        async def run(key: str, items: list[int]) -> list[int]:
            rounds.append(items)
            if len(rounds) == 1:
                first_round_runs.set()
                await others_waiting.wait()
            if 13 in items:
                raise ValueError("thirteen")
            return [i * 10 for i in items]

        group: GroupCommit[str, int, int] = GroupCommit(run, max_batch=4)

        async def one(i: int) -> int | str:
            try:
                return await group.submit("k", i)
            except ValueError as error:
                return str(error)

        first = asyncio.create_task(one(1))
        await first_round_runs.wait()  # the first call did not wait for company
        rest = [asyncio.create_task(one(i)) for i in [2, 3, 13, 5, 6]]
        await asyncio.sleep(0)  # they are all waiting now
        others_waiting.set()
        return list(await asyncio.gather(first, *rest))

    assert asyncio.run(main()) == [10, 20, 30, "thirteen", 50, 60]
    assert rounds[:2] == [[1], [2, 3, 13, 5]]  # those that came meanwhile went together
    assert rounds[2:] == [[2], [3], [13], [5], [6]]  # the failed round, one by one


_META = MetaData()
_ITEMS = Table(
    "bulk_items",
    _META,
    Column("id", Uuid, primary_key=True),
    Column("name", String(40), nullable=False),
    Column("data", JSON, nullable=True),
    Column("at", UTCDateTime(), nullable=True),
    Column("kind", String(10), nullable=False, default="plain"),
    Column("created_at", UTCDateTime(), nullable=False, default=utcnow),
    Column("changed_at", UTCDateTime(), nullable=True, onupdate=utcnow),
    # A default that reads the execution context is left to SQLAlchemy's path.
    Column("label", String(50), default=lambda ctx: ctx.get_current_parameters()["name"] + "!"),
)


def test_many_rows_through_the_driver_read_back_as_through_sqlalchemy(tmp_path: Path) -> None:
    """`execute_many` (one tuple per row) writes what SQLAlchemy's own executemany writes:
    the types' conversions, Python-side defaults and `onupdate`, and its errors."""
    zone = timezone(timedelta(hours=8))
    at = datetime(2026, 12, 7, 23, 5, 0, tzinfo=zone)  # not UTC, no microseconds

    def rows(prefix: str) -> list[dict[str, Any]]:
        return [
            {"id": uuid.uuid4(), "name": f"{prefix}{n}", "data": {"n": n, "l": [1]}, "at": at}
            for n in range(3)
        ] + [{"id": uuid.uuid4(), "name": f"{prefix}none", "data": None, "at": None}]

    def labelled(prefix: str) -> list[dict[str, Any]]:
        return [{**row, "label": row["name"] + "?"} for row in rows(prefix)]

    def read(result: Any) -> list[tuple[Any, ...]]:
        return [(r.name[1:], r.data, r.at, r.kind, r.changed_at, r.label[1:]) for r in result]

    async def body(db: Database) -> None:
        async with db.write("create") as s:
            await s.run_sync(lambda sync: _META.create_all(sync.connection()))
        async with db.write("insert") as s:
            dialect = (await s.connection()).dialect
            # The driver's path where every default is plain; SQLAlchemy's for `label`'s.
            assert driver_params(dialect, insert(_ITEMS), labelled("x")) is not None
            assert driver_params(dialect, insert(_ITEMS), rows("x")) is None
            await s.execute(insert(_ITEMS), labelled("a"))  # SQLAlchemy's path
            await execute_many(s, insert(_ITEMS), labelled("b"))
            await execute_many(s, insert(_ITEMS), rows("c"))  # handed to SQLAlchemy
        async with db.read("read") as s:
            got = (await s.execute(select(_ITEMS).order_by(_ITEMS.c.name))).all()
        by_path = {p: read(r for r in got if r.name[0] == p) for p in "abc"}
        assert by_path["a"] == by_path["b"]
        assert by_path["b"][0] == ("0", {"n": 0, "l": [1]}, at, "plain", None, "0?")
        assert by_path["c"][0][-1] == "0!"
        assert all(r.created_at.tzinfo is UTC for r in got)

        update_stmt = update(_ITEMS).where(_ITEMS.c.id == bindparam("_id"))
        changes = [{"_id": r.id, "name": r.name.upper()} for r in got]
        async with db.write("update") as s:
            await execute_many(s, update_stmt, changes)
        async with db.read("read") as s:
            after = (await s.execute(select(_ITEMS).order_by(_ITEMS.c.name))).all()
        assert [r.name for r in after] == sorted(r.name.upper() for r in got)
        assert all(r.changed_at is not None for r in after)

        # A row without one of the first row's keys gets SQLAlchemy's own error.
        with pytest.raises(StatementError, match="name"):
            async with db.write("missing") as s:
                await execute_many(s, insert(_ITEMS), [rows("d")[0], {"id": uuid.uuid4()}])
        async with db.read("count") as s:
            assert await s.scalar(select(func.count()).select_from(_ITEMS)) == len(got)

    _run(tmp_path, body)


def test_timestamps_are_stored_as_sqlalchemy_s_sqlite_text() -> None:
    dialect = sqlite.dialect()  # type: ignore[no-untyped-call]
    column = UTCDateTime()
    bind = column.dialect_impl(dialect).bind_processor(dialect)
    assert bind is not None
    for value in (
        datetime(2026, 12, 7, 23, 5, 1, 120, tzinfo=UTC),
        datetime(2026, 12, 7, 23, 5, 1, tzinfo=UTC),
        datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
        datetime(2026, 12, 8, 7, 5, 1, 5, tzinfo=timezone(timedelta(hours=8))),
    ):
        expected = value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
        assert bind(value) == expected == column.process_bind_param(value, dialect)
    assert bind(None) is None
    with pytest.raises(ValueError, match="naive"):
        bind(datetime(2026, 12, 7))  # noqa: DTZ001 (naive on purpose)
