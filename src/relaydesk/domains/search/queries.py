"""Search reads: messages and contacts of one workspace, newest first.

`matching_conversation_ids` is the reusable piece: other queries (the inbox, filters) can
restrict conversations to those whose messages match a query, on either backend.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db import Database
from relaydesk.db.pagination import page_of, paginate_desc
from relaydesk.db.scoped import get_in_workspace_txn
from relaydesk.domains.channels.models import Channel
from relaydesk.domains.contacts.models import Contact
from relaydesk.domains.conversations.models import Conversation, Message
from relaydesk.domains.search.error_codes import SearchError
from relaydesk.domains.search.matching import (
    contacts_matching,
    dialect_of,
    messages_matching,
    normalise,
)
from relaydesk.domains.search.schemas import (
    ContactHit,
    ContactHits,
    MessageHit,
    MessageHits,
    SearchOut,
    SearchType,
)
from relaydesk.domains.search.snippets import snippet
from relaydesk.errors import AppError


def matching_conversation_ids(
    session: AsyncSession, workspace_id: uuid.UUID, q: str
) -> Select[tuple[uuid.UUID]]:
    """SELECT the ids of the workspace's conversations with a message containing `q`.

    Same semantics as the search endpoint (case-insensitive substring, recalled messages
    excluded). Use it as a subquery: `Conversation.id.in_(matching_conversation_ids(…))`.
    `q` must not be blank (ValueError)."""
    stmt: Select[tuple[uuid.UUID]] = messages_matching(
        dialect_of(session), workspace_id, q, Message.conversation_id
    ).distinct()
    return stmt


async def search(
    db: Database,
    workspace_id: uuid.UUID,
    q: str,
    *,
    type: SearchType | None = None,
    conversation_id: uuid.UUID | None = None,
    channel_id: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: int,
) -> SearchOut:
    """Messages and contacts containing `q`, each newest first and paged by `limit`.

    `conversation_id` and `channel_id` narrow messages (and then only messages are searched);
    a cursor continues one type, so it needs `type`."""
    q = normalise(q)
    message_filters = conversation_id is not None or channel_id is not None
    if cursor is not None and type is None:
        raise AppError(SearchError.CURSOR_NEEDS_TYPE)
    if message_filters and type is SearchType.contacts:
        raise AppError(SearchError.FILTER_NEEDS_MESSAGES)
    if type is not None:
        kinds = {type}
    elif message_filters:
        kinds = {SearchType.messages}
    else:
        kinds = {SearchType.messages, SearchType.contacts}

    async with db.read("search") as s:
        if conversation_id is not None:
            await get_in_workspace_txn(
                s, Conversation, workspace_id, conversation_id, "conversation"
            )
        if channel_id is not None:
            await get_in_workspace_txn(s, Channel, workspace_id, channel_id, "channel")
        messages = (
            await _messages_txn(s, workspace_id, q, conversation_id, channel_id, cursor, limit)
            if SearchType.messages in kinds
            else None
        )
        contacts = (
            await _contacts_txn(s, workspace_id, q, cursor, limit)
            if SearchType.contacts in kinds
            else None
        )
    return SearchOut(messages=messages, contacts=contacts)


async def _messages_txn(
    s: AsyncSession,
    workspace_id: uuid.UUID,
    q: str,
    conversation_id: uuid.UUID | None,
    channel_id: uuid.UUID | None,
    cursor: str | None,
    limit: int,
) -> MessageHits:
    stmt = messages_matching(
        dialect_of(s),
        workspace_id,
        q,
        Message.id,
        Message.conversation_id,
        Message.channel_id,
        Message.seq,
        Message.text,
        Message.created_at,
    )
    if conversation_id is not None:
        stmt = stmt.where(Message.conversation_id == conversation_id)
    if channel_id is not None:
        stmt = stmt.where(Message.channel_id == channel_id)
    stmt = paginate_desc(stmt, [Message.created_at, Message.id], cursor, limit)
    rows: Any = (await s.execute(stmt)).all()
    page = page_of(rows, limit, lambda r: (r.created_at, r.id))
    return MessageHits(
        items=[
            MessageHit(
                id=r.id,
                conversation_id=r.conversation_id,
                channel_id=r.channel_id,
                seq=r.seq,
                snippet=snippet(r.text or "", q),
                created_at=r.created_at,
            )
            for r in page.items
        ],
        next_cursor=page.next_cursor,
    )


async def _contacts_txn(
    s: AsyncSession, workspace_id: uuid.UUID, q: str, cursor: str | None, limit: int
) -> ContactHits:
    stmt = contacts_matching(
        dialect_of(s),
        workspace_id,
        q,
        Contact.id,
        Contact.name,
        Contact.email,
        Contact.phone,
        Contact.created_at,
    )
    stmt = paginate_desc(stmt, [Contact.created_at, Contact.id], cursor, limit)
    rows: Any = (await s.execute(stmt)).all()
    page = page_of(rows, limit, lambda r: (r.created_at, r.id))
    return ContactHits(
        items=[
            ContactHit(id=r.id, name=r.name, email=r.email, phone=r.phone, created_at=r.created_at)
            for r in page.items
        ],
        next_cursor=page.next_cursor,
    )
