"""Writing events: one outbox row per event, in the transaction of the change.

The row gets its `position` only after commit, from the publisher (`events/publisher.py`);
`emit_txn` marks the transaction so the publisher is woken as soon as it commits.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.domains.actor import Actor
from relaydesk.events.models import OutboxEvent
from relaydesk.events.schemas import AnyEvent

# Set in `session.info` when a transaction wrote outbox rows; read by the publisher's
# commit listener.
OUTBOX_WRITTEN = "relaydesk_outbox_written"


def emit_txn(session: AsyncSession, actor: Actor, workspace_id: uuid.UUID, event: AnyEvent) -> None:
    session.add(
        OutboxEvent(
            workspace_id=workspace_id,
            type=event.type,
            payload=event.model_dump(mode="json"),
            actor_type=actor.type.value,
            actor_id=str(actor.id) if actor.id else None,
        )
    )
    session.info[OUTBOX_WRITTEN] = True
