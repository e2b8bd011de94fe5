"""Who is connecting, and which workspaces they may follow: the same checks as the REST API."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy import and_, select
from starlette.requests import HTTPConnection

from relaydesk.api.deps import Principal, get_principal
from relaydesk.db import Database
from relaydesk.domains.actor import ActorType
from relaydesk.domains.workspaces.access import WorkspaceAccess, load_access_txn
from relaydesk.domains.workspaces.error_codes import AuthError
from relaydesk.domains.workspaces.models import ApiKey, AuthSession, Membership, User
from relaydesk.domains.workspaces.roles import ROLE_PERMISSIONS, Permission, Role
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


@dataclass(frozen=True, slots=True)
class Standing:
    """What a re-check found: why the credential no longer holds (None while it does) and,
    for a user, the role in each workspace asked about that the user still belongs to
    (None for an API key: it belongs to one workspace with fixed scopes)."""

    revoked: AuthError | None
    roles: dict[uuid.UUID, Role] | None = None

    def access(self, current: WorkspaceAccess) -> WorkspaceAccess | None:
        """`current` as it stands now: None when it no longer allows following the workspace."""
        if self.roles is None:
            return current
        role = self.roles.get(current.workspace_id)
        if role is None or Permission.workspace_read not in ROLE_PERMISSIONS[role]:
            return None
        if role is current.role:
            return current
        return WorkspaceAccess(current.workspace_id, current.actor, role, ROLE_PERMISSIONS[role])


async def recheck(
    db: Database, principal: Principal, workspace_ids: Collection[uuid.UUID], now: datetime
) -> Standing:
    """Whether an open connection's credential still holds (not signed out, no password
    change, key neither revoked nor expired) and, for a user, the roles it has now in
    `workspace_ids`: one query. The access token's own expiry is not checked: a connection
    outlives the token that opened it, as long as its sign-in lasts."""
    actor = principal.actor
    if actor.type is ActorType.api_key:
        async with db.read("recheck_api_key") as s:
            key = await s.get(ApiKey, actor.id)
        if key is None or not key.usable_at(now):
            return Standing(AuthError.API_KEY_REVOKED)
        return Standing(None)
    if actor.type is not ActorType.user or actor.id is None:
        return Standing(None)
    if principal.session_id is None:
        return Standing(None, await _roles(db, actor.id, workspace_ids))
    # The sign-in, its user and the memberships asked about, in one statement: one row per
    # membership found (or one row with no membership).
    stmt = (
        select(AuthSession.revoked_at, AuthSession.expires_at, User.is_active)
        .select_from(AuthSession)
        .join(User, User.id == AuthSession.user_id)
        .where(AuthSession.id == principal.session_id, AuthSession.user_id == actor.id)
    )
    if workspace_ids:
        stmt = stmt.add_columns(Membership.workspace_id, Membership.role).outerjoin(
            Membership,
            and_(
                Membership.user_id == AuthSession.user_id,
                Membership.workspace_id.in_(list(workspace_ids)),
            ),
        )
    async with db.read("recheck_session") as s:
        # (revoked_at, expires_at, is_active[, workspace_id, role])
        rows: list[Any] = list(await s.execute(stmt))
    if not rows:
        return Standing(AuthError.SESSION_REVOKED)
    revoked_at, expires_at, is_active = rows[0][:3]
    if revoked_at is not None or expires_at <= now or not is_active:
        return Standing(AuthError.SESSION_REVOKED)
    roles = {row[3]: Role(row[4]) for row in rows if workspace_ids and row[3] is not None}
    return Standing(None, roles)


async def _roles(
    db: Database, user_id: uuid.UUID, workspace_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, Role]:
    if not workspace_ids:
        return {}
    stmt = select(Membership.workspace_id, Membership.role).where(
        Membership.user_id == user_id, Membership.workspace_id.in_(list(workspace_ids))
    )
    async with db.read("recheck_memberships") as s:
        return {row.workspace_id: Role(row.role) for row in await s.execute(stmt)}
