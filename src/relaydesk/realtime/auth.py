"""Who is connecting, and which workspaces they may follow: the same checks as the REST API."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi.security import HTTPAuthorizationCredentials
from starlette.requests import HTTPConnection

from relaydesk.api.deps import Principal, get_principal
from relaydesk.db import Database
from relaydesk.domains.actor import ActorType
from relaydesk.domains.workspaces import queries
from relaydesk.domains.workspaces.access import WorkspaceAccess, load_access_txn
from relaydesk.domains.workspaces.error_codes import AuthError
from relaydesk.domains.workspaces.models import ApiKey
from relaydesk.domains.workspaces.roles import Permission
from relaydesk.settings import Settings


async def authenticate(
    connection: HTTPConnection, db: Database, settings: Settings, token: str
) -> Principal:
    """An access token or API key, checked exactly as a bearer token is; raises AppError."""
    credentials = HTTPAuthorizationCredentials(scheme="Bearer", credentials=token)
    return await get_principal(connection, db, settings, credentials)


async def workspace_access(
    db: Database, principal: Principal, workspace_id: uuid.UUID
) -> WorkspaceAccess:
    """404 unless the principal belongs to the workspace (a foreign id reveals nothing)."""
    async with db.read("load_workspace_access") as s:
        access = await load_access_txn(s, principal.actor, workspace_id)
    access.require(Permission.workspace_read)
    return access


async def revoked(db: Database, principal: Principal, now: datetime) -> AuthError | None:
    """Why an open connection's credential no longer holds (signed out, password changed,
    key revoked or expired), or None. The access token's own expiry is not checked: a
    connection outlives the token that opened it, as long as its sign-in lasts."""
    actor = principal.actor
    if actor.type is ActorType.api_key:
        async with db.read("recheck_api_key") as s:
            key = await s.get(ApiKey, actor.id)
        if key is None or not key.usable_at(now):
            return AuthError.API_KEY_REVOKED
        return None
    if principal.session_id is None or actor.id is None:
        return None
    found = await queries.active_session_user(db, principal.session_id, actor.id, now)
    return AuthError.SESSION_REVOKED if found is None else None
