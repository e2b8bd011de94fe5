"""Messages: inbound ingest, outbound sends, notes, edits and recalls."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.channels.base import TemplateSend
from relaydesk.channels.errors import TemplateMismatch
from relaydesk.channels.whatsapp.adapter import WhatsAppAdapter, check_template
from relaydesk.db import Database
from relaydesk.db.base import utcnow
from relaydesk.db.scoped import get_in_workspace_txn
from relaydesk.domains.actor import Actor
from relaydesk.domains.channels.models import Channel
from relaydesk.domains.channels.outbound import PROVIDER_TYPES, delivers, do_enqueue_txn
from relaydesk.domains.channels.templates import template_definition
from relaydesk.domains.conversations.actions.attachments import (
    check_attachments_txn,
    do_bind_attachments_txn,
    payload_of_attachments,
)
from relaydesk.domains.conversations.actions.common import (
    OUTBOUND_QUEUED,
    check_writable_conversation_txn,
    emit_conversation_updated_txn,
    emit_conversations_updated_by_txn,
    preview_of,
)
from relaydesk.domains.conversations.error_codes import MessageError
from relaydesk.domains.conversations.models import Attachment, Conversation, Message
from relaydesk.domains.conversations.reply_window import window_open
from relaydesk.domains.conversations.schemas import (
    MEDIA_TYPES,
    Direction,
    MessageOut,
    MessageSendIn,
    MessageStatus,
    MessageType,
    SenderType,
)
from relaydesk.domains.workspaces.access import WorkspaceAccess, require_txn
from relaydesk.domains.workspaces.roles import Permission
from relaydesk.errors import AppError, not_found
from relaydesk.events.outbox import emit_txn
from relaydesk.events.schemas import MessageCreated, MessageUpdated

_EDITABLE = frozenset({MessageType.text.value, MessageType.note.value})


def do_number_messages(
    s: AsyncSession, entries: Sequence[tuple[Conversation, Message]], now: datetime
) -> None:
    """Give each message its conversation's next seq and add it to the session (stored at
    the next flush; `emit_appended_txn` then emits its events).

    The conversations must be locked in this transaction (and read in it), so the numbers
    taken here are dense and never repeat: 1, 2, 3 … per conversation, in `entries` order.
    """
    for conversation, message in entries:
        conversation.last_seq += 1
        conversation.last_activity_at = now
        conversation.last_message_preview = preview_of(message.text, message.type)
        message.seq = conversation.last_seq
        message.conversation_id = conversation.id
        message.workspace_id = conversation.workspace_id
        message.created_at = now
    s.add_all([message for _, message in entries])


async def emit_appended_txn(
    s: AsyncSession, appended: Sequence[tuple[Actor, Conversation, Message]]
) -> None:
    """Store numbered messages and emit `message.created` for each, then one
    `conversation.updated` per conversation (its last sender as the actor)."""
    await s.flush()
    touched: dict[uuid.UUID, tuple[Actor, Conversation]] = {}
    for actor, conversation, message in appended:
        if message.status == MessageStatus.queued.value:
            s.info[OUTBOUND_QUEUED] = True
        emit_txn(
            s,
            actor,
            conversation.workspace_id,
            MessageCreated(message=MessageOut.model_validate(message)),
        )
        touched[conversation.id] = (actor, conversation)
    await emit_conversations_updated_by_txn(s, list(touched.values()))


async def do_append_messages_txn(
    s: AsyncSession,
    actor: Actor,
    entries: Sequence[tuple[Conversation, Message]],
    now: datetime,
) -> None:
    """Give each message its conversation's next seq, store them, and emit the events (see
    `do_number_messages`: the conversations are locked by the caller)."""
    do_number_messages(s, entries, now)
    await emit_appended_txn(s, [(actor, c, m) for c, m in entries])


def payload_of(
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


def _from_member(
    actor: Actor,
    conversation: Conversation,
    direction: Direction,
    kind: MessageType,
    text: str | None,
    payload: dict[str, Any],
    status: MessageStatus | None = None,
) -> Message:
    """A message written by a member (or an API key, a bot), before it takes its seq."""
    return Message(
        id=uuid.uuid4(),
        channel_id=conversation.channel_id,
        direction=direction.value,
        sender_type=(SenderType.user if actor.user_id else SenderType.bot).value,
        sender_id=str(actor.id) if actor.id else None,
        type=kind.value,
        text=text,
        payload=payload,
        status=status.value if status else None,
    )


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
        if body.id is not None:
            sent = await _sent_before_txn(s, actor, conversation, body.id)
            if sent is not None:
                return sent
        channel = await s.get_one(Channel, conversation.channel_id)
        if channel.type in PROVIDER_TYPES and len(body.attachment_ids) > 1:
            # A provider message carries one file, and a message row keeps one provider id
            # (statuses, replies): refused rather than split or cut short.
            raise AppError(MessageError.ONE_ATTACHMENT)
        uploads = await check_attachments_txn(s, workspace_id, body.type, body.attachment_ids)
        if body.reply_to_message_id is not None:
            await check_reply_target_txn(s, conversation, body.reply_to_message_id)
        if conversation.first_response_at is None and actor.user_id is not None:
            conversation.first_response_at = now
        return await do_send_txn(
            s, actor, conversation, body, now, channel=channel, uploads=uploads
        )


@dataclass(frozen=True, slots=True)
class PreparedSend:
    """An outbound message numbered in its conversation, before it is stored and queued."""

    actor: Actor
    conversation: Conversation
    message: Message
    channel: Channel


async def do_send_txn(
    s: AsyncSession,
    actor: Actor,
    conversation: Conversation,
    body: MessageSendIn,
    now: datetime,
    *,
    channel: Channel | None = None,
    uploads: Sequence[Attachment] = (),
) -> Message:
    """Store an outbound message as `queued` and queue it for its channel, in the caller's
    transaction: the one way every sender (members, API keys, workflow runs) sends.

    The caller holds the conversation's lock and has checked the sender may write to it;
    `prepare_send_txn` applies the channel's rules and numbers the message, and
    `do_send_many_txn` stores it, emits `message.created` and writes the outbound queue row.
    """
    prepared = await prepare_send_txn(
        s, actor, conversation, body, now, channel=channel, uploads=uploads
    )
    await do_send_many_txn(s, [prepared])
    do_bind_attachments_txn(uploads, prepared.message.id)  # after the message row exists
    return prepared.message


async def prepare_send_txn(
    s: AsyncSession,
    actor: Actor,
    conversation: Conversation,
    body: MessageSendIn,
    now: datetime,
    *,
    channel: Channel | None = None,
    uploads: Sequence[Attachment] = (),
) -> PreparedSend:
    """The channel's rules (WhatsApp's 24-hour window and templates), then the message with
    the conversation's next seq, added to the session. A sender without a user (an API key,
    a workflow run) is stored as a bot."""
    if channel is None:
        channel = await s.get_one(Channel, conversation.channel_id)
    if channel.type == WhatsAppAdapter.channel_type:
        await check_whatsapp_send_txn(s, channel, conversation, body, now)
    message = _from_member(
        actor,
        conversation,
        Direction.outbound,
        body.type,
        body.text,
        payload_of(body.type, payload_of_attachments(uploads), body.location, body.template),
        status=MessageStatus.queued,
    )
    message.reply_to_message_id = body.reply_to_message_id
    if body.id is not None:
        message.id = body.id
    do_number_messages(s, [(conversation, message)], now)
    return PreparedSend(actor, conversation, message, channel)


async def do_send_many_txn(s: AsyncSession, sends: Sequence[PreparedSend]) -> None:
    """Store prepared sends (one flush for all), emit their events and queue each for its
    channel."""
    await emit_appended_txn(s, [(p.actor, p.conversation, p.message) for p in sends])
    for prepared in sends:
        if delivers(prepared.channel):
            do_enqueue_txn(s, prepared.message)


async def _sent_before_txn(
    s: AsyncSession, actor: Actor, conversation: Conversation, message_id: uuid.UUID
) -> Message | None:
    """The message a retry with the same client-chosen id refers to; any other use of an
    existing id (another conversation, sender or workspace) is refused without saying more."""
    existing = await s.get(Message, message_id)
    if existing is None:
        return None
    same_sender = existing.sender_id == (str(actor.id) if actor.id else None)
    if existing.conversation_id != conversation.id or not same_sender:
        raise AppError(MessageError.ID_TAKEN)
    return existing


async def check_reply_target_txn(
    s: AsyncSession, conversation: Conversation, message_id: uuid.UUID
) -> None:
    """A reply quotes a message of its own conversation that the contact can see (no note).
    Any other id, of another workspace too, gets the same answer: nothing about it leaks."""
    found = await s.scalar(
        select(Message.id).where(
            Message.id == message_id,
            Message.workspace_id == conversation.workspace_id,
            Message.conversation_id == conversation.id,
            Message.direction != Direction.internal.value,
        )
    )
    if found is None:
        raise AppError(MessageError.REPLY_TARGET_INVALID)


async def check_whatsapp_send_txn(
    s: AsyncSession,
    channel: Channel,
    conversation: Conversation,
    body: MessageSendIn,
    now: datetime,
) -> None:
    """Free-form messages only inside the 24-hour customer-service window; a template's
    parameters must fit the template stored for the channel."""
    if body.template is None:
        if not window_open(conversation.last_inbound_at, now):
            raise AppError(MessageError.WINDOW_CLOSED)
        return
    template = body.template
    definition = await template_definition(s, channel.id, template.name, template.language)
    if definition is None:
        raise AppError(MessageError.TEMPLATE_UNKNOWN)
    try:
        check_template(
            TemplateSend(
                template.name,
                template.language,
                body_params=tuple(template.body),
                header_params=tuple(template.header_params),
                definition=definition,
            )
        )
    except TemplateMismatch as exc:
        raise AppError(MessageError.TEMPLATE_PARAMS, exc.message) from None


async def add_note(
    db: Database, actor: Actor, workspace_id: uuid.UUID, conversation_id: uuid.UUID, text: str
) -> Message:
    """A private note: members see it in the thread; it is never delivered to the channel."""
    now = utcnow()
    async with db.write("add_note") as s:
        conversation = await check_writable_conversation_txn(
            s, actor, workspace_id, conversation_id
        )
        message = _from_member(
            actor, conversation, Direction.internal, MessageType.note, text, payload={}
        )
        await do_append_messages_txn(s, actor, [(conversation, message)], now)
        return message


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
