"""Canned responses (under /workspaces/{workspace_id}): every member reads them; members who
manage the workspace write them."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from relaydesk.api.deps import PAGE_SIZE, Cursor, DbDep, Limit, ReadAccess, workspace_access
from relaydesk.api.v1.pages import PageOut
from relaydesk.db.scoped import get_in_workspace
from relaydesk.domains.canned_responses import actions, queries
from relaydesk.domains.canned_responses.models import CannedResponse
from relaydesk.domains.canned_responses.schemas import (
    CannedResponseIn,
    CannedResponseOut,
    CannedResponseUpdateIn,
)
from relaydesk.domains.workspaces.access import WorkspaceAccess

router = APIRouter(prefix="/workspaces/{workspace_id}/canned-responses", tags=["canned_responses"])
Manage = Annotated[WorkspaceAccess, Depends(workspace_access(actions.MANAGE))]


@router.get("")
async def list_canned_responses(
    access: ReadAccess,
    db: DbDep,
    q: Annotated[
        str | None,
        Query(min_length=1, max_length=200, description="Part of the shortcut, title or body."),
    ] = None,
    cursor: Cursor = None,
    limit: Limit = PAGE_SIZE,
) -> PageOut[CannedResponseOut]:
    """By shortcut."""
    page = await queries.list_canned_responses(db, access.workspace_id, q, cursor, limit)
    return PageOut(
        items=[CannedResponseOut.model_validate(r) for r in page.items],
        next_cursor=page.next_cursor,
    )


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_canned_response(
    body: CannedResponseIn, access: Manage, db: DbDep
) -> CannedResponseOut:
    row = await actions.create_canned_response(db, access.actor, access.workspace_id, body)
    return CannedResponseOut.model_validate(row)


@router.get("/{canned_response_id}")
async def get_canned_response(
    canned_response_id: uuid.UUID, access: ReadAccess, db: DbDep
) -> CannedResponseOut:
    row = await get_in_workspace(
        db, CannedResponse, access.workspace_id, canned_response_id, "canned response"
    )
    return CannedResponseOut.model_validate(row)


@router.patch("/{canned_response_id}")
async def update_canned_response(
    canned_response_id: uuid.UUID, body: CannedResponseUpdateIn, access: Manage, db: DbDep
) -> CannedResponseOut:
    """Only the fields sent change."""
    row = await actions.update_canned_response(
        db, access.actor, access.workspace_id, canned_response_id, body
    )
    return CannedResponseOut.model_validate(row)


@router.delete("/{canned_response_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_canned_response(canned_response_id: uuid.UUID, access: Manage, db: DbDep) -> None:
    await actions.delete_canned_response(db, access.actor, access.workspace_id, canned_response_id)
