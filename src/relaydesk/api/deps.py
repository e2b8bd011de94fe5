"""FastAPI dependencies: the database, settings, the authenticated principal, workspace access."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import HTTPConnection

from relaydesk.db import Database
from relaydesk.db.base import utcnow
from relaydesk.db.pagination import DEFAULT_LIMIT, MAX_LIMIT
from relaydesk.domains.actor import Actor, ActorType
from relaydesk.domains.workspaces import queries
from relaydesk.domains.workspaces.access import WorkspaceAccess, load_access_txn
from relaydesk.domains.workspaces.actions.api_keys import API_KEY_KIND, touch_api_key
from relaydesk.domains.workspaces.error_codes import AuthError
from relaydesk.domains.workspaces.models import User
from relaydesk.domains.workspaces.roles import Permission, Scope, permissions_for_scopes
from relaydesk.errors import AppError, CommonError
from relaydesk.observability.context import request_id_var
from relaydesk.security import secrets
from relaydesk.security.tokens import (
    InvalidTokenError,
    TokenExpiredError,
    decode_access_token,
    looks_like_jwt,
)
from relaydesk.settings import Settings

_bearer = HTTPBearer(
    auto_error=False,
    description="An access token from /auth/login, or a workspace API key (rdk_…).",
)


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


DbDep = Annotated[Database, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def request_actor(request: HTTPConnection) -> Actor:
    """An anonymous actor carrying the request's address, agent and id (for audit)."""
    return Actor(
        type=ActorType.anonymous,
        ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
        request_id=request_id_var.get(),
    )


AnonymousActor = Annotated[Actor, Depends(request_actor)]


@dataclass(frozen=True)
class Principal:
    actor: Actor
    user: User | None = None
    session_id: uuid.UUID | None = None


async def get_principal(
    request: HTTPConnection,
    db: DbDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise AppError(
            CommonError.UNAUTHENTICATED,
            "Send an access token or API key as 'Authorization: Bearer …'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    anonymous = request_actor(request)
    token = credentials.credentials
    now = utcnow()
    if token.startswith(f"{API_KEY_KIND}_"):
        api_key = await queries.api_key_by_digest(db, secrets.digest(token))
        if api_key is None:
            raise AppError(AuthError.INVALID_TOKEN, headers={"WWW-Authenticate": "Bearer"})
        if not api_key.usable_at(now):
            raise AppError(AuthError.API_KEY_REVOKED, headers={"WWW-Authenticate": "Bearer"})
        await touch_api_key(db, api_key, now)
        actor = replace(
            anonymous,
            type=ActorType.api_key,
            id=api_key.id,
            workspace_id=api_key.workspace_id,
            scope_permissions=permissions_for_scopes([Scope(s) for s in api_key.scopes]),
        )
        return Principal(actor=actor)
    if not looks_like_jwt(token):
        raise AppError(AuthError.INVALID_TOKEN, headers={"WWW-Authenticate": "Bearer"})
    try:
        claims = decode_access_token(settings.secret_key, token)
    except TokenExpiredError:
        raise AppError(AuthError.TOKEN_EXPIRED, headers={"WWW-Authenticate": "Bearer"}) from None
    except InvalidTokenError:
        raise AppError(AuthError.INVALID_TOKEN, headers={"WWW-Authenticate": "Bearer"}) from None
    found = await queries.active_session_user(db, claims.session_id, claims.user_id, now)
    if found is None:
        raise AppError(AuthError.SESSION_REVOKED, headers={"WWW-Authenticate": "Bearer"})
    auth_session, user = found
    return Principal(actor=anonymous.as_user(user.id), user=user, session_id=auth_session.id)


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


async def get_user_principal(principal: CurrentPrincipal) -> Principal:
    if principal.user is None:
        raise AppError(AuthError.USER_REQUIRED)
    return principal


CurrentUser = Annotated[Principal, Depends(get_user_principal)]


def workspace_access(
    permission: Permission,
) -> Callable[[uuid.UUID, Principal, Database], Awaitable[WorkspaceAccess]]:
    """Dependency: 404 unless the caller belongs to `workspace_id`; 403 without `permission`."""

    async def dependency(
        workspace_id: uuid.UUID, principal: CurrentPrincipal, db: DbDep
    ) -> WorkspaceAccess:
        async with db.read("load_workspace_access") as s:
            access = await load_access_txn(s, principal.actor, workspace_id)
        access.require(permission)
        return access

    return dependency


ReadAccess = Annotated[WorkspaceAccess, Depends(workspace_access(Permission.workspace_read))]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")]
Cursor = Annotated[
    str | None, Query(max_length=512, description="`next_cursor` from the previous page.")
]
PAGE_SIZE = DEFAULT_LIMIT
