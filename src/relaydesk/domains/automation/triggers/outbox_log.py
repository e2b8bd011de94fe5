"""The outbox read as a durable log by a named cursor (`automation_cursor`): the trigger
consumer and the waiting-trigger timers each keep one. A reader takes the next range of
positions and moves its cursor in the same transaction as what it does with them, so a crash
neither skips nor repeats an event; one reader per cursor at a time (an advisory lock on
PostgreSQL, SQLite's single writer)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db import Database
from relaydesk.db.base import utcnow
from relaydesk.db.upsert import insert_ignore
from relaydesk.domains.automation.models import AutomationCursor
from relaydesk.events.models import OutboxEvent
from relaydesk.events.published import PublishedEvent


async def init_cursor(db: Database, name: str) -> None:
    """A new cursor starts at the outbox's end: history starts nothing."""
    async with db.write(f"automation_init_cursor_{name}") as s:
        last = await s.scalar(select(func.max(OutboxEvent.position)))
        await insert_ignore(
            s, AutomationCursor, name=name, position=int(last or 0), updated_at=utcnow()
        )


@dataclass
class Batch:
    """The events after a cursor (of the wanted types) in an open write transaction."""

    s: AsyncSession
    read: int  # positions passed over, of any type
    events: list[PublishedEvent] = field(default_factory=list)


# Of the workspaces with events in a batch, the event types the reader wants of each (a
# workspace left out, or with none, has its events passed over unread).
Interested = Callable[[AsyncSession, set[uuid.UUID]], Awaitable[dict[uuid.UUID, set[str]]]]


@asynccontextmanager
async def next_batch(
    db: Database,
    name: str,
    advisory_key: int,
    batch_size: int,
    types: Collection[str],
    interested: Interested,
) -> AsyncIterator[Batch]:
    """Up to `batch_size` positions after cursor `name`, of `types`: the events of the
    types each workspace is `interested` in (the others' payloads are not read); the cursor
    moves past them all when the block ends without an error, in the block's
    transaction."""
    async with db.write(f"automation_read_{name}") as s:
        if not db.is_sqlite:
            await s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": advisory_key})
        cursor = int(
            await s.scalar(select(AutomationCursor.position).where(AutomationCursor.name == name))
            or 0
        )
        last = int(await s.scalar(select(func.max(OutboxEvent.position))) or 0)
        upto = min(last, cursor + batch_size)
        if upto <= cursor:
            yield Batch(s, 0)
            return
        in_range = (
            OutboxEvent.position > cursor,
            OutboxEvent.position <= upto,
            OutboxEvent.type.in_(types),
        )
        # Which types each workspace has in the range: when none is wanted (a range of a
        # workflow batch's own `contact.updated`, say), the events are not read at all.
        present: dict[uuid.UUID, set[str]] = {}
        pairs = select(OutboxEvent.workspace_id, OutboxEvent.type).where(*in_range).distinct()
        for workspace_id, event_type in await s.execute(pairs):
            present.setdefault(workspace_id, set()).add(event_type)
        wanted = await interested(s, set(present)) if present else {}
        # One clause per distinct set of types: (these workspaces, those types) or ...
        groups: dict[frozenset[str], list[uuid.UUID]] = {}
        for workspace_id, wanted_types in wanted.items():
            if read := frozenset(wanted_types).intersection(present.get(workspace_id, ())):
                groups.setdefault(read, []).append(workspace_id)
        events: list[PublishedEvent] = []
        if groups:
            rows = await s.execute(
                select(OutboxEvent.position, *PublishedEvent.COLUMNS)
                .where(
                    *in_range,
                    or_(
                        *(
                            OutboxEvent.workspace_id.in_(ids) & OutboxEvent.type.in_(group)
                            for group, ids in groups.items()
                        )
                    ),
                )
                .order_by(OutboxEvent.position)
            )
            events = [PublishedEvent(*row) for row in rows]
        yield Batch(s, upto - cursor, events)
        await s.execute(
            update(AutomationCursor)
            .where(AutomationCursor.name == name)
            .values(position=upto, updated_at=utcnow())
        )
