"""Portable INSERT … ON CONFLICT DO NOTHING (SQLite and PostgreSQL share the syntax)."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db.base import Base, table_of


def ignoring_insert(session: AsyncSession, model: type[Base]) -> sqlite.Insert | postgresql.Insert:
    """`INSERT INTO model … ON CONFLICT DO NOTHING` in the session's dialect; add `.values()`
    (or execute with a list of rows) and `.returning()` as needed. A Core statement on the
    model's table: rows are plain values, without the ORM's per-row bookkeeping."""
    return _ignoring(session.get_bind().dialect.name, model)


@cache
def _ignoring(dialect_name: str, model: type[Base]) -> sqlite.Insert | postgresql.Insert:
    # One statement per model and dialect (statements are immutable; `.values()` and
    # `.returning()` make new ones), so its compiled form is reused (`db/bulk.py`).
    insert = sqlite.insert if dialect_name == "sqlite" else postgresql.insert
    return insert(table_of(model)).on_conflict_do_nothing()


async def insert_ignore(session: AsyncSession, model: type[Base], **values: Any) -> None:
    await session.execute(ignoring_insert(session, model).values(**values))
