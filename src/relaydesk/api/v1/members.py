"""Members of a workspace and their roles."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, status

from relaydesk.api.deps import PAGE_SIZE, Cursor, DbDep, Limit, workspace_access
from relaydesk.api.v1.pages import PageOut
from relaydesk.domains.workspaces import queries, schemas
from relaydesk.domains.workspaces.access import WorkspaceAccess
from relaydesk.domains.workspaces.actions import members
from relaydesk.domains.workspaces.roles import Permission

router = APIRouter(prefix="/workspaces/{workspace_id}/members", tags=["members"])
ReadMembers = Annotated[WorkspaceAccess, Depends(workspace_access(Permission.members_read))]
# Leaving needs no management permission; the action checks the rest.
Member = Annotated[WorkspaceAccess, Depends(workspace_access(Permission.workspace_read))]
Manage = Annotated[WorkspaceAccess, Depends(workspace_access(Permission.members_manage))]


@router.get("")
async def list_members(
    access: ReadMembers, db: DbDep, cursor: Cursor = None, limit: Limit = PAGE_SIZE
) -> PageOut[schemas.MemberOut]:
    page = await queries.list_members(db, access.workspace_id, cursor, limit)
    return PageOut(items=page.items, next_cursor=page.next_cursor)


@router.get("/{user_id}")
async def get_member(user_id: uuid.UUID, access: ReadMembers, db: DbDep) -> schemas.MemberOut:
    return await queries.get_member(db, access.workspace_id, user_id)


@router.patch("/{user_id}")
async def change_role(
    user_id: uuid.UUID, body: schemas.MemberUpdateIn, access: Manage, db: DbDep
) -> schemas.MemberOut:
    """Change a member's role. Only owners make or unmake owners; the last owner stays."""
    await members.change_role(db, access.actor, access.workspace_id, user_id, body.role)
    return await queries.get_member(db, access.workspace_id, user_id)


@router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_member(user_id: uuid.UUID, access: Member, db: DbDep) -> None:
    """Remove a member, or leave (your own user id). The last owner cannot leave."""
    await members.remove_member(db, access.actor, access.workspace_id, user_id)
