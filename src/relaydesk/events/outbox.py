"""Writing events: one outbox row per event, in the transaction of the change.

`emit_txn` collects the rows; they are inserted together, in emit order, just before the
transaction commits (one statement however many there are).

Positions: on PostgreSQL a row gets its `position` after commit, from the publisher
(`events/publisher.py`), which `emit_txn` wakes. On SQLite, where a write transaction
excludes every other writer until it commits, the transaction gives the positions itself
(the next after the highest, in emit order: still dense, and visible in order), which
saves the publisher a second write transaction per change; the publisher then only hands
the events on (`PUBLISHED` in `session.info`).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import event, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from relaydesk.db.base import table_of, utcnow
from relaydesk.db.bulk import execute_many_sync
from relaydesk.domains.actor import Actor
from relaydesk.events.models import OutboxEvent
from relaydesk.events.published import PublishedEvent
from relaydesk.events.schemas import AnyEvent

# Set in `session.info` when a transaction wrote outbox rows; read by commit listeners.
OUTBOX_WRITTEN = "relaydesk_outbox_written"
# The events a SQLite transaction positioned itself, in position order.
PUBLISHED = "relaydesk_outbox_published"
_PENDING = "relaydesk_outbox_pending"
_INSERT = insert(table_of(OutboxEvent))


def emit_txn(session: AsyncSession, actor: Actor, workspace_id: uuid.UUID, event: AnyEvent) -> None:
    pending: list[dict[str, Any]] = session.info.setdefault(_PENDING, [])
    pending.append(
        {
            "workspace_id": workspace_id,
            "type": event.type,
            "payload": event.model_dump(mode="json"),
            "actor_type": actor.type.value,
            "actor_id": str(actor.id) if actor.id else None,
            "created_at": utcnow(),
        }
    )
    session.info[OUTBOX_WRITTEN] = True


@event.listens_for(Session, "before_commit")
def _insert_pending(session: Session) -> None:
    # Not ORM objects: the ORM would insert them one by one to learn each new id.
    rows: list[dict[str, Any]] | None = session.info.pop(_PENDING, None)
    if not rows:
        return
    if session.get_bind().dialect.name == "sqlite":
        last = session.scalar(select(func.max(OutboxEvent.position))) or 0
        now = utcnow()
        for offset, row in enumerate(rows, start=1):
            row["position"], row["published_at"] = last + offset, now
        session.info[PUBLISHED] = [
            PublishedEvent(row["position"], *(row[c.key] for c in PublishedEvent.COLUMNS))
            for row in rows
        ]
    execute_many_sync(session, _INSERT, rows)
