"""Messages: inbound ingest, outbound sends, notes, edits and recalls."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db import Database
from relaydesk.db.base import utcnow
from relaydesk.db.scoped import get_in_workspace_txn
from relaydesk.domains.actor import Actor
from relaydesk.domains.channels.error_codes import ChannelError
from relaydesk.domains.channels.models import Channel
from relaydesk.domains.contacts.actions import do_resolve_identity_txn
from relaydesk.domains.conversations.actions.attachments import (
    check_attachments_txn,
    do_bind_attachments_txn,
    inbound_attachments_txn,
    payload_of_attachments,
)
from relaydesk.domains.conversations.actions.common import (
    OUTBOUND_QUEUED,
    check_writable_conversation_txn,
    emit_conversation_updated_txn,
    preview_of,
)
from relaydesk.domains.conversations.error_codes import MessageError
from relaydesk.domains.conversations.models import Attachment, Conversation, Message
from relaydesk.domains.conversations.schemas import (
    MEDIA_TYPES,
    ConversationOut,
    ConversationStatus,
    Direction,
    InboundIn,
    MessageOut,
    MessageSendIn,
    MessageStatus,
    MessageType,
    Priority,
    SenderType,
)
from relaydesk.domains.workspaces.access import WorkspaceAccess, require_txn
from relaydesk.domains.workspaces.roles import Permission
from relaydesk.errors import AppError, not_found
from relaydesk.events.outbox import emit_txn
from relaydesk.events.schemas import ConversationCreated, MessageCreated, MessageUpdated

_EDITABLE = frozenset({MessageType.text.value, MessageType.note.value})


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
    resolved or snoozed. The caller holds the contact's row lock, so concurrent writers agree."""
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
            priority=Priority.normal.value,
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
            # A new conversation has no labels yet: no need to read them.
            ConversationCreated(conversation=ConversationOut.model_validate(conversation)),
        )
    elif conversation.status != ConversationStatus.open.value:
        conversation.status = ConversationStatus.open.value
        conversation.resolved_at = None
        conversation.snoozed_until = None
    return conversation


async def do_append_message_txn(
    s: AsyncSession, actor: Actor, conversation: Conversation, message: Message, now: datetime
) -> Message:
    """Give `message` the conversation's next seq, store it, and emit the events."""
    # One statement takes the number and holds the row lock until commit: dense, no repeats.
    seq = await s.scalar(
        update(Conversation)
        .where(Conversation.id == conversation.id)
        .values(
            last_seq=Conversation.last_seq + 1,
            last_activity_at=now,
            last_message_preview=preview_of(message.text, message.type),
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
    if message.status == MessageStatus.queued.value:
        s.info[OUTBOUND_QUEUED] = True
    emit_txn(
        s,
        actor,
        conversation.workspace_id,
        MessageCreated(message=MessageOut.model_validate(message)),
    )
    await emit_conversation_updated_txn(s, actor, conversation)
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
        uploads, entries = await inbound_attachments_txn(
            s, workspace_id, body.type, body.attachments
        )
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
                type=body.type.value,
                text=body.text,
                payload=_payload(body.type, entries, body.location, body.template),
                external_id=body.external_id,
            ),
            now,
        )
        do_bind_attachments_txn(uploads, message.id)  # after the message row exists
        return Ingested(message.id, conversation.id, message.seq, duplicate=False)


def _payload(
    kind: MessageType, attachments: list[dict[str, Any]], location: Any, template: Any
) -> dict[str, Any]:
    if kind in MEDIA_TYPES:
        return {"attachments": attachments}
    if kind is MessageType.location:
        payload: dict[str, Any] = location.model_dump(mode="json")
        return payload
    if kind is MessageType.template:
        payload = template.model_dump(mode="json")
        return payload
    return {}


def _sender(actor: Actor) -> SenderType:
    return SenderType.user if actor.user_id else SenderType.bot


async def send_message(
    db: Database,
    actor: Actor,
    workspace_id: uuid.UUID,
    conversation_id: uuid.UUID,
    body: MessageSendIn | str,
) -> Message:
    """A member's reply: stored as `queued` until its channel delivers it."""
    if isinstance(body, str):
        body = MessageSendIn(text=body)
    now = utcnow()
    async with db.write("send_message") as s:
        conversation = await check_writable_conversation_txn(
            s, actor, workspace_id, conversation_id
        )
        uploads = await check_attachments_txn(s, workspace_id, body.type, body.attachment_ids)
        if conversation.first_response_at is None and actor.user_id is not None:
            conversation.first_response_at = now
        message = await do_append_message_txn(
            s,
            actor,
            conversation,
            Message(
                id=uuid.uuid4(),
                channel_id=conversation.channel_id,
                direction=Direction.outbound.value,
                sender_type=_sender(actor).value,
                sender_id=str(actor.id) if actor.id else None,
                type=body.type.value,
                text=body.text,
                payload=_payload(
                    body.type, payload_of_attachments(uploads), body.location, body.template
                ),
                status=MessageStatus.queued.value,
            ),
            now,
        )
        do_bind_attachments_txn(uploads, message.id)  # after the message row exists
        return message


async def add_note(
    db: Database, actor: Actor, workspace_id: uuid.UUID, conversation_id: uuid.UUID, text: str
) -> Message:
    """A private note: members see it in the thread; it is never delivered to the channel."""
    now = utcnow()
    async with db.write("add_note") as s:
        conversation = await check_writable_conversation_txn(
            s, actor, workspace_id, conversation_id
        )
        return await do_append_message_txn(
            s,
            actor,
            conversation,
            Message(
                id=uuid.uuid4(),
                channel_id=conversation.channel_id,
                direction=Direction.internal.value,
                sender_type=_sender(actor).value,
                sender_id=str(actor.id) if actor.id else None,
                type=MessageType.note.value,
                text=text,
                payload={},
            ),
            now,
        )


def _is_author(actor: Actor, message: Message) -> bool:
    if message.sender_type not in (SenderType.user.value, SenderType.bot.value):
        return False
    return actor.id is not None and message.sender_id == str(actor.id)


async def _locked_message_txn(
    s: AsyncSession, workspace_id: uuid.UUID, conversation_id: uuid.UUID, message_id: uuid.UUID
) -> tuple[Conversation, Message]:
    # The conversation first, as every message writer does, so lock order never inverts.
    conversation = await get_in_workspace_txn(
        s, Conversation, workspace_id, conversation_id, "conversation", lock=True
    )
    message = await get_in_workspace_txn(s, Message, workspace_id, message_id, "message", lock=True)
    if message.conversation_id != conversation.id:
        raise not_found("message")
    return conversation, message


async def _after_change_txn(
    s: AsyncSession, actor: Actor, conversation: Conversation, message: Message
) -> None:
    emit_txn(
        s,
        actor,
        conversation.workspace_id,
        MessageUpdated(message=MessageOut.model_validate(message)),
    )
    if message.seq == conversation.last_seq:
        conversation.last_message_preview = (
            None if message.recalled_at else preview_of(message.text, message.type)
        )
        await emit_conversation_updated_txn(s, actor, conversation)


async def edit_message(
    db: Database,
    actor: Actor,
    workspace_id: uuid.UUID,
    conversation_id: uuid.UUID,
    message_id: uuid.UUID,
    text: str,
) -> Message:
    """Only the author's own outbound text or note, while it is not recalled."""
    now = utcnow()
    async with db.write("edit_message") as s:
        await require_txn(s, actor, workspace_id, Permission.conversations_write)
        conversation, message = await _locked_message_txn(
            s, workspace_id, conversation_id, message_id
        )
        if (
            message.type not in _EDITABLE
            or message.direction == Direction.inbound.value
            or message.recalled_at is not None
        ):
            raise AppError(MessageError.NOT_EDITABLE)
        if not _is_author(actor, message):
            raise AppError(MessageError.NOT_AUTHOR)
        if message.text == text:
            return message
        message.text = text
        message.edited_at = now
        await s.flush()
        await _after_change_txn(s, actor, conversation, message)
        return message


async def recall_message(
    db: Database,
    actor: Actor,
    workspace_id: uuid.UUID,
    conversation_id: uuid.UUID,
    message_id: uuid.UUID,
) -> Message:
    """Keep the seq as a tombstone: text, payload and attachments go, `recalled_at` stays.
    The author recalls their own messages; admins recall any. Recalling again changes
    nothing."""
    now = utcnow()
    async with db.write("recall_message") as s:
        access = await require_txn(s, actor, workspace_id, Permission.conversations_write)
        conversation, message = await _locked_message_txn(
            s, workspace_id, conversation_id, message_id
        )
        if not (_is_author(actor, message) or _may_moderate(access)):
            raise AppError(MessageError.NOT_AUTHOR)
        if message.recalled_at is not None:
            return message
        message.text = None
        message.payload = {}
        message.recalled_at = now
        await s.execute(
            delete(Attachment).where(
                Attachment.workspace_id == workspace_id, Attachment.message_id == message.id
            )
        )
        await s.flush()
        await _after_change_txn(s, actor, conversation, message)
        return message


def _may_moderate(access: WorkspaceAccess) -> bool:
    return Permission.workspace_manage in access.permissions
