"""What the hub routes: an event with its audience worked out once, and outgoing frames."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from relaydesk.events.published import PublishedEvent
from relaydesk.realtime import frames

# Event types delivered only to the devices of the user they name.
PER_USER_EVENTS = frozenset({"conversation.read"})


@dataclass(frozen=True, slots=True)
class OutFrame:
    """A frame waiting in a connection's send queue; `position` is set on event frames."""

    type: str
    text: str
    position: int | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    position: int
    workspace_id: uuid.UUID
    conversation_id: uuid.UUID | None
    user_id: uuid.UUID | None
    frame: OutFrame
    # The message's seq, on `message.created` (a subscription resumed by seq drops repeats).
    seq: int | None = None

    @classmethod
    def of(cls, event: PublishedEvent) -> Delivery:
        # The frame is rendered once and shared by every connection that receives it.
        text = frames.dump(
            "event",
            workspace_id=str(event.workspace_id),
            position=event.position,
            event_type=event.type,
            event=event.payload,
            actor={"type": event.actor_type, "id": event.actor_id},
            created_at=event.created_at.isoformat().replace("+00:00", "Z"),
        )
        return cls(
            position=event.position,
            workspace_id=event.workspace_id,
            conversation_id=_conversation_of(event.payload),
            user_id=_uuid(event.payload.get("user_id")) if event.type in PER_USER_EVENTS else None,
            frame=OutFrame(event.type, text, event.position),
            seq=_created_seq(event),
        )


def _conversation_of(payload: dict[str, Any]) -> uuid.UUID | None:
    if isinstance(payload.get("message"), dict):
        return _uuid(payload["message"].get("conversation_id"))
    if isinstance(payload.get("conversation"), dict):
        return _uuid(payload["conversation"].get("id"))
    return _uuid(payload.get("conversation_id"))


def _created_seq(event: PublishedEvent) -> int | None:
    message = event.payload.get("message")
    if event.type != "message.created" or not isinstance(message, dict):
        return None
    seq = message.get("seq")
    return seq if isinstance(seq, int) else None


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value is not None else None
    except ValueError:
        return None
