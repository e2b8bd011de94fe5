"""Workspaces the caller belongs to."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from relaydesk.api.deps import CurrentUser, DbDep, ReadAccess, workspace_access
from relaydesk.domains.workspaces import queries, schemas
from relaydesk.domains.workspaces.access import WorkspaceAccess
from relaydesk.domains.workspaces.actions import workspaces
from relaydesk.domains.workspaces.roles import Permission

router = APIRouter(prefix="/workspaces", tags=["workspaces"])
ManageAccess = Annotated[WorkspaceAccess, Depends(workspace_access(Permission.workspace_manage))]


@router.get("")
async def list_my_workspaces(principal: CurrentUser, db: DbDep) -> list[schemas.MyWorkspaceOut]:
    assert principal.user is not None
    return await queries.my_workspaces(db, principal.user.id)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_workspace(
    body: schemas.WorkspaceCreateIn, principal: CurrentUser, db: DbDep
) -> schemas.WorkspaceOut:
    """Create another workspace; the caller becomes its owner."""
    workspace = await workspaces.create_workspace(db, principal.actor, body.name)
    return schemas.WorkspaceOut.model_validate(workspace)


@router.get("/{workspace_id}")
async def get_workspace(access: ReadAccess, db: DbDep) -> schemas.WorkspaceOut:
    return schemas.WorkspaceOut.model_validate(await queries.get_workspace(db, access.workspace_id))


@router.patch("/{workspace_id}")
async def update_workspace(
    body: schemas.WorkspaceUpdateIn, access: ManageAccess, db: DbDep
) -> schemas.WorkspaceOut:
    workspace = await workspaces.update_workspace(db, access.actor, access.workspace_id, body)
    return schemas.WorkspaceOut.model_validate(workspace)
