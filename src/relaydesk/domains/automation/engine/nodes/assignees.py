"""Choosing whom an `assign` node gives a conversation to.

`team_round_robin`: the team's members in turn (by user id), after the one chosen last;
the last choice is kept per team in `automation_snapshots` (keyed by the team id), under
the team row's lock, so the turn survives restarts and two processes never give the same
turn twice. `least_busy`: the candidate with the fewest open conversations assigned (ties
by user id); candidates are the team's members, or every member who may answer
conversations when no team is given. Only members of the workspace are candidates.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from relaydesk.domains.automation.engine.context import NodeContext
from relaydesk.domains.automation.engine.nodes.dry import is_dry
from relaydesk.domains.automation.graph import AssignParams
from relaydesk.domains.automation.models import AutomationSnapshot
from relaydesk.domains.conversations.error_codes import ConversationError
from relaydesk.domains.conversations.models import Conversation, Team, TeamMember
from relaydesk.domains.workspaces.models import Membership
from relaydesk.domains.workspaces.roles import Role
from relaydesk.errors import AppError

NO_ASSIGNEE = "automation.no_assignee"
_ANSWERING = (Role.owner.value, Role.admin.value, Role.agent.value)


async def _candidates_txn(ctx: NodeContext, team_id: uuid.UUID | None) -> list[uuid.UUID]:
    query = select(Membership.user_id).where(Membership.workspace_id == ctx.workspace_id)
    if team_id is None:
        query = query.where(Membership.role.in_(_ANSWERING))
    else:
        query = query.join(TeamMember, TeamMember.user_id == Membership.user_id).where(
            TeamMember.team_id == team_id
        )
    return sorted(await ctx.s.scalars(query.order_by(Membership.user_id)))


async def _lock_team_txn(ctx: NodeContext, team_id: uuid.UUID) -> None:
    found = await ctx.s.scalar(
        select(Team.id)
        .where(Team.workspace_id == ctx.workspace_id, Team.id == team_id)
        .with_for_update()
    )
    if found is None:
        raise AppError(ConversationError.UNKNOWN_TEAM)


async def choose_assignee_txn(ctx: NodeContext, params: AssignParams) -> uuid.UUID | None:
    if params.team_id is not None:
        await _lock_team_txn(ctx, params.team_id)
    candidates = await _candidates_txn(ctx, params.team_id)
    if not candidates:
        return None
    if params.mode == "team_round_robin":
        assert params.team_id is not None
        return await _next_in_turn_txn(ctx, params.team_id, candidates)
    rows = await ctx.s.execute(
        select(Conversation.assignee_user_id, func.count())
        .where(
            Conversation.workspace_id == ctx.workspace_id,
            Conversation.status == "open",
            Conversation.assignee_user_id.in_(candidates),
        )
        .group_by(Conversation.assignee_user_id)
    )
    load = {user_id: int(count) for user_id, count in rows}
    return min(candidates, key=lambda u: (load.get(u, 0), str(u)))


async def _next_in_turn_txn(
    ctx: NodeContext, team_id: uuid.UUID, candidates: list[uuid.UUID]
) -> uuid.UUID:
    state = await ctx.s.get(AutomationSnapshot, team_id)
    last = (state.state if state is not None else {}).get("round_robin_last")
    chosen = next((c for c in candidates if str(c) > str(last or "")), candidates[0])
    if is_dry(ctx):
        return chosen  # a dry run takes nobody's turn
    if state is None:
        ctx.s.add(
            AutomationSnapshot(
                object_id=team_id,
                workspace_id=ctx.workspace_id,
                state={"round_robin_last": str(chosen)},
            )
        )
    else:
        state.state = {**state.state, "round_robin_last": str(chosen)}
    return chosen
