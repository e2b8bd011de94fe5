"""Teams: named groups of members that conversations are routed to; admins manage them."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db import Database
from relaydesk.db.base import utcnow
from relaydesk.db.scoped import get_in_workspace_txn
from relaydesk.db.upsert import insert_ignore
from relaydesk.domains.actor import Actor
from relaydesk.domains.audit.actions import record_txn
from relaydesk.domains.conversations.error_codes import TeamError
from relaydesk.domains.conversations.models import Team, TeamMember
from relaydesk.domains.workspaces.access import require_txn
from relaydesk.domains.workspaces.models import Membership
from relaydesk.domains.workspaces.roles import Permission
from relaydesk.errors import AppError


async def _check_name_free_txn(
    s: AsyncSession, workspace_id: uuid.UUID, name: str, team_id: uuid.UUID | None = None
) -> None:
    # Checked in the transaction so the answer is a clear 409 rather than a constraint error;
    # the unique constraint still settles a race between two admins.
    stmt = select(Team.id).where(Team.workspace_id == workspace_id, Team.name == name)
    if team_id is not None:
        stmt = stmt.where(Team.id != team_id)
    if await s.scalar(stmt) is not None:
        raise AppError(TeamError.NAME_TAKEN, f"A team named {name!r} already exists")


async def create_team(db: Database, actor: Actor, workspace_id: uuid.UUID, name: str) -> Team:
    async with db.write("create_team") as s:
        await require_txn(s, actor, workspace_id, Permission.workspace_manage)
        await _check_name_free_txn(s, workspace_id, name)
        team = Team(workspace_id=workspace_id, name=name, created_at=utcnow())
        s.add(team)
        await s.flush()
        record_txn(
            s,
            actor,
            "team.created",
            workspace_id=workspace_id,
            target_type="team",
            target_id=team.id,
            data={"name": name},
        )
    return team


async def rename_team(
    db: Database, actor: Actor, workspace_id: uuid.UUID, team_id: uuid.UUID, name: str
) -> Team:
    async with db.write("rename_team") as s:
        await require_txn(s, actor, workspace_id, Permission.workspace_manage)
        team = await get_in_workspace_txn(s, Team, workspace_id, team_id, "team", lock=True)
        if team.name != name:
            await _check_name_free_txn(s, workspace_id, name, team.id)
            record_txn(
                s,
                actor,
                "team.renamed",
                workspace_id=workspace_id,
                target_type="team",
                target_id=team.id,
                data={"from": team.name, "to": name},
            )
            team.name = name
    return team


async def delete_team(
    db: Database, actor: Actor, workspace_id: uuid.UUID, team_id: uuid.UUID
) -> None:
    """Conversations of the team keep their assignee and lose the team (SET NULL)."""
    async with db.write("delete_team") as s:
        await require_txn(s, actor, workspace_id, Permission.workspace_manage)
        team = await get_in_workspace_txn(s, Team, workspace_id, team_id, "team", lock=True)
        record_txn(
            s,
            actor,
            "team.deleted",
            workspace_id=workspace_id,
            target_type="team",
            target_id=team.id,
            data={"name": team.name},
        )
        await s.delete(team)


async def add_team_member(
    db: Database, actor: Actor, workspace_id: uuid.UUID, team_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    """Adding someone who is already in the team changes nothing."""
    async with db.write("add_team_member") as s:
        await require_txn(s, actor, workspace_id, Permission.workspace_manage)
        team = await get_in_workspace_txn(s, Team, workspace_id, team_id, "team")
        member = await s.scalar(
            select(Membership.user_id).where(
                Membership.workspace_id == workspace_id, Membership.user_id == user_id
            )
        )
        if member is None:
            raise AppError(TeamError.NOT_A_MEMBER)
        await insert_ignore(s, TeamMember, team_id=team.id, user_id=user_id)
        record_txn(
            s,
            actor,
            "team.member_added",
            workspace_id=workspace_id,
            target_type="team",
            target_id=team.id,
            data={"user_id": str(user_id)},
        )


async def remove_team_member(
    db: Database, actor: Actor, workspace_id: uuid.UUID, team_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    async with db.write("remove_team_member") as s:
        await require_txn(s, actor, workspace_id, Permission.workspace_manage)
        team = await get_in_workspace_txn(s, Team, workspace_id, team_id, "team")
        await s.execute(
            delete(TeamMember).where(TeamMember.team_id == team.id, TeamMember.user_id == user_id)
        )
        record_txn(
            s,
            actor,
            "team.member_removed",
            workspace_id=workspace_id,
            target_type="team",
            target_id=team.id,
            data={"user_id": str(user_id)},
        )
