"""What provider channels report about messages already stored: edits in place, reactions,
delivery statuses, and media downloaded after the message was stored.

Each writer takes a whole batch and costs a fixed number of statements for it; all run in the
caller's transaction (the inbox worker's, one per batch). Lock order is the one every message
writer keeps: conversations first (by id), then their messages.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db import Database
from relaydesk.db.base import utcnow
from relaydesk.domains.actor import Actor
from relaydesk.domains.conversations.actions.delivery import (
    EARLY_STATUS_TTL,
    do_apply_status_txn,
    lock_external_ids_txn,
)
from relaydesk.domains.conversations.actions.messages import _after_change_txn
from relaydesk.domains.conversations.models import Attachment, Conversation, EarlyStatus, Message
from relaydesk.domains.conversations.schemas import Direction, MessageStatus


@dataclass(frozen=True)
class InboundEditIn:
    external_id: str
    text: str | None
    edited_at: datetime


@dataclass(frozen=True)
class ReactionIn:
    """`reactor` is the reacting contact's external id; an empty emoji removes theirs."""

    target_external_id: str
    reactor: str
    emoji: str
    at: datetime


@dataclass(frozen=True)
class StatusIn:
    external_id: str
    status: MessageStatus
    error: dict[str, Any] | None = None


@dataclass(frozen=True)
class DownloadedMedia:
    """A provider file of `message_id`, now in attachment storage under `sha256`."""

    message_id: uuid.UUID
    provider_id: str
    filename: str
    content_type: str
    size: int
    sha256: str


async def _locked_by_external_id_txn(
    s: AsyncSession, channel_id: uuid.UUID, external_ids: set[str]
) -> tuple[dict[uuid.UUID, Conversation], dict[str, Message]]:
    """The channel's messages with these external ids and their conversations, locked."""
    conversation_ids = set(
        (
            await s.scalars(
                select(Message.conversation_id).where(
                    Message.channel_id == channel_id, Message.external_id.in_(external_ids)
                )
            )
        ).all()
    )
    if not conversation_ids:
        return {}, {}
    conversations = (
        await s.scalars(
            select(Conversation)
            .where(Conversation.id.in_(conversation_ids))
            .order_by(Conversation.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).all()
    messages = (
        await s.scalars(
            select(Message)
            .where(Message.channel_id == channel_id, Message.external_id.in_(external_ids))
            .order_by(Message.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).all()
    return (
        {c.id: c for c in conversations},
        {m.external_id: m for m in messages if m.external_id is not None},
    )


async def _changed_txn(
    s: AsyncSession,
    actor: Actor,
    conversations: Mapping[uuid.UUID, Conversation],
    changed: Mapping[uuid.UUID, Message],
) -> None:
    """Write the changed messages, then their events and conversation updates."""
    if not changed:
        return
    await s.flush()
    for message in changed.values():
        await _after_change_txn(s, actor, conversations[message.conversation_id], message)


async def do_apply_inbound_edits_txn(
    s: AsyncSession, actor: Actor, channel_id: uuid.UUID, edits: Sequence[InboundEditIn]
) -> int:
    """The contact edited earlier inbound messages: new text in place, `edited_at` set. An
    edit of a message we never stored, or of a recalled one, changes nothing. The number of
    messages changed."""
    if not edits:
        return 0
    conversations, messages = await _locked_by_external_id_txn(
        s, channel_id, {e.external_id for e in edits}
    )
    changed: dict[uuid.UUID, Message] = {}
    for edit in edits:
        message = messages.get(edit.external_id)
        if (
            message is None
            or message.direction != Direction.inbound.value
            or message.recalled_at is not None
            or message.text == edit.text
        ):
            continue
        message.text = edit.text
        message.edited_at = edit.edited_at
        changed[message.id] = message
    await _changed_txn(s, actor, conversations, changed)
    return len(changed)


async def do_apply_reactions_txn(
    s: AsyncSession, actor: Actor, channel_id: uuid.UUID, reactions: Sequence[ReactionIn]
) -> int:
    """Reactions kept on their target message: `payload["reactions"]` maps each reacting
    contact's external id to `{emoji, at}`; an empty emoji removes the entry."""
    if not reactions:
        return 0
    conversations, messages = await _locked_by_external_id_txn(
        s, channel_id, {r.target_external_id for r in reactions}
    )
    changed: dict[uuid.UUID, Message] = {}
    for reaction in reactions:
        message = messages.get(reaction.target_external_id)
        if message is None or message.recalled_at is not None:
            continue
        payload = dict(message.payload or {})
        current = dict(payload.get("reactions") or {})
        if reaction.emoji:
            current[reaction.reactor] = {"emoji": reaction.emoji, "at": reaction.at.isoformat()}
        elif current.pop(reaction.reactor, None) is None:
            continue
        payload["reactions"] = current
        message.payload = payload  # a new dict: JSON columns track assignment, not mutation
        changed[message.id] = message
    await _changed_txn(s, actor, conversations, changed)
    return len(changed)


async def do_apply_channel_statuses_txn(
    s: AsyncSession, actor: Actor, channel_id: uuid.UUID, statuses: Sequence[StatusIn]
) -> int:
    """Provider statuses of outbound messages, found by (channel, external id), applied
    forward-only in the given order (read before delivered ends read; failed keeps the
    provider's error). A status of a message we do not know yet is kept a while: its webhook
    may come before the answer of the send that tells us the message's id. The number applied."""
    if not statuses:
        return 0
    await lock_external_ids_txn(s, channel_id)
    rows = (
        await s.scalars(
            select(Message)
            .where(
                Message.channel_id == channel_id,
                Message.external_id.in_({st.external_id for st in statuses}),
            )
            .order_by(Message.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).all()
    messages = {m.external_id: m for m in rows if m.external_id is not None}
    applied = 0
    early: list[StatusIn] = []
    for status in statuses:
        message = messages.get(status.external_id)
        if message is None:
            early.append(status)  # maybe ours, its send's answer still to come
        elif message.status is not None and do_apply_status_txn(
            s, actor, message, status.status, status.error
        ):
            applied += 1
    await _keep_early_txn(s, channel_id, early)
    return applied


async def _keep_early_txn(
    s: AsyncSession, channel_id: uuid.UUID, statuses: Sequence[StatusIn]
) -> None:
    """Keep statuses of messages not known yet for their send's answer
    (`do_apply_early_statuses_txn`); forget those older than `EARLY_STATUS_TTL`."""
    now = utcnow()
    await s.execute(delete(EarlyStatus).where(EarlyStatus.received_at < now - EARLY_STATUS_TTL))
    if statuses:
        await s.execute(
            insert(EarlyStatus),
            [
                {
                    "channel_id": channel_id,
                    "external_id": st.external_id,
                    "status": st.status.value,
                    "error": st.error,
                    "received_at": now,
                }
                for st in statuses
            ],
        )


async def attach_downloads(
    db: Database, actor: Actor, downloads: Sequence[DownloadedMedia], now: datetime
) -> None:
    """Bind downloaded provider media to their messages: an attachment row each, listed in
    the message's `payload["attachments"]` (the provider reference stays in `media`)."""
    if not downloads:
        return
    async with db.write("attach_inbound_media") as s:
        wanted = {d.message_id for d in downloads}
        conversation_ids = set(
            (await s.scalars(select(Message.conversation_id).where(Message.id.in_(wanted)))).all()
        )
        conversations = {
            c.id: c
            for c in (
                await s.scalars(
                    select(Conversation)
                    .where(Conversation.id.in_(conversation_ids))
                    .order_by(Conversation.id)
                    .with_for_update()
                )
            ).all()
        }
        messages = {
            m.id: m
            for m in (
                await s.scalars(
                    select(Message)
                    .where(Message.id.in_(wanted))
                    .order_by(Message.id)
                    .with_for_update()
                    .execution_options(populate_existing=True)
                )
            ).all()
        }
        changed: dict[uuid.UUID, Message] = {}
        for download in downloads:
            message = messages.get(download.message_id)
            if message is None or message.recalled_at is not None:
                continue
            payload = dict(message.payload or {})
            entries = list(payload.get("attachments") or [])
            if any(e.get("provider_id") == download.provider_id for e in entries):
                continue  # attached already (a second worker got there first)
            attachment = Attachment(
                id=uuid.uuid4(),
                workspace_id=message.workspace_id,
                message_id=message.id,
                filename=download.filename[:255],
                content_type=download.content_type[:127],
                size=download.size,
                sha256=download.sha256,
                storage_key=download.sha256,
                created_at=now,
            )
            s.add(attachment)
            entries.append(
                {
                    "id": str(attachment.id),
                    "filename": attachment.filename,
                    "content_type": attachment.content_type,
                    "size": attachment.size,
                    "provider_id": download.provider_id,
                }
            )
            payload["attachments"] = entries
            message.payload = payload
            changed[message.id] = message
        await _changed_txn(s, actor, conversations, changed)


_READABLE = (MessageStatus.sent.value, MessageStatus.delivered.value)


async def do_infer_read_txn(s: AsyncSession, actor: Actor, replies: Mapping[uuid.UUID, int]) -> int:
    """The contact wrote again (message `seq` in conversation id): what we sent before it and
    they now answer has been read. For channels without read receipts; the conversations are
    locked by the ingest that stored the replies. Moves `sent` and `delivered` messages to
    `read` through the one status writer; the number moved."""
    if not replies:
        return 0
    rows = (
        await s.scalars(
            select(Message)
            .where(
                Message.conversation_id.in_(replies),
                Message.direction == Direction.outbound.value,
                Message.status.in_(_READABLE),
            )
            .order_by(Message.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).all()
    moved = 0
    for message in sorted(rows, key=lambda m: (m.conversation_id, m.seq)):
        if message.seq < replies[message.conversation_id] and do_apply_status_txn(
            s, actor, message, MessageStatus.read
        ):
            moved += 1
    return moved
