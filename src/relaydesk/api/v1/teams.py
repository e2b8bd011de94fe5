"""Teams: admins create them and choose their members; conversations are routed to them."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, status

from relaydesk.api.deps import DbDep, ReadAccess, workspace_access
from relaydesk.domains.conversations import queries
from relaydesk.domains.conversations.schemas import TeamIn, TeamMemberIn, TeamMemberOut, TeamOut
from relaydesk.domains.workspaces.access import WorkspaceAccess
from relaydesk.domains.workspaces.actions import teams as actions
from relaydesk.domains.workspaces.roles import Permission

router = APIRouter(prefix="/workspaces/{workspace_id}/teams", tags=["teams"])
Manage = Annotated[WorkspaceAccess, Depends(workspace_access(Permission.workspace_manage))]


@router.get("")
async def list_teams(access: ReadAccess, db: DbDep) -> list[TeamOut]:
    """All teams of the workspace, by name."""
    return [TeamOut.model_validate(t) for t in await queries.list_teams(db, access.workspace_id)]


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_team(body: TeamIn, access: Manage, db: DbDep) -> TeamOut:
    team = await actions.create_team(db, access.actor, access.workspace_id, body.name)
    return TeamOut.model_validate(team)


@router.get("/{team_id}")
async def get_team(team_id: uuid.UUID, access: ReadAccess, db: DbDep) -> TeamOut:
    return TeamOut.model_validate(await queries.get_team(db, access.workspace_id, team_id))


@router.patch("/{team_id}")
async def rename_team(team_id: uuid.UUID, body: TeamIn, access: Manage, db: DbDep) -> TeamOut:
    team = await actions.rename_team(db, access.actor, access.workspace_id, team_id, body.name)
    return TeamOut.model_validate(team)


@router.delete("/{team_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_team(team_id: uuid.UUID, access: Manage, db: DbDep) -> None:
    """Its conversations keep their assignee and lose the team."""
    await actions.delete_team(db, access.actor, access.workspace_id, team_id)


@router.get("/{team_id}/members")
async def list_team_members(
    team_id: uuid.UUID, access: ReadAccess, db: DbDep
) -> list[TeamMemberOut]:
    return await queries.team_members(db, access.workspace_id, team_id)


@router.post("/{team_id}/members", status_code=status.HTTP_204_NO_CONTENT)
async def add_team_member(
    team_id: uuid.UUID, body: TeamMemberIn, access: Manage, db: DbDep
) -> None:
    """The user must be a member of the workspace; adding them twice changes nothing."""
    await actions.add_team_member(db, access.actor, access.workspace_id, team_id, body.user_id)


@router.delete("/{team_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_team_member(
    team_id: uuid.UUID, user_id: uuid.UUID, access: Manage, db: DbDep
) -> None:
    await actions.remove_team_member(db, access.actor, access.workspace_id, team_id, user_id)
