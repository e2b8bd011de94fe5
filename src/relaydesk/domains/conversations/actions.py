"""The only writers of conversations and messages.

Every message takes the next `seq` of its conversation in the transaction that stores it
(see models.py), and every change writes its events to the outbox in that transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db import Database
from relaydesk.db.base import utcnow
from relaydesk.db.scoped import get_in_workspace_txn
from relaydesk.domains.actor import Actor
from relaydesk.domains.channels.error_codes import ChannelError
from relaydesk.domains.channels.models import Channel
from relaydesk.domains.contacts.actions import do_resolve_identity_txn
from relaydesk.domains.conversations.models import Conversation, Message
from relaydesk.domains.conversations.schemas import (
    ConversationOut,
    ConversationStatus,
    Direction,
    InboundIn,
    MessageOut,
    MessageStatus,
    SenderType,
)
from relaydesk.domains.workspaces.access import require_txn
from relaydesk.domains.workspaces.roles import Permission
from relaydesk.errors import AppError
from relaydesk.events.outbox import emit_txn
from relaydesk.events.schemas import ConversationCreated, ConversationUpdated, MessageCreated

PREVIEW_LENGTH = 200


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


async def do_open_conversation_txn(
    s: AsyncSession,
    actor: Actor,
    workspace_id: uuid.UUID,
    channel_id: uuid.UUID,
    contact_id: uuid.UUID,
    now: datetime,
) -> Conversation:
    """The contact's latest thread on this channel; created on first contact, reopened if
    resolved. The caller holds the contact's row lock, so concurrent writers agree."""
    conversation = await s.scalar(
        select(Conversation)
        .where(Conversation.channel_id == channel_id, Conversation.contact_id == contact_id)
        .order_by(Conversation.created_at.desc())
        .limit(1)
    )
    if conversation is None:
        conversation = Conversation(
            id=uuid.uuid4(),
            workspace_id=workspace_id,
            channel_id=channel_id,
            contact_id=contact_id,
            status=ConversationStatus.open.value,
            priority="normal",
            last_seq=0,
            last_activity_at=now,
            created_at=now,
        )
        s.add(conversation)
        await s.flush()
        emit_txn(
            s,
            actor,
            workspace_id,
            ConversationCreated(conversation=ConversationOut.model_validate(conversation)),
        )
    elif conversation.status != ConversationStatus.open.value:
        conversation.status = ConversationStatus.open.value
        conversation.resolved_at = None
    return conversation


async def do_append_message_txn(
    s: AsyncSession, actor: Actor, conversation: Conversation, message: Message, now: datetime
) -> Message:
    """Give `message` the conversation's next seq, store it, and emit the events."""
    preview = (message.text or message.type)[:PREVIEW_LENGTH]
    # One statement takes the number and holds the row lock until commit: dense, no repeats.
    seq = await s.scalar(
        update(Conversation)
        .where(Conversation.id == conversation.id)
        .values(
            last_seq=Conversation.last_seq + 1,
            last_activity_at=now,
            last_message_preview=preview,
        )
        .returning(Conversation.last_seq)
    )
    assert seq is not None
    message.seq = seq
    message.conversation_id = conversation.id
    message.workspace_id = conversation.workspace_id
    message.created_at = now
    s.add(message)
    await s.flush()
    emit_txn(
        s,
        actor,
        conversation.workspace_id,
        MessageCreated(message=MessageOut.model_validate(message)),
    )
    emit_txn(
        s,
        actor,
        conversation.workspace_id,
        ConversationUpdated(conversation=ConversationOut.model_validate(conversation)),
    )
    return message


async def ingest_inbound(
    db: Database, actor: Actor, workspace_id: uuid.UUID, channel_id: uuid.UUID, body: InboundIn
) -> Ingested:
    """Store one inbound message; the same `external_id` again returns the first result."""
    try:
        return await _ingest(db, actor, workspace_id, channel_id, body)
    except IntegrityError:
        # A concurrent writer stored the same message, contact or thread first: use theirs.
        return await _ingest(db, actor, workspace_id, channel_id, body)


async def _ingest(
    db: Database, actor: Actor, workspace_id: uuid.UUID, channel_id: uuid.UUID, body: InboundIn
) -> Ingested:
    now = utcnow()
    async with db.write("ingest_inbound") as s:
        await require_txn(s, actor, workspace_id, Permission.conversations_write)
        await check_channel_accepts_txn(s, workspace_id, channel_id, "api")
        seen = (
            await s.execute(
                select(Message.id, Message.conversation_id, Message.seq).where(
                    Message.channel_id == channel_id, Message.external_id == body.external_id
                )
            )
        ).first()
        if seen is not None:
            return Ingested(seen.id, seen.conversation_id, seen.seq, duplicate=True)
        contact = await do_resolve_identity_txn(
            s, actor, workspace_id, channel_id, body.contact, now
        )
        conversation = await do_open_conversation_txn(
            s, actor, workspace_id, channel_id, contact.id, now
        )
        message = await do_append_message_txn(
            s,
            actor,
            conversation,
            Message(
                id=uuid.uuid4(),
                channel_id=channel_id,
                direction=Direction.inbound.value,
                sender_type=SenderType.contact.value,
                sender_id=str(contact.id),
                type="text",
                text=body.text,
                payload={},
                external_id=body.external_id,
            ),
            now,
        )
        return Ingested(message.id, conversation.id, message.seq, duplicate=False)


async def send_message(
    db: Database, actor: Actor, workspace_id: uuid.UUID, conversation_id: uuid.UUID, text: str
) -> Message:
    """An agent's reply: stored as `queued` until a channel delivers it."""
    now = utcnow()
    async with db.write("send_message") as s:
        await require_txn(s, actor, workspace_id, Permission.conversations_write)
        conversation = await get_in_workspace_txn(
            s, Conversation, workspace_id, conversation_id, "conversation", lock=True
        )
        if conversation.first_response_at is None and actor.user_id is not None:
            conversation.first_response_at = now
        sender = SenderType.user if actor.user_id else SenderType.bot
        return await do_append_message_txn(
            s,
            actor,
            conversation,
            Message(
                id=uuid.uuid4(),
                channel_id=conversation.channel_id,
                direction=Direction.outbound.value,
                sender_type=sender.value,
                sender_id=str(actor.id) if actor.id else None,
                type="text",
                text=text,
                payload={},
                status=MessageStatus.queued.value,
            ),
            now,
        )
