"""What a node handler sees: the transaction, its run, and the run's data, loaded once per
batch of runs (a few queries for the whole batch, not per run)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db.base import table_of
from relaydesk.domains.actor import Actor
from relaydesk.domains.automation.business_hours import BusinessHoursIn, is_open
from relaydesk.domains.automation.engine.state import RunState
from relaydesk.domains.automation.queries import schedule_txn
from relaydesk.domains.automation.variables import render_value
from relaydesk.domains.channels.models import Channel
from relaydesk.domains.contacts.actions.contacts import (
    contact_out,
    do_add_tags_batch_txn,
    do_remove_tags_batch_txn,
)
from relaydesk.domains.contacts.models import Contact, ContactConsent, ContactTag
from relaydesk.domains.contacts.queries import contacts_out_txn
from relaydesk.domains.contacts.schemas import ContactOut
from relaydesk.domains.conversations.actions.messages import PreparedSend, do_send_many_txn
from relaydesk.domains.conversations.models import Conversation, ConversationLabel
from relaydesk.domains.workspaces.models import Workspace
from relaydesk.settings import Settings

# The batch's reads, built once (the ids bound per batch, expanded at execution).
_IDS: BindParameter[list[uuid.UUID]] = bindparam("ids", expanding=True)
_TAG_ROWS = table_of(ContactTag)
_TAGS = select(_TAG_ROWS.c.contact_id, _TAG_ROWS.c.tag).where(_TAG_ROWS.c.contact_id.in_(_IDS))
_CONVERSATIONS = select(Conversation).where(Conversation.id.in_(_IDS))


class BatchData:
    """Contacts, their tags and conversations of a batch of runs; schedules and workspace
    names on first use."""

    def __init__(self, s: AsyncSession) -> None:
        self.s = s
        # SQLite has one writer: the rows this transaction loaded cannot change under it, so
        # nodes use them as they are instead of reading and locking them again.
        self.single_writer = s.get_bind().dialect.name == "sqlite"
        self._consents: dict[tuple[uuid.UUID, uuid.UUID], str | None] = {}
        # As events carry them: read as rows, not ORM instances (a node that changes a
        # contact's fields puts the changed one here, `put_contact`).
        self.contacts: dict[uuid.UUID, ContactOut] = {}
        self.tags: dict[uuid.UUID, set[str]] = {}
        self.conversations: dict[uuid.UUID, Conversation] = {}
        self._schedules: dict[uuid.UUID, BusinessHoursIn | None] = {}
        self._names: dict[uuid.UUID, str] = {}
        # Set by the runner while no savepoints are used: tag and send nodes then stage their
        # writes here (tags computed against `tags`), written for the batch by `write_staged`.
        self.staging = False
        self._adds: dict[uuid.UUID, dict[uuid.UUID, set[str]]] = {}
        self._removes: dict[uuid.UUID, set[str]] = {}
        self._sends: list[PreparedSend] = []

    async def load(self, runs: Iterable[RunState]) -> None:
        runs = list(runs)
        contact_ids = {r.contact_id for r in runs if r.contact_id}
        conversation_ids = {r.conversation_id for r in runs if r.conversation_id}
        if contact_ids:
            ids = {"ids": list(contact_ids)}
            self.contacts.update(await contacts_out_txn(self.s, ids["ids"]))
            for contact_id, tag in await self.s.execute(_TAGS, ids):
                self.tags.setdefault(contact_id, set()).add(tag)
        if conversation_ids:
            ids = {"ids": list(conversation_ids)}
            for conversation in await self.s.scalars(_CONVERSATIONS, ids):
                self.conversations[conversation.id] = conversation

    def put_contact(self, contact: Contact) -> None:
        """A contact a node changed, as the batch's later nodes must see it."""
        self.contacts[contact.id] = contact_out(contact)

    def stage_tags(
        self, workspace_id: uuid.UUID, contact_id: uuid.UUID, tags: Iterable[str], *, add: bool
    ) -> list[str]:
        """Stage adding or removing a contact's tags; the tags that changes. A contact's
        staged adds and removes never share a tag, so their order no longer matters."""
        have = self.tags.setdefault(contact_id, set())
        changing = set(tags) - have if add else set(tags) & have
        adds = self._adds.setdefault(workspace_id, {}).setdefault(contact_id, set())
        removes = self._removes.setdefault(contact_id, set())
        if add:
            have.update(changing)
            removes.difference_update(changing)
            adds.update(changing)
        else:
            have.difference_update(changing)
            adds.difference_update(changing)
            removes.update(changing)
        return sorted(changing)

    def stage_send(self, prepared: PreparedSend) -> None:
        """A numbered message, stored with the batch's other sends (one flush, one read of
        the conversations for their events)."""
        self._sends.append(prepared)

    async def write_staged(self) -> None:
        """The batch's staged writes: tag changes (one insert per workspace, one delete per
        distinct set of removed tags), then the sends."""
        adds, removes, sends = self._adds, self._removes, self._sends
        self._adds, self._removes, self._sends = {}, {}, []
        for workspace_id, wanted in adds.items():
            await do_add_tags_batch_txn(self.s, workspace_id, wanted)
        await do_remove_tags_batch_txn(self.s, removes)
        if sends:
            await do_send_many_txn(self.s, sends)

    async def consent(self, contact_id: uuid.UUID, channel_id: uuid.UUID) -> str | None:
        """A contact's consent status on a channel; those of the conversations the batch holds
        are read together on first use."""
        key = (contact_id, channel_id)
        if key not in self._consents:
            pairs = {(c.contact_id, c.channel_id) for c in self.conversations.values()}
            pairs = {p for p in pairs if p not in self._consents} | {key}
            self._consents.update(dict.fromkeys(pairs))
            rows = await self.s.execute(
                select(
                    ContactConsent.contact_id, ContactConsent.channel_id, ContactConsent.status
                ).where(ContactConsent.contact_id.in_({p[0] for p in pairs}))
            )
            for row_contact, row_channel, status in rows:
                if (row_contact, row_channel) in self._consents:
                    self._consents[(row_contact, row_channel)] = status
        return self._consents[key]

    async def schedule(self, workspace_id: uuid.UUID) -> BusinessHoursIn | None:
        if workspace_id not in self._schedules:
            self._schedules[workspace_id] = await schedule_txn(self.s, workspace_id)
        return self._schedules[workspace_id]

    async def workspace_name(self, workspace_id: uuid.UUID) -> str:
        if workspace_id not in self._names:
            name = await self.s.scalar(select(Workspace.name).where(Workspace.id == workspace_id))
            self._names[workspace_id] = name or ""
        return self._names[workspace_id]


@dataclass
class NodeContext:
    s: AsyncSession
    run: RunState
    node_id: str
    node_type: str
    now: datetime
    settings: Settings
    data: BatchData
    input: dict[str, Any] = field(default_factory=dict)

    @property
    def actor(self) -> Actor:
        return Actor.automation(self.run.id, self.run.workspace_id)

    @property
    def workspace_id(self) -> uuid.UUID:
        return self.run.workspace_id

    @property
    def idempotency_key(self) -> str:
        return f"{self.run.id}:{self.node_id}"

    @property
    def contact(self) -> ContactOut | None:
        return self.data.contacts.get(self.run.contact_id) if self.run.contact_id else None

    @property
    def tags(self) -> set[str]:
        if self.run.contact_id is None:
            return set()
        return self.data.tags.setdefault(self.run.contact_id, set())

    @property
    def conversation(self) -> Conversation | None:
        if self.run.conversation_id is None:
            return None
        return self.data.conversations.get(self.run.conversation_id)

    def record_input(self, **values: Any) -> None:
        self.input.update(values)

    async def latest_conversation(self) -> Conversation | None:
        """The run's conversation, else the contact's most recently active one."""
        if self.conversation is not None or self.run.contact_id is None:
            return self.conversation
        found = await self.s.scalar(
            select(Conversation)
            .where(
                Conversation.workspace_id == self.workspace_id,
                Conversation.contact_id == self.run.contact_id,
            )
            .order_by(Conversation.last_activity_at.desc())
            .limit(1)
        )
        if found is not None:
            self.run.conversation_id = found.id
            self.data.conversations[found.id] = found
        return found

    async def variables(self) -> dict[str, Any]:
        contact = self.contact
        trigger = self.run.context.get("trigger", {})
        return {
            "contact": {
                "name": contact.name if contact else None,
                "email": contact.email if contact else None,
                "phone": contact.phone if contact else None,
                "language": contact.language if contact else None,
                "attributes": dict(contact.attributes or {}) if contact else {},
            },
            "conversation": {"id": str(self.run.conversation_id or "")},
            "message": {"text": trigger.get("text")},
            "trigger": {"body": trigger.get("body", {})},
            "vars": self.run.context.get("vars", {}),
            "workspace": {"name": await self.data.workspace_name(self.workspace_id)},
        }

    async def render(self, value: Any) -> Any:
        if not _has_variables(value):
            return value
        return render_value(value, await self.variables())

    async def facts(self, fields: Iterable[str]) -> dict[str, Any]:
        contact, conversation = self.contact, self.conversation
        trigger = self.run.context.get("trigger", {})
        found: dict[str, Any] = {}
        for name in fields:
            value: Any = None
            if name.startswith("contact.attributes."):
                value = (contact.attributes or {}).get(name.split(".", 2)[2]) if contact else None
            elif name == "contact.tags":
                value = sorted(self.tags)
            elif name.startswith("contact."):
                value = getattr(contact, name.split(".", 1)[1], None) if contact else None
            elif name == "conversation.labels" and conversation is not None:
                value = list(
                    await self.s.scalars(
                        select(ConversationLabel.label).where(
                            ConversationLabel.conversation_id == conversation.id
                        )
                    )
                )
            elif name == "conversation.channel_type" and conversation is not None:
                value = await self.s.scalar(
                    select(Channel.type).where(Channel.id == conversation.channel_id)
                )
            elif name.startswith("conversation.") and conversation is not None:
                raw = getattr(conversation, name.split(".", 1)[1], None)
                value = str(raw) if isinstance(raw, uuid.UUID) else raw
            elif name == "message.text":
                value = trigger.get("text")
            elif name == "business_hours":
                value = is_open(await self.data.schedule(self.workspace_id), self.now)
            elif name in ("minutes_since_last_message", "minutes_since_last_inbound"):
                at = None
                if conversation is not None:
                    at = (
                        conversation.last_activity_at
                        if name == "minutes_since_last_message"
                        else conversation.last_inbound_at
                    )
                value = None if at is None else (self.now - at).total_seconds() / 60
            elif name.startswith("vars."):
                value = self.run.context.get("vars", {}).get(name.split(".", 1)[1])
            found[name] = value
        return found


def _has_variables(value: Any) -> bool:
    if isinstance(value, str):
        return "{{" in value
    if isinstance(value, list):
        return any(_has_variables(v) for v in value)
    if isinstance(value, dict):
        return any(_has_variables(v) for v in value.values())
    return False
