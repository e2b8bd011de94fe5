"""Conversations and their messages."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from relaydesk.api.deps import PAGE_SIZE, Cursor, DbDep, Limit, ReadAccess, workspace_access
from relaydesk.api.v1.pages import PageOut
from relaydesk.db.pagination import MAX_LIMIT
from relaydesk.domains.conversations import actions, queries
from relaydesk.domains.conversations.schemas import (
    ConversationOut,
    ConversationStatus,
    MessageOut,
    MessageSendIn,
    MessagesPage,
)
from relaydesk.domains.workspaces.access import WorkspaceAccess
from relaydesk.domains.workspaces.roles import Permission

router = APIRouter(prefix="/workspaces/{workspace_id}/conversations", tags=["conversations"])
Write = Annotated[WorkspaceAccess, Depends(workspace_access(Permission.conversations_write))]
Seq = Annotated[int | None, Query(ge=0)]


@router.get("")
async def list_conversations(
    access: ReadAccess,
    db: DbDep,
    cursor: Cursor = None,
    limit: Limit = PAGE_SIZE,
    status: ConversationStatus | None = None,
    channel_id: uuid.UUID | None = None,
    assignee_user_id: uuid.UUID | None = None,
) -> PageOut[ConversationOut]:
    """Newest activity first."""
    page = await queries.list_conversations(
        db,
        access.workspace_id,
        cursor,
        limit,
        status=status,
        channel_id=channel_id,
        assignee_user_id=assignee_user_id,
    )
    return PageOut(
        items=[ConversationOut.model_validate(c) for c in page.items],
        next_cursor=page.next_cursor,
    )


@router.get("/{conversation_id}")
async def get_conversation(
    conversation_id: uuid.UUID, access: ReadAccess, db: DbDep
) -> ConversationOut:
    conversation = await queries.get_conversation(db, access.workspace_id, conversation_id)
    return ConversationOut.model_validate(conversation)


@router.get("/{conversation_id}/messages")
async def list_messages(
    conversation_id: uuid.UUID,
    access: ReadAccess,
    db: DbDep,
    after_seq: Seq = None,
    before_seq: Seq = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = PAGE_SIZE,
) -> MessagesPage:
    """Messages in seq order. `after_seq` pages forward (catch-up); `before_seq` pages back
    through history; neither gives the newest page."""
    return await queries.messages_by_seq(
        db,
        access.workspace_id,
        conversation_id,
        after_seq=after_seq,
        before_seq=before_seq,
        limit=limit,
    )


@router.post("/{conversation_id}/messages", status_code=status.HTTP_201_CREATED)
async def send_message(
    conversation_id: uuid.UUID, body: MessageSendIn, access: Write, db: DbDep
) -> MessageOut:
    """Reply in the conversation. The message is `queued` until its channel sends it."""
    message = await actions.send_message(
        db, access.actor, access.workspace_id, conversation_id, body.text
    )
    return MessageOut.model_validate(message)
