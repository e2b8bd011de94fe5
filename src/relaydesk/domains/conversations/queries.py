"""Reads of conversations, messages, attachments and teams."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db import Database
from relaydesk.db.pagination import Page, page_of, paginate_desc
from relaydesk.db.scoped import get_in_workspace_txn
from relaydesk.domains.conversations.models import (
    Attachment,
    Conversation,
    ConversationLabel,
    ConversationRead,
    Message,
    Team,
    TeamMember,
)
from relaydesk.domains.conversations.outs import conversation_outs_txn
from relaydesk.domains.conversations.schemas import (
    ConversationStatus,
    ConversationView,
    MessageOut,
    MessagesPage,
    SenderType,
    TeamMemberOut,
)
from relaydesk.domains.workspaces.models import Membership, User


def _not_own(user_id: uuid.UUID) -> ColumnElement[bool]:
    """Messages that `user_id` did not send (unread counts skip the member's own)."""
    return or_(
        Message.sender_type != SenderType.user.value,
        Message.sender_id.is_(None),
        Message.sender_id != str(user_id),
    )


def _has_unread(user_id: uuid.UUID) -> ColumnElement[bool]:
    """The outer conversation has a message past the member's cursor that they did not send."""
    cursor = func.coalesce(
        select(ConversationRead.last_read_seq)
        .where(
            ConversationRead.conversation_id == Conversation.id,
            ConversationRead.user_id == user_id,
        )
        .correlate(Conversation)
        .scalar_subquery(),
        0,
    )
    return (
        select(Message.id)
        .where(Message.conversation_id == Conversation.id, Message.seq > cursor, _not_own(user_id))
        .correlate(Conversation)
        .exists()
    )


async def unread_count_txn(
    s: AsyncSession, conversation_id: uuid.UUID, user_id: uuid.UUID, cursor: int
) -> int:
    # A range scan of the (conversation_id, seq) unique index above the cursor.
    count = await s.scalar(
        select(func.count())
        .select_from(Message)
        .where(Message.conversation_id == conversation_id, Message.seq > cursor, _not_own(user_id))
    )
    return int(count or 0)


async def _unread_counts_txn(
    s: AsyncSession, conversation_ids: Sequence[uuid.UUID], user_id: uuid.UUID
) -> dict[uuid.UUID, int]:
    """Unread counts of several conversations for one member, in one query."""
    if not conversation_ids:
        return {}
    cursor = func.coalesce(ConversationRead.last_read_seq, 0)
    rows = await s.execute(
        select(Message.conversation_id, func.count())
        .select_from(Message)
        .outerjoin(
            ConversationRead,
            and_(
                ConversationRead.conversation_id == Message.conversation_id,
                ConversationRead.user_id == user_id,
            ),
        )
        .where(
            Message.conversation_id.in_(conversation_ids),
            Message.seq > cursor,
            _not_own(user_id),
        )
        .group_by(Message.conversation_id)
    )
    return {row[0]: int(row[1]) for row in rows}


async def _views_txn(
    s: AsyncSession, rows: Sequence[Conversation], user_id: uuid.UUID | None
) -> list[ConversationView]:
    outs = await conversation_outs_txn(s, rows)
    unread = await _unread_counts_txn(s, [c.id for c in rows], user_id) if user_id else {}
    return [
        ConversationView(**dict(out), unread_count=unread.get(out.id, 0) if user_id else None)
        for out in outs
    ]


@dataclass(frozen=True)
class ConversationFilters:
    status: ConversationStatus | None = None
    channel_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    assignee_user_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    label: str | None = None
    unassigned: bool = False
    mine: bool = False
    unread: bool = False


async def list_conversations(
    db: Database,
    workspace_id: uuid.UUID,
    cursor: str | None,
    limit: int,
    filters: ConversationFilters,
    user_id: uuid.UUID | None = None,
) -> Page[ConversationView]:
    """Newest activity first, with the caller's unread count; `mine` and `unread` need
    `user_id`. Three queries per page, whatever its size."""
    f = filters
    stmt = select(Conversation).where(Conversation.workspace_id == workspace_id)
    if f.status is not None:
        stmt = stmt.where(Conversation.status == f.status.value)
    if f.channel_id is not None:
        stmt = stmt.where(Conversation.channel_id == f.channel_id)
    if f.contact_id is not None:
        stmt = stmt.where(Conversation.contact_id == f.contact_id)
    if f.assignee_user_id is not None:
        stmt = stmt.where(Conversation.assignee_user_id == f.assignee_user_id)
    if f.team_id is not None:
        stmt = stmt.where(Conversation.team_id == f.team_id)
    if f.unassigned:
        stmt = stmt.where(Conversation.assignee_user_id.is_(None))
    if f.mine and user_id is not None:
        stmt = stmt.where(Conversation.assignee_user_id == user_id)
    if f.label is not None:
        stmt = stmt.where(
            exists().where(
                ConversationLabel.conversation_id == Conversation.id,
                ConversationLabel.label == f.label,
            )
        )
    if f.unread and user_id is not None:
        stmt = stmt.where(_has_unread(user_id))
    stmt = paginate_desc(stmt, [Conversation.last_activity_at, Conversation.id], cursor, limit)
    async with db.read("list_conversations") as s:
        rows = (await s.scalars(stmt)).all()
        page = page_of(rows, limit, lambda r: (r.last_activity_at, r.id))
        views = await _views_txn(s, page.items, user_id)
    return Page(items=views, next_cursor=page.next_cursor)


async def get_conversation(
    db: Database, workspace_id: uuid.UUID, conversation_id: uuid.UUID, user_id: uuid.UUID | None
) -> ConversationView:
    async with db.read("get_conversation") as s:
        conversation = await get_in_workspace_txn(
            s, Conversation, workspace_id, conversation_id, "conversation"
        )
        return (await _views_txn(s, [conversation], user_id))[0]


_MESSAGE_COLUMNS = [getattr(Message, name) for name in MessageOut.model_fields]


async def messages_by_seq(
    db: Database,
    workspace_id: uuid.UUID,
    conversation_id: uuid.UUID,
    *,
    after_seq: int | None,
    before_seq: int | None,
    limit: int,
    around_seq: int | None = None,
) -> MessagesPage:
    """A page of messages in seq order: after `after_seq`, before `before_seq`, or centred on
    `around_seq` (the newest page when none is given). Clients catch up by asking after their
    last seq."""
    async with db.read("messages_by_seq") as s:
        await get_in_workspace_txn(s, Conversation, workspace_id, conversation_id, "conversation")
        # Plain rows, not ORM objects: a catch-up reads thousands.
        base = select(*_MESSAGE_COLUMNS).where(Message.conversation_id == conversation_id)
        if around_seq is not None:
            older = (limit - 1) // 2
            before = list(
                (
                    await s.execute(
                        base.where(Message.seq < around_seq)
                        .order_by(Message.seq.desc())
                        .limit(older + 1)
                    )
                ).all()
            )
            newer = limit - min(len(before), older)
            after = list(
                (
                    await s.execute(
                        base.where(Message.seq >= around_seq).order_by(Message.seq).limit(newer + 1)
                    )
                ).all()
            )
            has_more = len(before) > older or len(after) > newer
            rows = list(reversed(before[:older])) + after[:newer]
            return MessagesPage(
                items=[MessageOut.model_validate(m) for m in rows], has_more=has_more
            )
        stmt = base
        if after_seq is not None:
            stmt = stmt.where(Message.seq > after_seq).order_by(Message.seq).limit(limit + 1)
        else:
            if before_seq is not None:
                stmt = stmt.where(Message.seq < before_seq)
            stmt = stmt.order_by(Message.seq.desc()).limit(limit + 1)
        rows = list((await s.execute(stmt)).all())
    has_more = len(rows) > limit
    rows = rows[:limit]
    if after_seq is None:
        rows.reverse()
    return MessagesPage(items=[MessageOut.model_validate(m) for m in rows], has_more=has_more)


async def get_attachment(
    db: Database, workspace_id: uuid.UUID, attachment_id: uuid.UUID
) -> Attachment:
    async with db.read("get_attachment") as s:
        return await get_in_workspace_txn(s, Attachment, workspace_id, attachment_id, "attachment")


async def get_team(db: Database, workspace_id: uuid.UUID, team_id: uuid.UUID) -> Team:
    async with db.read("get_team") as s:
        return await get_in_workspace_txn(s, Team, workspace_id, team_id, "team")


async def list_teams(db: Database, workspace_id: uuid.UUID) -> list[Team]:
    """By name; a workspace has a handful of teams, so the list is not paginated."""
    async with db.read("list_teams") as s:
        rows = await s.scalars(
            select(Team).where(Team.workspace_id == workspace_id).order_by(Team.name)
        )
        return list(rows.all())


async def team_members(
    db: Database, workspace_id: uuid.UUID, team_id: uuid.UUID
) -> list[TeamMemberOut]:
    """Members of the team who still belong to the workspace, by name."""
    async with db.read("team_members") as s:
        await get_in_workspace_txn(s, Team, workspace_id, team_id, "team")
        rows = await s.execute(
            select(User.id, User.name, User.email)
            .join(TeamMember, TeamMember.user_id == User.id)
            .join(
                Membership,
                and_(Membership.user_id == User.id, Membership.workspace_id == workspace_id),
            )
            .where(TeamMember.team_id == team_id)
            .order_by(User.name, User.id)
        )
        return [TeamMemberOut(user_id=r[0], name=r[1], email=r[2]) for r in rows]
