"""Named locks held until the end of a write transaction."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def lock_txn(s: AsyncSession, space: int, key: uuid.UUID) -> None:
    """Hold the lock `(space, key)` until the transaction ends. On PostgreSQL an advisory
    lock (two 32-bit keys; two keys sharing a hash wait for each other, which is only
    slower); on SQLite nothing: a write transaction is already the only writer."""
    if s.get_bind().dialect.name == "sqlite":
        return
    await s.execute(
        text("SELECT pg_advisory_xact_lock(:space, :key)"),
        {"space": space, "key": int.from_bytes(key.bytes[:4], "big", signed=True)},
    )
