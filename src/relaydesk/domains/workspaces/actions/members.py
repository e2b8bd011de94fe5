"""Changing members' roles and removing members; a workspace always keeps an owner."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db import Database
from relaydesk.domains.actor import Actor
from relaydesk.domains.audit.actions import record_txn
from relaydesk.domains.workspaces import queries
from relaydesk.domains.workspaces.access import WorkspaceAccess, load_access_txn, require_txn
from relaydesk.domains.workspaces.error_codes import WorkspaceError
from relaydesk.domains.workspaces.models import Membership
from relaydesk.domains.workspaces.roles import Permission, Role
from relaydesk.errors import AppError, not_found


async def _membership_txn(
    s: AsyncSession, workspace_id: uuid.UUID, user_id: uuid.UUID
) -> Membership:
    membership = await s.scalar(
        select(Membership)
        .where(Membership.workspace_id == workspace_id, Membership.user_id == user_id)
        .with_for_update()
    )
    if membership is None:
        raise not_found("member")
    return membership


def check_may_grant(access: WorkspaceAccess, role: Role) -> None:
    """Owners alone make or unmake owners; nobody grants a role above their own."""
    if role is Role.owner:
        access.require(Permission.owners_manage)
    if role.rank > access.role.rank:
        raise AppError(WorkspaceError.ROLE_TOO_HIGH)


async def check_keeps_an_owner_txn(
    s: AsyncSession, workspace_id: uuid.UUID, membership: Membership
) -> None:
    if membership.role == Role.owner.value and await queries.count_owners_txn(s, workspace_id) <= 1:
        raise AppError(WorkspaceError.LAST_OWNER)


async def change_role(
    db: Database, actor: Actor, workspace_id: uuid.UUID, user_id: uuid.UUID, role: Role
) -> Membership:
    async with db.write("change_member_role") as s:
        access = await require_txn(s, actor, workspace_id, Permission.members_manage)
        membership = await _membership_txn(s, workspace_id, user_id)
        old = Role(membership.role)
        if old is role:
            return membership
        check_may_grant(access, old)
        check_may_grant(access, role)
        await check_keeps_an_owner_txn(s, workspace_id, membership)
        membership.role = role.value
        record_txn(
            s,
            actor,
            "member.role_changed",
            workspace_id=workspace_id,
            target_type="user",
            target_id=user_id,
            data={"from": old.value, "to": role.value},
        )
        return membership


async def remove_member(
    db: Database, actor: Actor, workspace_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    async with db.write("remove_member") as s:
        if actor.user_id == user_id:
            # Leaving needs no management permission, only membership.
            await load_access_txn(s, actor, workspace_id, lock=True)
        else:
            access = await require_txn(s, actor, workspace_id, Permission.members_manage)
        membership = await _membership_txn(s, workspace_id, user_id)
        if actor.user_id != user_id:
            check_may_grant(access, Role(membership.role))
        await check_keeps_an_owner_txn(s, workspace_id, membership)
        await s.delete(membership)
        record_txn(
            s,
            actor,
            "member.removed" if actor.user_id != user_id else "member.left",
            workspace_id=workspace_id,
            target_type="user",
            target_id=user_id,
            data={"role": membership.role},
        )
