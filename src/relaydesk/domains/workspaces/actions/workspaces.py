"""Creating and changing workspaces, and the signed-in user's own profile."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db import Database
from relaydesk.db.base import new_id
from relaydesk.domains.actor import Actor
from relaydesk.domains.audit.actions import record_txn
from relaydesk.domains.workspaces.access import require_txn
from relaydesk.domains.workspaces.models import Membership, User, Workspace
from relaydesk.domains.workspaces.roles import Permission, Role
from relaydesk.domains.workspaces.schemas import MeUpdateIn, WorkspaceUpdateIn
from relaydesk.errors import not_found


def do_create_workspace_txn(
    s: AsyncSession, actor: Actor, owner_id: uuid.UUID, name: str
) -> Workspace:
    workspace = Workspace(id=new_id(), name=name)
    s.add(workspace)
    s.add(Membership(workspace_id=workspace.id, user_id=owner_id, role=Role.owner.value))
    record_txn(
        s,
        actor,
        "workspace.created",
        workspace_id=workspace.id,
        target_type="workspace",
        target_id=workspace.id,
        data={"name": name},
    )
    return workspace


async def create_workspace(db: Database, actor: Actor, name: str) -> Workspace:
    assert actor.user_id is not None
    async with db.write("create_workspace") as s:
        return do_create_workspace_txn(s, actor, actor.user_id, name)


async def update_workspace(
    db: Database, actor: Actor, workspace_id: uuid.UUID, body: WorkspaceUpdateIn
) -> Workspace:
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    async with db.write("update_workspace") as s:
        await require_txn(s, actor, workspace_id, Permission.workspace_manage)
        workspace = await s.get(Workspace, workspace_id, with_for_update=True)
        if workspace is None:
            raise not_found("workspace")
        for field, value in changes.items():
            setattr(workspace, field, value)
        if changes:
            record_txn(
                s,
                actor,
                "workspace.updated",
                workspace_id=workspace_id,
                target_type="workspace",
                target_id=workspace_id,
                data=changes,
            )
        return workspace


async def update_profile(db: Database, actor: Actor, body: MeUpdateIn) -> User:
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    async with db.write("update_profile") as s:
        user = await s.get(User, actor.user_id, with_for_update=True)
        if user is None:
            raise not_found("user")
        for field, value in changes.items():
            setattr(user, field, value)
        return user
