"""Who is connecting, and which workspaces they may follow: the same checks as the REST API."""

from __future__ import annotations

import uuid
from typing import cast

from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials
from starlette.requests import HTTPConnection

from relaydesk.api.deps import Principal, get_principal
from relaydesk.db import Database
from relaydesk.domains.workspaces.access import WorkspaceAccess, load_access_txn
from relaydesk.domains.workspaces.roles import Permission
from relaydesk.settings import Settings


async def authenticate(
    connection: HTTPConnection, db: Database, settings: Settings, token: str
) -> Principal:
    """An access token or API key, checked exactly as a bearer token is; raises AppError."""
    credentials = HTTPAuthorizationCredentials(scheme="Bearer", credentials=token)
    # get_principal reads only what every HTTP connection has (client address, headers).
    return await get_principal(cast(Request, connection), db, settings, credentials)


async def workspace_access(
    db: Database, principal: Principal, workspace_id: uuid.UUID
) -> WorkspaceAccess:
    """404 unless the principal belongs to the workspace (a foreign id reveals nothing)."""
    async with db.read("load_workspace_access") as s:
        access = await load_access_txn(s, principal.actor, workspace_id)
    access.require(Permission.workspace_read)
    return access
