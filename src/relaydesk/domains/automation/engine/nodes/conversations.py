"""Conversation nodes: a private note, status, priority, assignment (to a user, a team's
members in turn, or the least busy)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from relaydesk.domains.automation.engine.context import NodeContext
from relaydesk.domains.automation.engine.nodes.assignees import NO_ASSIGNEE, choose_assignee_txn
from relaydesk.domains.automation.engine.nodes.dry import is_dry, would
from relaydesk.domains.automation.engine.registry import StepResult, node
from relaydesk.domains.automation.error_codes import NO_CONVERSATION
from relaydesk.domains.automation.graph import (
    AddNoteParams,
    AssignParams,
    SetPriorityParams,
    SetStatusParams,
)
from relaydesk.domains.conversations.actions.common import emit_conversation_updated_txn
from relaydesk.domains.conversations.actions.conversations import do_assign_txn
from relaydesk.domains.conversations.actions.messages import do_append_messages_txn
from relaydesk.domains.conversations.models import Conversation, Message
from relaydesk.domains.conversations.schemas import Direction, MessageType, SenderType


async def _conversation(ctx: NodeContext) -> Conversation | None:
    found = await ctx.latest_conversation()
    if found is None:
        return None
    return await ctx.s.get_one(Conversation, found.id, with_for_update=True)


@node("add_note")
async def add_note(ctx: NodeContext, params: AddNoteParams) -> StepResult:
    conversation = await _conversation(ctx)
    if conversation is None:
        return StepResult(status="skipped", reason=NO_CONVERSATION)
    text = str(await ctx.render(params.text))
    ctx.record_input(conversation_id=str(conversation.id), text=text)
    if is_dry(ctx):
        return would(note=text)
    note = Message(
        id=uuid.uuid4(),
        channel_id=conversation.channel_id,
        direction=Direction.internal.value,
        sender_type=SenderType.bot.value,
        sender_id=str(ctx.run.id),
        type=MessageType.note.value,
        text=text,
        payload={},
        status=None,
    )
    await do_append_messages_txn(ctx.s, ctx.actor, [(conversation, note)], ctx.now)
    return StepResult(output={"message_id": str(note.id)})


@node("set_status")
async def set_status(ctx: NodeContext, params: SetStatusParams) -> StepResult:
    conversation = await _conversation(ctx)
    if conversation is None:
        return StepResult(status="skipped", reason=NO_CONVERSATION)
    before = conversation.status
    if is_dry(ctx):
        return would(status=params.status, snooze_minutes=params.snooze_minutes)
    conversation.status = params.status
    conversation.snoozed_until = (
        ctx.now + timedelta(minutes=params.snooze_minutes)
        if params.status == "snoozed" and params.snooze_minutes
        else None
    )
    if params.status == "resolved" and before != "resolved":
        conversation.resolved_at = ctx.now
    elif params.status != "resolved":
        conversation.resolved_at = None
    if before != params.status or params.status == "snoozed":
        await emit_conversation_updated_txn(ctx.s, ctx.actor, conversation)
    return StepResult(output={"from": before, "to": params.status})


@node("set_priority")
async def set_priority(ctx: NodeContext, params: SetPriorityParams) -> StepResult:
    conversation = await _conversation(ctx)
    if conversation is None:
        return StepResult(status="skipped", reason=NO_CONVERSATION)
    before = conversation.priority
    if is_dry(ctx):
        return would(priority=params.priority)
    if before != params.priority:
        conversation.priority = params.priority
        await emit_conversation_updated_txn(ctx.s, ctx.actor, conversation)
    return StepResult(output={"from": before, "to": params.priority})


@node("assign")
async def assign(ctx: NodeContext, params: AssignParams) -> StepResult:
    conversation = await _conversation(ctx)
    if conversation is None:
        return StepResult(status="skipped", reason=NO_CONVERSATION)
    if params.mode == "user":
        assert params.user_id is not None
        user_id: uuid.UUID | None = params.user_id
    else:
        user_id = await choose_assignee_txn(ctx, params)
        if user_id is None:
            return StepResult(status="skipped", reason=NO_ASSIGNEE)
    set_team = params.team_id is not None
    if is_dry(ctx):
        return would(assignee_user_id=str(user_id), team_id=_str(params.team_id))
    before = (conversation.assignee_user_id, conversation.team_id)
    await do_assign_txn(ctx.s, conversation, user_id, params.team_id, set_team=set_team)
    if before != (conversation.assignee_user_id, conversation.team_id):
        await emit_conversation_updated_txn(ctx.s, ctx.actor, conversation)
    return StepResult(output={"assignee_user_id": str(user_id), "team_id": _str(params.team_id)})


def _str(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)
