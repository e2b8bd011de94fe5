"""Delivery statuses of outbound messages: forward only, one writer for every channel.

queued → sent → delivered → read, and failed is terminal. A late report never moves a
message back (a `delivered` arriving after `read` changes nothing), and a failure after the
message was delivered is ignored: the recipient already has it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db import Database
from relaydesk.db.locks import lock_txn
from relaydesk.db.scoped import get_in_workspace_txn
from relaydesk.domains.actor import Actor
from relaydesk.domains.conversations.error_codes import MessageError
from relaydesk.domains.conversations.models import EarlyStatus, Message
from relaydesk.domains.conversations.schemas import MessageStatus, StatusReportIn
from relaydesk.domains.workspaces.access import require_txn
from relaydesk.domains.workspaces.roles import Permission
from relaydesk.errors import AppError, not_found
from relaydesk.events.outbox import emit_txn
from relaydesk.events.schemas import MessageStatusChanged

# How long a status of a message we do not know yet waits for the message's send answer.
EARLY_STATUS_TTL = timedelta(hours=1)
# lock_txn space of a channel's provider ids: "RDES", fixed forever.
_EXTERNAL_IDS_LOCK = 0x52444553

_RANK = {
    MessageStatus.queued: 0,
    MessageStatus.sent: 1,
    MessageStatus.delivered: 2,
    MessageStatus.read: 3,
}


def moves_forward(current: MessageStatus, new: MessageStatus) -> bool:
    if current is MessageStatus.failed:
        return False
    if new is MessageStatus.failed:
        return _RANK[current] < _RANK[MessageStatus.delivered]
    return _RANK[new] > _RANK[current]


def do_apply_status_txn(
    s: AsyncSession,
    actor: Actor,
    message: Message,
    status: MessageStatus,
    error: dict[str, Any] | None = None,
) -> bool:
    """Move `message` (locked by the caller) to `status` if that is forward; True if it moved.
    Every channel reports through here."""
    if message.status is None:
        raise AppError(MessageError.NO_STATUS)
    if not moves_forward(MessageStatus(message.status), status):
        return False
    message.status = status.value
    if status is MessageStatus.failed:
        message.error = error or {"code": "failed"}
    emit_txn(
        s,
        actor,
        message.workspace_id,
        MessageStatusChanged(
            conversation_id=message.conversation_id,
            message_id=message.id,
            seq=message.seq,
            status=status,
            error=message.error if status is MessageStatus.failed else None,
        ),
    )
    return True


async def report_status(
    db: Database,
    actor: Actor,
    workspace_id: uuid.UUID,
    channel_id: uuid.UUID,
    body: StatusReportIn,
) -> Message:
    """A channel integration's status report on one of its outbound messages."""
    async with db.write("report_status") as s:
        await require_txn(s, actor, workspace_id, Permission.conversations_write)
        if body.message_id is not None:
            message = await get_in_workspace_txn(
                s, Message, workspace_id, body.message_id, "message", lock=True
            )
        else:
            found = await s.scalar(
                select(Message)
                .where(
                    Message.workspace_id == workspace_id,
                    Message.channel_id == channel_id,
                    Message.external_id == body.external_id,
                )
                .with_for_update()
            )
            if found is None:
                raise not_found("message")
            message = found
        if message.channel_id != channel_id:
            raise not_found("message")
        do_apply_status_txn(s, actor, message, MessageStatus(body.status.value), body.error)
        return message


async def lock_external_ids_txn(s: AsyncSession, channel_id: uuid.UUID) -> None:
    """Held by whoever records a channel's provider message ids and by whoever applies its
    provider statuses: a status that finds no message then is kept early, and the recording
    of that id, which comes after, sees it (and the other way round)."""
    await lock_txn(s, _EXTERNAL_IDS_LOCK, channel_id)


async def do_apply_early_statuses_txn(
    s: AsyncSession, actor: Actor, channel_id: uuid.UUID, messages: Sequence[Message]
) -> None:
    """Apply the kept early statuses of `messages` (provider ids just recorded, the caller
    holding `lock_external_ids_txn`) in the order they came, and forget them."""
    by_id = {m.external_id: m for m in messages if m.external_id}
    if not by_id:
        return
    early = (
        await s.scalars(
            select(EarlyStatus)
            .where(EarlyStatus.channel_id == channel_id, EarlyStatus.external_id.in_(by_id))
            .order_by(EarlyStatus.id)
        )
    ).all()
    for row in early:
        do_apply_status_txn(s, actor, by_id[row.external_id], MessageStatus(row.status), row.error)
    if early:
        await s.execute(delete(EarlyStatus).where(EarlyStatus.id.in_([r.id for r in early])))
