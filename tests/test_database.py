"""The database layer's own guarantees: write transactions do not nest, statements on
SQLite (one thread hand-off each) behave as DB-API says, and group commit shares rounds."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

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
