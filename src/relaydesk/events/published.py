"""A published event: an outbox row with its position, as the hub and the bus carry it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy.orm import InstrumentedAttribute

from relaydesk.events.models import OutboxEvent


@dataclass(frozen=True, slots=True)
class PublishedEvent:
    position: int
    workspace_id: uuid.UUID
    type: str
    payload: dict[str, Any]
    actor_type: str
    actor_id: str | None
    created_at: datetime

    # The outbox columns of every field but `position`, in field order.
    COLUMNS: ClassVar[tuple[InstrumentedAttribute[Any], ...]] = (
        OutboxEvent.workspace_id,
        OutboxEvent.type,
        OutboxEvent.payload,
        OutboxEvent.actor_type,
        OutboxEvent.actor_id,
        OutboxEvent.created_at,
    )

    def to_wire(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "workspace_id": str(self.workspace_id),
            "type": self.type,
            "payload": self.payload,
            "actor_type": self.actor_type,
            "actor_id": self.actor_id,
            "created_at": self.created_at.isoformat(),
        }

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> PublishedEvent:
        return cls(
            position=int(data["position"]),
            workspace_id=uuid.UUID(data["workspace_id"]),
            type=str(data["type"]),
            payload=dict(data["payload"]),
            actor_type=str(data["actor_type"]),
            actor_id=data["actor_id"],
            created_at=datetime.fromisoformat(data["created_at"]),
        )
