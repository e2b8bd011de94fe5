"""Invitations to a workspace."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, status

from relaydesk.api.deps import PAGE_SIZE, Cursor, DbDep, Limit, SettingsDep, workspace_access
from relaydesk.api.v1.pages import PageOut
from relaydesk.db.scoped import get_in_workspace, list_in_workspace
from relaydesk.domains.workspaces import schemas
from relaydesk.domains.workspaces.access import WorkspaceAccess
from relaydesk.domains.workspaces.actions import invitations
from relaydesk.domains.workspaces.models import Invitation
from relaydesk.domains.workspaces.roles import Permission

router = APIRouter(prefix="/workspaces/{workspace_id}/invitations", tags=["invitations"])
Manage = Annotated[WorkspaceAccess, Depends(workspace_access(Permission.invitations_manage))]


@router.get("")
async def list_invitations(
    access: Manage, db: DbDep, cursor: Cursor = None, limit: Limit = PAGE_SIZE
) -> PageOut[schemas.InvitationOut]:
    page = await list_in_workspace(db, Invitation, access.workspace_id, cursor, limit)
    return PageOut(
        items=[schemas.InvitationOut.model_validate(i) for i in page.items],
        next_cursor=page.next_cursor,
    )


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_invitation(
    body: schemas.InvitationCreateIn, access: Manage, db: DbDep, settings: SettingsDep
) -> schemas.InvitationCreatedOut:
    """Invite someone by email. The token is returned once; a newer invitation to the same
    address replaces a pending one."""
    created = await invitations.create_invitation(
        db, settings, access.actor, access.workspace_id, body.email, body.role
    )
    return schemas.InvitationCreatedOut(
        **schemas.InvitationOut.model_validate(created.invitation).model_dump(),
        token=created.token,
        accept_url=f"{settings.base_url}/accept-invitation#token={created.token}",
    )


@router.get("/{invitation_id}")
async def get_invitation(
    invitation_id: uuid.UUID, access: Manage, db: DbDep
) -> schemas.InvitationOut:
    invitation = await get_in_workspace(
        db, Invitation, access.workspace_id, invitation_id, "invitation"
    )
    return schemas.InvitationOut.model_validate(invitation)


@router.delete("/{invitation_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_invitation(invitation_id: uuid.UUID, access: Manage, db: DbDep) -> None:
    await invitations.revoke_invitation(db, access.actor, access.workspace_id, invitation_id)
