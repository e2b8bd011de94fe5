"""Inbound ingest: messages from a channel, one or many in one transaction.

A batch costs a fixed number of statements however many messages it holds (look up the
repeats, the contacts, the threads; store the rows), so a busy channel pays per batch, not
per message. Single messages that
arrive together share a transaction too (group commit).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db import Database
from relaydesk.db.base import utcnow
from relaydesk.db.group_commit import GroupCommit
from relaydesk.db.scoped import get_in_workspace_txn
from relaydesk.domains.actor import Actor
from relaydesk.domains.channels.error_codes import ChannelError
from relaydesk.domains.channels.models import Channel
from relaydesk.domains.contacts.actions import do_resolve_identities_txn
from relaydesk.domains.contacts.actions.channel_identities import do_fill_contact_details_txn
from relaydesk.domains.contacts.schemas import ContactRef
from relaydesk.domains.conversations.actions.attachments import (
    do_bind_attachments_txn,
    inbound_attachments_txn,
)
from relaydesk.domains.conversations.actions.messages import do_append_messages_txn, payload_of
from relaydesk.domains.conversations.models import Attachment, Conversation, Message
from relaydesk.domains.conversations.outs import conversation_outs_txn
from relaydesk.domains.conversations.schemas import (
    ConversationStatus,
    Direction,
    InboundIn,
    MessageType,
    Priority,
    SenderType,
)
from relaydesk.domains.workspaces.access import require_txn
from relaydesk.domains.workspaces.roles import Permission
from relaydesk.errors import AppError
from relaydesk.events.outbox import emit_txn
from relaydesk.events.schemas import ConversationCreated


@dataclass(frozen=True)
class Ingested:
    message_id: uuid.UUID
    conversation_id: uuid.UUID
    seq: int
    duplicate: bool


async def check_channel_accepts_txn(
    s: AsyncSession, workspace_id: uuid.UUID, channel_id: uuid.UUID, channel_type: str
) -> Channel:
    channel = await get_in_workspace_txn(s, Channel, workspace_id, channel_id, "channel")
    if not channel.enabled:
        raise AppError(ChannelError.DISABLED)
    if channel.type != channel_type:
        raise AppError(ChannelError.WRONG_TYPE)
    return channel


async def do_open_conversations_txn(
    s: AsyncSession,
    actor: Actor,
    workspace_id: uuid.UUID,
    channel_id: uuid.UUID,
    contact_ids: Sequence[uuid.UUID],
    now: datetime,
) -> dict[uuid.UUID, Conversation]:
    """Each contact's latest thread on this channel, locked: created on first contact,
    reopened if resolved or snoozed. The caller holds the contacts' row locks, so concurrent
    writers agree on which thread is the latest."""
    wanted = sorted(set(contact_ids))
    rows = (
        await s.scalars(
            select(Conversation)
            .where(Conversation.channel_id == channel_id, Conversation.contact_id.in_(wanted))
            .order_by(Conversation.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).all()
    latest: dict[uuid.UUID, Conversation] = {}
    for row in rows:
        known = latest.get(row.contact_id)
        if known is None or row.created_at > known.created_at:
            latest[row.contact_id] = row
    created: list[Conversation] = []
    for contact_id in wanted:
        existing = latest.get(contact_id)
        if existing is None:
            conversation = Conversation(
                id=uuid.uuid4(),
                workspace_id=workspace_id,
                channel_id=channel_id,
                contact_id=contact_id,
                status=ConversationStatus.open.value,
                priority=Priority.normal.value,
                last_seq=0,
                last_activity_at=now,
                created_at=now,
            )
            s.add(conversation)
            latest[contact_id] = conversation
            created.append(conversation)
        elif existing.status != ConversationStatus.open.value:
            existing.status = ConversationStatus.open.value
            existing.resolved_at = None
            existing.snoozed_until = None
    if created:
        await s.flush()
        for out in await conversation_outs_txn(s, created):
            emit_txn(s, actor, workspace_id, ConversationCreated(conversation=out))
    return latest


_InboundKey = tuple[str, uuid.UUID | None, frozenset[Permission], uuid.UUID, uuid.UUID]


class InboundGroupCommit:
    """Single inbound messages of one channel and sender, stored in shared transactions
    when they arrive together (see `relaydesk.db.group_commit`)."""

    def __init__(self, db: Database, max_batch: int = 200) -> None:
        self._db = db
        self._group: GroupCommit[_InboundKey, tuple[Actor, InboundIn], Ingested] = GroupCommit(
            self._run, max_batch
        )

    async def ingest(
        self, actor: Actor, workspace_id: uuid.UUID, channel_id: uuid.UUID, body: InboundIn
    ) -> Ingested:
        """Store one inbound message; the same `external_id` again returns the first result."""
        key = (actor.type.value, actor.id, actor.scope_permissions, workspace_id, channel_id)
        return await self._group.submit(key, (actor, body))

    async def _run(self, key: _InboundKey, items: list[tuple[Actor, InboundIn]]) -> list[Ingested]:
        # Same key, same rights: the first request's actor speaks for the round.
        actor, workspace_id, channel_id = items[0][0], key[3], key[4]
        return await ingest_inbound_batch(
            self._db, actor, workspace_id, channel_id, [body for _, body in items]
        )


async def ingest_inbound_batch(
    db: Database,
    actor: Actor,
    workspace_id: uuid.UUID,
    channel_id: uuid.UUID,
    bodies: Sequence[InboundIn],
) -> list[Ingested]:
    """Store inbound messages in one transaction, all or none; results in the given order.
    An `external_id` seen before (or earlier in the batch) answers the first message's ids
    with `duplicate` set. Each conversation's messages take its seqs in the given order."""
    try:
        return await _ingest(db, actor, workspace_id, channel_id, bodies)
    except IntegrityError:
        # A concurrent writer stored the same message, contact or thread first: use theirs.
        return await _ingest(db, actor, workspace_id, channel_id, bodies)


async def _ingest(
    db: Database,
    actor: Actor,
    workspace_id: uuid.UUID,
    channel_id: uuid.UUID,
    bodies: Sequence[InboundIn],
) -> list[Ingested]:
    now = utcnow()
    async with db.write("ingest_inbound") as s:
        await require_txn(s, actor, workspace_id, Permission.conversations_write)
        await check_channel_accepts_txn(s, workspace_id, channel_id, "api")
        known = await _stored_txn(s, channel_id, {b.external_id for b in bodies})
        fresh: dict[str, InboundIn] = {}
        places: dict[str, int] = {}
        for place, body in enumerate(bodies):
            if body.external_id not in known and body.external_id not in fresh:
                fresh[body.external_id], places[body.external_id] = body, place
        if fresh:
            known.update(await _store_txn(s, actor, workspace_id, channel_id, fresh, places, now))
    # A body is new only if it is the one stored for its external id; the rest repeat it.
    return [
        replace(known[b.external_id], duplicate=b is not fresh.get(b.external_id)) for b in bodies
    ]


async def _stored_txn(
    s: AsyncSession, channel_id: uuid.UUID, external_ids: set[str]
) -> dict[str, Ingested]:
    rows = await s.execute(
        select(Message.external_id, Message.id, Message.conversation_id, Message.seq).where(
            Message.channel_id == channel_id, Message.external_id.in_(external_ids)
        )
    )
    return {e: Ingested(i, c, q, duplicate=True) for e, i, c, q in rows if e is not None}


async def _store_txn(
    s: AsyncSession,
    actor: Actor,
    workspace_id: uuid.UUID,
    channel_id: uuid.UUID,
    fresh: dict[str, InboundIn],
    places: dict[str, int],
    now: datetime,
) -> dict[str, Ingested]:
    items: list[ChannelInbound] = []
    uploads: list[list[Attachment]] = []
    for body in fresh.values():
        try:
            bound, attachments = await _attachments_txn(s, workspace_id, body)
        except AppError as error:
            error.extra["message_index"] = places[body.external_id]  # which one, in a batch
            raise
        items.append(
            ChannelInbound(
                external_id=body.external_id,
                contact=body.contact,
                type=body.type,
                text=body.text,
                payload=payload_of(body.type, attachments, body.location, body.template),
            )
        )
        uploads.append(bound)
    stored = await _append_inbound_txn(s, actor, workspace_id, channel_id, items, now)
    for bound, item in zip(uploads, items, strict=True):
        do_bind_attachments_txn(bound, stored[item.external_id].id)  # after the row exists
    return {e: Ingested(m.id, m.conversation_id, m.seq, duplicate=False) for e, m in stored.items()}


@dataclass(frozen=True)
class ChannelInbound:
    """One inbound message of a provider channel, ready to store.

    `contact` is whom the conversation is with: the sender in a private chat, the group's
    own contact (keyed by the chat id) in a group. `member` is the group member who wrote it
    (stored as the message's sender); None when the contact itself wrote. `reply_to` is the
    provider's id of the message replied to. System messages (members joined, …) have
    `sender_type` system and no sender."""

    external_id: str
    contact: ContactRef
    type: MessageType
    text: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    member: ContactRef | None = None
    reply_to: str | None = None
    sender_type: SenderType = SenderType.contact


async def do_ingest_channel_messages_txn(
    s: AsyncSession,
    actor: Actor,
    workspace_id: uuid.UUID,
    channel_id: uuid.UUID,
    items: Sequence[ChannelInbound],
    now: datetime,
) -> list[Ingested]:
    """Store a provider channel's inbound messages in the caller's transaction, set-based:
    a fixed number of statements for the batch. Idempotent on `external_id` (a repeat, or
    a second copy within `items`, answers the first with `duplicate` set); results in the
    given order."""
    known = await _stored_txn(s, channel_id, {i.external_id for i in items})
    fresh: dict[str, ChannelInbound] = {}
    for item in items:
        if item.external_id not in known and item.external_id not in fresh:
            fresh[item.external_id] = item
    if fresh:
        stored = await _append_inbound_txn(
            s, actor, workspace_id, channel_id, list(fresh.values()), now
        )
        known.update(
            {
                e: Ingested(m.id, m.conversation_id, m.seq, duplicate=False)
                for e, m in stored.items()
            }
        )
    return [
        replace(known[i.external_id], duplicate=i is not fresh.get(i.external_id)) for i in items
    ]


async def _append_inbound_txn(
    s: AsyncSession,
    actor: Actor,
    workspace_id: uuid.UUID,
    channel_id: uuid.UUID,
    items: Sequence[ChannelInbound],
    now: datetime,
) -> dict[str, Message]:
    """The shared write path of every inbound message (API channels and providers): resolve
    the contacts and members, open the threads, take the seqs. `items` are all new."""
    refs = [i.contact for i in items] + [i.member for i in items if i.member is not None]
    contacts = await do_resolve_identities_txn(s, actor, workspace_id, channel_id, refs, now)
    await do_fill_contact_details_txn(s, actor, contacts, refs)
    threads = await do_open_conversations_txn(
        s, actor, workspace_id, channel_id, [contacts[i.contact.external_id].id for i in items], now
    )
    new_ids = {i.external_id: uuid.uuid4() for i in items}
    replies = await _reply_targets_txn(
        s, channel_id, {i.reply_to for i in items if i.reply_to}, new_ids
    )
    entries: list[tuple[Conversation, Message]] = []
    for item in items:
        conversation = threads[contacts[item.contact.external_id].id]
        sender = contacts[(item.member or item.contact).external_id]
        payload = dict(item.payload)
        reply_to_id = replies.get(item.reply_to) if item.reply_to else None
        if item.reply_to and reply_to_id is None:
            payload["reply_to_external_id"] = item.reply_to  # not (yet) known here
        from_contact = item.sender_type is SenderType.contact
        if from_contact:
            # WhatsApp's 24-hour customer-service window runs from here.
            conversation.last_inbound_at = now
        message = Message(
            id=new_ids[item.external_id],
            channel_id=channel_id,
            direction=Direction.inbound.value,
            sender_type=item.sender_type.value,
            sender_id=str(sender.id) if from_contact else None,
            type=item.type.value,
            text=item.text,
            payload=payload,
            external_id=item.external_id,
            reply_to_message_id=reply_to_id,
        )
        entries.append((conversation, message))
    await do_append_messages_txn(s, actor, entries, now)
    return {m.external_id: m for _, m in entries if m.external_id is not None}


async def _reply_targets_txn(
    s: AsyncSession, channel_id: uuid.UUID, external_ids: set[str], new_ids: dict[str, uuid.UUID]
) -> dict[str, uuid.UUID]:
    """Our ids of the messages replied to: stored earlier, or arriving in this batch."""
    if not external_ids:
        return {}
    rows = await s.execute(
        select(Message.external_id, Message.id).where(
            Message.channel_id == channel_id, Message.external_id.in_(external_ids)
        )
    )
    found = {e: i for e, i in rows if e is not None}
    found.update({e: new_ids[e] for e in external_ids if e in new_ids})
    return found


async def _attachments_txn(
    s: AsyncSession, workspace_id: uuid.UUID, body: InboundIn
) -> tuple[list[Attachment], list[dict[str, Any]]]:
    if not body.attachments:
        return [], []
    return await inbound_attachments_txn(s, workspace_id, body.type, body.attachments)
