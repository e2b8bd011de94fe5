"""The workspace's business hours (under /workspaces/{workspace_id}): members read them,
members who manage the workspace set them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from relaydesk.api.deps import DbDep, ReadAccess, workspace_access
from relaydesk.domains.automation import actions, queries
from relaydesk.domains.automation.business_hours import BusinessHoursIn, BusinessHoursOut
from relaydesk.domains.workspaces.access import WorkspaceAccess

router = APIRouter(prefix="/workspaces/{workspace_id}/business-hours", tags=["automation"])
Manage = Annotated[WorkspaceAccess, Depends(workspace_access(actions.MANAGE))]


@router.get("")
async def get_business_hours(access: ReadAccess, db: DbDep) -> BusinessHoursOut:
    """`configured` is false until a schedule is saved (then every moment counts as open)."""
    return await queries.business_hours(db, access.workspace_id)


@router.put("")
async def put_business_hours(body: BusinessHoursIn, access: Manage, db: DbDep) -> BusinessHoursOut:
    saved = await actions.put_business_hours(db, access.actor, access.workspace_id, body)
    return BusinessHoursOut(**saved.model_dump(), configured=True)
