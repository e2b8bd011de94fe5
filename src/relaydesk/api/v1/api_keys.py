"""API keys of a workspace."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, status

from relaydesk.api.deps import PAGE_SIZE, Cursor, DbDep, Limit, workspace_access
from relaydesk.api.v1.pages import PageOut
from relaydesk.db.scoped import get_in_workspace, list_in_workspace
from relaydesk.domains.workspaces import schemas
from relaydesk.domains.workspaces.access import WorkspaceAccess
from relaydesk.domains.workspaces.actions import api_keys
from relaydesk.domains.workspaces.models import ApiKey
from relaydesk.domains.workspaces.roles import Permission

router = APIRouter(prefix="/workspaces/{workspace_id}/api-keys", tags=["api-keys"])
Manage = Annotated[WorkspaceAccess, Depends(workspace_access(Permission.api_keys_manage))]


@router.get("")
async def list_api_keys(
    access: Manage, db: DbDep, cursor: Cursor = None, limit: Limit = PAGE_SIZE
) -> PageOut[schemas.ApiKeyOut]:
    page = await list_in_workspace(db, ApiKey, access.workspace_id, cursor, limit)
    return PageOut(
        items=[schemas.ApiKeyOut.model_validate(k) for k in page.items],
        next_cursor=page.next_cursor,
    )


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_api_key(
    body: schemas.ApiKeyCreateIn, access: Manage, db: DbDep
) -> schemas.ApiKeyCreatedOut:
    """Create a key. The `key` is in this response only; RelayDesk keeps a hash of it."""
    created = await api_keys.create_api_key(
        db, access.actor, access.workspace_id, body.name, body.scopes, body.expires_at
    )
    return schemas.ApiKeyCreatedOut(
        **schemas.ApiKeyOut.model_validate(created.api_key).model_dump(), key=created.key
    )


@router.get("/{key_id}")
async def get_api_key(key_id: uuid.UUID, access: Manage, db: DbDep) -> schemas.ApiKeyOut:
    return schemas.ApiKeyOut.model_validate(
        await get_in_workspace(db, ApiKey, access.workspace_id, key_id, "API key")
    )


@router.delete("/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_api_key(key_id: uuid.UUID, access: Manage, db: DbDep) -> None:
    """Revoke a key; requests with it answer 401 from now on."""
    await api_keys.revoke_api_key(db, access.actor, access.workspace_id, key_id)
