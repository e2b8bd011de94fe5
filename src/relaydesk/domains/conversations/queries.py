"""Reads of conversations and messages."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from relaydesk.db import Database
from relaydesk.db.pagination import Page, page_of, paginate_desc
from relaydesk.db.scoped import get_in_workspace_txn
from relaydesk.domains.conversations.models import Conversation, Message
from relaydesk.domains.conversations.schemas import ConversationStatus, MessageOut, MessagesPage


async def list_conversations(
    db: Database,
    workspace_id: uuid.UUID,
    cursor: str | None,
    limit: int,
    *,
    status: ConversationStatus | None = None,
    channel_id: uuid.UUID | None = None,
    assignee_user_id: uuid.UUID | None = None,
) -> Page[Conversation]:
    """Newest activity first."""
    stmt = select(Conversation).where(Conversation.workspace_id == workspace_id)
    if status is not None:
        stmt = stmt.where(Conversation.status == status.value)
    if channel_id is not None:
        stmt = stmt.where(Conversation.channel_id == channel_id)
    if assignee_user_id is not None:
        stmt = stmt.where(Conversation.assignee_user_id == assignee_user_id)
    stmt = paginate_desc(stmt, [Conversation.last_activity_at, Conversation.id], cursor, limit)
    async with db.read("list_conversations") as s:
        rows = (await s.scalars(stmt)).all()
    return page_of(rows, limit, lambda r: (r.last_activity_at, r.id))


async def get_conversation(
    db: Database, workspace_id: uuid.UUID, conversation_id: uuid.UUID
) -> Conversation:
    async with db.read("get_conversation") as s:
        return await get_in_workspace_txn(
            s, Conversation, workspace_id, conversation_id, "conversation"
        )


async def messages_by_seq(
    db: Database,
    workspace_id: uuid.UUID,
    conversation_id: uuid.UUID,
    *,
    after_seq: int | None,
    before_seq: int | None,
    limit: int,
) -> MessagesPage:
    """A page of messages in seq order: after `after_seq`, or before `before_seq` (the
    newest page when neither is given). Clients catch up by asking after their last seq."""
    async with db.read("messages_by_seq") as s:
        await get_in_workspace_txn(s, Conversation, workspace_id, conversation_id, "conversation")
        stmt = select(Message).where(Message.conversation_id == conversation_id)
        if after_seq is not None:
            stmt = stmt.where(Message.seq > after_seq).order_by(Message.seq).limit(limit + 1)
        else:
            if before_seq is not None:
                stmt = stmt.where(Message.seq < before_seq)
            stmt = stmt.order_by(Message.seq.desc()).limit(limit + 1)
        rows = list((await s.scalars(stmt)).all())
    has_more = len(rows) > limit
    rows = rows[:limit]
    if after_seq is None:
        rows.reverse()
    return MessagesPage(items=[MessageOut.model_validate(m) for m in rows], has_more=has_more)
