"""Reads of the published part of the outbox: what clients resume from."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from relaydesk.db import Database
from relaydesk.events.models import OutboxEvent
from relaydesk.events.published import PublishedEvent


async def max_position(db: Database) -> int:
    """The last position given out (0 when nothing was published yet)."""
    async with db.read("outbox_max_position") as s:
        value = await s.scalar(select(func.max(OutboxEvent.position)))
    return int(value or 0)


async def min_position(db: Database) -> int | None:
    """The oldest position still kept; positions below it were pruned."""
    async with db.read("outbox_min_position") as s:
        value = await s.scalar(select(func.min(OutboxEvent.position)))
    return None if value is None else int(value)


async def events_after(
    db: Database, workspace_id: uuid.UUID, after: int, limit: int
) -> list[PublishedEvent]:
    """One workspace's events after `after`, by position (a client's catch-up)."""
    stmt = (
        select(OutboxEvent.position, *PublishedEvent.COLUMNS)
        .where(OutboxEvent.workspace_id == workspace_id, OutboxEvent.position > after)
        .order_by(OutboxEvent.position)
        .limit(limit)
    )
    async with db.read("outbox_events_after") as s:
        rows = (await s.execute(stmt)).all()
    return [PublishedEvent(*row) for row in rows]


async def events_between(db: Database, after: int, upto: int, limit: int) -> list[PublishedEvent]:
    """Every workspace's events with `after < position <= upto` (the hub repairing a gap)."""
    stmt = (
        select(OutboxEvent.position, *PublishedEvent.COLUMNS)
        .where(OutboxEvent.position > after, OutboxEvent.position <= upto)
        .order_by(OutboxEvent.position)
        .limit(limit)
    )
    async with db.read("outbox_events_between") as s:
        rows = (await s.execute(stmt)).all()
    return [PublishedEvent(*row) for row in rows]
