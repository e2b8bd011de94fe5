"""What an actor may do in one workspace; loaded per request and re-checked inside writes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.domains.actor import Actor, ActorType
from relaydesk.domains.workspaces.error_codes import WorkspaceError
from relaydesk.domains.workspaces.models import Membership
from relaydesk.domains.workspaces.roles import ROLE_PERMISSIONS, Permission, Role
from relaydesk.errors import AppError, not_found


@dataclass(frozen=True)
class WorkspaceAccess:
    workspace_id: uuid.UUID
    actor: Actor
    role: Role
    permissions: frozenset[Permission]

    def require(self, permission: Permission) -> None:
        if permission not in self.permissions:
            raise AppError(
                WorkspaceError.PERMISSION_DENIED,
                f"Your role ({self.role.value}) does not allow {permission.value}",
            )


async def load_access_txn(
    session: AsyncSession, actor: Actor, workspace_id: uuid.UUID, *, lock: bool = False
) -> WorkspaceAccess:
    """Raise 404 unless the actor belongs to the workspace; a foreign id never leaks."""
    if actor.type is ActorType.api_key:
        if actor.workspace_id != workspace_id:
            raise not_found("workspace")
        return WorkspaceAccess(
            workspace_id=workspace_id,
            actor=actor,
            role=_role_of_scopes(actor.scope_permissions),
            permissions=actor.scope_permissions,
        )
    if actor.type is ActorType.anonymous:
        raise not_found("workspace")
    if actor.type is ActorType.system:
        return WorkspaceAccess(workspace_id, actor, Role.owner, ROLE_PERMISSIONS[Role.owner])
    stmt = select(Membership.role).where(
        Membership.workspace_id == workspace_id, Membership.user_id == actor.id
    )
    if lock:
        stmt = stmt.with_for_update()
    role = await session.scalar(stmt)
    if role is None:
        raise not_found("workspace")
    return WorkspaceAccess(workspace_id, actor, Role(role), ROLE_PERMISSIONS[Role(role)])


def _role_of_scopes(permissions: frozenset[Permission]) -> Role:
    for role in (Role.admin, Role.agent, Role.viewer):
        if ROLE_PERMISSIONS[role] <= permissions:
            return role
    return Role.viewer


async def require_txn(
    session: AsyncSession, actor: Actor, workspace_id: uuid.UUID, permission: Permission
) -> WorkspaceAccess:
    """The `check_*` gate of every workspace write: membership and role as of this transaction."""
    access = await load_access_txn(session, actor, workspace_id, lock=True)
    access.require(permission)
    return access
