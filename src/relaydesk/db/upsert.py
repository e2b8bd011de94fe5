"""Portable INSERT … ON CONFLICT DO NOTHING (SQLite and PostgreSQL share the syntax)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase


async def insert_ignore(session: AsyncSession, model: type[DeclarativeBase], **values: Any) -> None:
    dialect = session.get_bind().dialect.name
    insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
    await session.execute(insert(model).values(**values).on_conflict_do_nothing())
