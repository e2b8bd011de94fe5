"""A conversation's state: status, priority, assignment, team, labels and read cursors."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db import Database
from relaydesk.db.base import utcnow
from relaydesk.db.scoped import get_in_workspace_txn
from relaydesk.db.upsert import insert_ignore
from relaydesk.domains.actor import Actor
from relaydesk.domains.conversations.actions.common import (
    check_writable_conversation_txn,
    emit_conversation_updated_txn,
)
from relaydesk.domains.conversations.error_codes import ConversationError
from relaydesk.domains.conversations.models import (
    Conversation,
    ConversationLabel,
    ConversationRead,
    Team,
)
from relaydesk.domains.conversations.queries import unread_count_txn
from relaydesk.domains.conversations.schemas import ConversationPatchIn, ConversationStatus
from relaydesk.domains.workspaces.access import require_txn
from relaydesk.domains.workspaces.models import Membership
from relaydesk.domains.workspaces.roles import Permission
from relaydesk.errors import AppError
from relaydesk.events import schemas as events
from relaydesk.events.outbox import emit_txn


async def _check_assignee_txn(s: AsyncSession, workspace_id: uuid.UUID, user_id: uuid.UUID) -> None:
    member = await s.scalar(
        select(Membership.user_id).where(
            Membership.workspace_id == workspace_id, Membership.user_id == user_id
        )
    )
    if member is None:
        raise AppError(ConversationError.UNKNOWN_ASSIGNEE)


async def do_assign_txn(
    s: AsyncSession,
    conversation: Conversation,
    user_id: uuid.UUID | None,
    team_id: uuid.UUID | None = None,
    *,
    set_team: bool = False,
) -> None:
    """Assign the conversation (the caller holds its lock) to a member of its workspace, or
    to nobody; with `set_team`, to the team too. The caller emits `conversation.updated`."""
    if user_id is not None and user_id != conversation.assignee_user_id:
        await _check_assignee_txn(s, conversation.workspace_id, user_id)
    conversation.assignee_user_id = user_id
    if set_team:
        if team_id is not None and team_id != conversation.team_id:
            await _check_team_txn(s, conversation.workspace_id, team_id)
        conversation.team_id = team_id


async def _check_team_txn(s: AsyncSession, workspace_id: uuid.UUID, team_id: uuid.UUID) -> None:
    team = await s.scalar(
        select(Team.id).where(Team.workspace_id == workspace_id, Team.id == team_id)
    )
    if team is None:
        raise AppError(ConversationError.UNKNOWN_TEAM)


async def update_conversation(
    db: Database,
    actor: Actor,
    workspace_id: uuid.UUID,
    conversation_id: uuid.UUID,
    body: ConversationPatchIn,
) -> Conversation:
    """Change what the body names; emits `conversation.updated` when anything changed."""
    now = utcnow()
    sent = body.model_fields_set
    async with db.write("update_conversation") as s:
        conversation = await check_writable_conversation_txn(
            s, actor, workspace_id, conversation_id
        )
        before = (
            conversation.status,
            conversation.snoozed_until,
            conversation.priority,
            conversation.assignee_user_id,
            conversation.team_id,
        )
        status = body.status
        if status is None and body.snoozed_until is not None:
            status = ConversationStatus.snoozed  # a snooze time alone means "snooze"
        if status is ConversationStatus.snoozed:
            until = body.snoozed_until
            if until is None or until <= now:
                raise AppError(ConversationError.SNOOZE_NEEDS_UNTIL)
            conversation.snoozed_until = until
        elif "snoozed_until" in sent and body.snoozed_until is not None:
            raise AppError(
                ConversationError.SNOOZE_NEEDS_UNTIL,
                "snoozed_until goes with status 'snoozed' only",
            )
        if status is not None:
            if status is not ConversationStatus.snoozed:
                conversation.snoozed_until = None
            if status is ConversationStatus.resolved and conversation.status != status.value:
                conversation.resolved_at = now
            elif status is not ConversationStatus.resolved:
                conversation.resolved_at = None
            conversation.status = status.value
        if body.priority is not None:
            conversation.priority = body.priority.value
        if "assignee_user_id" in sent or "team_id" in sent:
            await do_assign_txn(
                s,
                conversation,
                body.assignee_user_id
                if "assignee_user_id" in sent
                else conversation.assignee_user_id,
                body.team_id,
                set_team="team_id" in sent,
            )
        after = (
            conversation.status,
            conversation.snoozed_until,
            conversation.priority,
            conversation.assignee_user_id,
            conversation.team_id,
        )
        if after != before:
            await emit_conversation_updated_txn(s, actor, conversation)
        return conversation


async def add_labels(
    db: Database,
    actor: Actor,
    workspace_id: uuid.UUID,
    conversation_id: uuid.UUID,
    labels: list[str],
) -> Conversation:
    async with db.write("add_labels") as s:
        conversation = await check_writable_conversation_txn(
            s, actor, workspace_id, conversation_id
        )
        existing = set(
            (
                await s.scalars(
                    select(ConversationLabel.label).where(
                        ConversationLabel.conversation_id == conversation.id
                    )
                )
            ).all()
        )
        new = sorted(set(labels) - existing)
        for label in new:
            s.add(
                ConversationLabel(
                    conversation_id=conversation.id, label=label, workspace_id=workspace_id
                )
            )
        if new:
            await emit_conversation_updated_txn(s, actor, conversation)
        return conversation


async def remove_labels(
    db: Database,
    actor: Actor,
    workspace_id: uuid.UUID,
    conversation_id: uuid.UUID,
    labels: list[str],
) -> Conversation:
    async with db.write("remove_labels") as s:
        conversation = await check_writable_conversation_txn(
            s, actor, workspace_id, conversation_id
        )
        removed = await s.execute(
            delete(ConversationLabel).where(
                ConversationLabel.conversation_id == conversation.id,
                ConversationLabel.label.in_(labels),
            )
        )
        if getattr(removed, "rowcount", 0):
            await emit_conversation_updated_txn(s, actor, conversation)
        return conversation


@dataclass(frozen=True)
class ReadState:
    conversation_id: uuid.UUID
    last_read_seq: int
    unread_count: int


async def mark_read(
    db: Database,
    actor: Actor,
    workspace_id: uuid.UUID,
    conversation_id: uuid.UUID,
    seq: int,
) -> ReadState:
    """Move the caller's read cursor forward to `seq` (never back, never past the last
    message); emits `conversation.read` with the new unread count when it moved."""
    user_id = actor.user_id
    if user_id is None:
        raise AppError(ConversationError.USER_REQUIRED)
    now = utcnow()
    async with db.write("mark_read") as s:
        await require_txn(s, actor, workspace_id, Permission.workspace_read)
        conversation = await get_in_workspace_txn(
            s, Conversation, workspace_id, conversation_id, "conversation"
        )
        target = min(seq, conversation.last_seq)
        await insert_ignore(
            s,
            ConversationRead,
            conversation_id=conversation.id,
            user_id=user_id,
            workspace_id=workspace_id,
            last_read_seq=0,
            updated_at=now,
        )
        moved = await s.scalar(
            update(ConversationRead)
            .where(
                ConversationRead.conversation_id == conversation.id,
                ConversationRead.user_id == user_id,
                ConversationRead.last_read_seq < target,
            )
            .values(last_read_seq=target, updated_at=now)
            .returning(ConversationRead.last_read_seq)
        )
        cursor = moved
        if cursor is None:
            cursor = await s.scalar(
                select(ConversationRead.last_read_seq).where(
                    ConversationRead.conversation_id == conversation.id,
                    ConversationRead.user_id == user_id,
                )
            )
        assert cursor is not None
        unread = await unread_count_txn(s, conversation.id, user_id, cursor)
        if moved is not None:
            emit_txn(
                s,
                actor,
                workspace_id,
                events.ConversationRead(
                    conversation_id=conversation.id,
                    user_id=user_id,
                    last_read_seq=cursor,
                    unread_count=unread,
                ),
            )
        return ReadState(conversation.id, cursor, unread)
