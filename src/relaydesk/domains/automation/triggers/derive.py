"""From outbox events to trigger occurrences.

`message.created` (inbound), `conversation.created` and `contact.created` map one to one;
`contact.updated` names its tag and attribute changes itself (`changes`). Conversation
changes that events do not spell out (a status moved, an assignee set) are the difference
between the conversation now and the snapshot the consumer kept of it
(`automation_snapshots`), which it then updates. A change is therefore attributed to the
first event of its conversation that the consumer reads after it; a conversation without a
snapshot (older than automation) gets one as its baseline and fires nothing that time.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.domains.automation.models import AutomationSnapshot
from relaydesk.domains.automation.triggers.base import Occurrence
from relaydesk.domains.automation.triggers.messages import message_data
from relaydesk.domains.conversations.models import Conversation
from relaydesk.events.published import PublishedEvent

# The outbox event types the consumer reads; others only move its cursor.
EVENT_TYPES = (
    "message.created",
    "conversation.created",
    "conversation.updated",
    "contact.created",
    "contact.updated",
)
# Contact events start only these trigger kinds: a workspace without such triggers has them
# passed over unread. (Messages are read for answers to questions too, and conversation
# events keep the snapshots of any workspace with triggers.)
_CONTACT_KINDS = {
    "contact.created": frozenset({"contact_created"}),
    "contact.updated": frozenset(
        {"contact_updated", "tag_added", "tag_removed", "attribute_changed"}
    ),
}


def event_types_for(kinds: set[str]) -> set[str]:
    """The event types to read for a workspace whose published triggers are of `kinds`."""
    wanted = {"message.created"}
    if kinds:
        wanted |= {"conversation.created", "conversation.updated"}
    wanted |= {t for t, starts in _CONTACT_KINDS.items() if kinds & starts}
    return wanted


class _Snapshots:
    def __init__(self, rows: dict[uuid.UUID, dict[str, Any]]) -> None:
        self.rows = rows
        self.new: dict[uuid.UUID, tuple[uuid.UUID, dict[str, Any]]] = {}
        self.changed: dict[uuid.UUID, dict[str, Any]] = {}

    def get(self, object_id: uuid.UUID) -> dict[str, Any] | None:
        return self.rows.get(object_id)

    def put(self, workspace_id: uuid.UUID, object_id: uuid.UUID, state: dict[str, Any]) -> None:
        if (object_id not in self.rows and object_id not in self.new) or object_id in self.new:
            self.new[object_id] = (workspace_id, state)
        elif self.rows[object_id] != state:
            self.changed[object_id] = state
        self.rows[object_id] = state

    async def save_txn(self, s: AsyncSession) -> None:
        # One multi-row insert and one executemany update by primary key for the batch.
        if self.new:
            await s.execute(
                insert(AutomationSnapshot),
                [
                    {"object_id": oid, "workspace_id": ws, "state": state}
                    for oid, (ws, state) in self.new.items()
                ],
            )
        if self.changed:
            await s.execute(
                update(AutomationSnapshot),
                [{"object_id": oid, "state": state} for oid, state in self.changed.items()],
            )


def _uuid(value: Any) -> uuid.UUID | None:
    return uuid.UUID(str(value)) if value else None


async def derive_txn(s: AsyncSession, events: Sequence[PublishedEvent]) -> list[Occurrence]:
    messages = [
        e
        for e in events
        if e.type == "message.created" and e.payload["message"].get("direction") == "in"
    ]
    conversation_ids = {uuid.UUID(e.payload["message"]["conversation_id"]) for e in messages}
    conversations: dict[uuid.UUID, tuple[uuid.UUID, uuid.UUID]] = {}
    if conversation_ids:
        found_rows = await s.execute(
            select(Conversation.id, Conversation.channel_id, Conversation.contact_id).where(
                Conversation.id.in_(conversation_ids)
            )
        )
        conversations = {r[0]: (r[1], r[2]) for r in found_rows}
    tracked = {
        uuid.UUID(e.payload["conversation"]["id"])
        for e in events
        if e.type in ("conversation.created", "conversation.updated")
    }
    snapshots = _Snapshots({})
    if tracked:
        rows = await s.execute(
            select(AutomationSnapshot.object_id, AutomationSnapshot.state).where(
                AutomationSnapshot.object_id.in_(tracked)
            )
        )
        snapshots = _Snapshots({r[0]: r[1] for r in rows})
    found: list[Occurrence] = []
    for event in events:
        found.extend(_occurrences(event, conversations, snapshots))
    await snapshots.save_txn(s)
    return found


def _occurrences(
    event: PublishedEvent,
    conversations: dict[uuid.UUID, tuple[uuid.UUID, uuid.UUID]],
    snapshots: _Snapshots,
) -> list[Occurrence]:
    def occ(kind: str, contact: Any, conversation: Any, **data: Any) -> Occurrence:
        return Occurrence(
            kind,
            event.workspace_id,
            event.position,
            event.actor_type,
            event.actor_id,
            _uuid(contact),
            _uuid(conversation),
            data,
        )

    payload = event.payload
    if event.type == "message.created":
        message = payload["message"]
        if message.get("direction") != "in":
            return []
        conversation_id = uuid.UUID(message["conversation_id"])
        known = conversations.get(conversation_id)
        if known is None:
            return []
        channel_id, contact_id = known
        data = message_data(message.get("text"), channel_id, message["seq"] == 1, message["id"])
        return [occ("message_received", contact_id, conversation_id, **data)]
    if event.type.startswith("conversation."):
        conversation = payload["conversation"]
        cid = uuid.UUID(conversation["id"])
        state = {"status": conversation["status"], "assignee": conversation["assignee_user_id"]}
        before = snapshots.get(cid)
        snapshots.put(event.workspace_id, cid, state)
        contact, channel = conversation["contact_id"], conversation["channel_id"]
        if event.type == "conversation.created":
            return [occ("conversation_created", contact, cid, channel_id=channel)]
        if before is None:
            return []
        found = []
        if before["status"] != state["status"]:
            found.append(
                occ(
                    "conversation_status_changed",
                    contact,
                    cid,
                    to=state["status"],
                    **{"from": before["status"]},
                )
            )
        if state["assignee"] and before["assignee"] != state["assignee"]:
            found.append(occ("conversation_assigned", contact, cid, assignee=state["assignee"]))
        return found
    contact_id = uuid.UUID(payload["contact"]["id"])
    if event.type == "contact.created":
        return [occ("contact_created", contact_id, None)]
    found = [occ("contact_updated", contact_id, None)]
    # Events written before changes were named carry none: they fire `contact_updated` only.
    changes = payload.get("changes") or {}
    found += [occ("tag_added", contact_id, None, tag=t) for t in changes.get("tags_added", [])]
    found += [occ("tag_removed", contact_id, None, tag=t) for t in changes.get("tags_removed", [])]
    for key, change in sorted(changes.get("attributes", {}).items()):
        found.append(
            occ(
                "attribute_changed",
                contact_id,
                None,
                key=key,
                old=change.get("old"),
                new=change.get("new"),
            )
        )
    return found
