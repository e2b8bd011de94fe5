"""Reads of the workspaces domain. Every tenant read takes the workspace id first."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db import Database
from relaydesk.db.pagination import Page, page_of, paginate_desc
from relaydesk.domains.workspaces import schemas
from relaydesk.domains.workspaces.models import (
    ApiKey,
    AuthSession,
    Membership,
    User,
    Workspace,
)
from relaydesk.domains.workspaces.roles import Role
from relaydesk.errors import not_found


def normalise_email(email: str) -> str:
    return email.strip().lower()


async def user_by_email_txn(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == normalise_email(email)))


async def active_session_user(
    db: Database, session_id: uuid.UUID, user_id: uuid.UUID, now: datetime
) -> tuple[AuthSession, User] | None:
    async with db.read("load_auth_session") as s:
        row = (
            await s.execute(
                select(AuthSession, User)
                .join(User, User.id == AuthSession.user_id)
                .where(AuthSession.id == session_id, AuthSession.user_id == user_id)
            )
        ).one_or_none()
    if row is None:
        return None
    auth_session, user = row
    if not auth_session.live_at(now) or not user.is_active:
        return None
    return auth_session, user


async def api_key_by_digest(db: Database, key_digest: str) -> ApiKey | None:
    async with db.read("load_api_key") as s:
        return await s.scalar(select(ApiKey).where(ApiKey.key_digest == key_digest))


async def get_workspace(db: Database, workspace_id: uuid.UUID) -> Workspace:
    async with db.read("get_workspace") as s:
        workspace = await s.get(Workspace, workspace_id)
    if workspace is None:
        raise not_found("workspace")
    return workspace


async def my_workspaces(db: Database, user_id: uuid.UUID) -> list[schemas.MyWorkspaceOut]:
    async with db.read("my_workspaces") as s:
        rows = await s.execute(
            select(Workspace, Membership.role)
            .join(Membership, Membership.workspace_id == Workspace.id)
            .where(Membership.user_id == user_id)
            .order_by(Workspace.created_at, Workspace.id)
        )
        return [
            schemas.MyWorkspaceOut(
                **schemas.WorkspaceOut.model_validate(ws).model_dump(), role=Role(role)
            )
            for ws, role in rows
        ]


def _member_out(membership: Membership, user: User) -> schemas.MemberOut:
    return schemas.MemberOut(
        user_id=user.id,
        email=user.email,
        name=user.name,
        role=Role(membership.role),
        joined_at=membership.created_at,
    )


async def list_members(
    db: Database, workspace_id: uuid.UUID, cursor: str | None, limit: int
) -> Page[schemas.MemberOut]:
    stmt = (
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.workspace_id == workspace_id)
    )
    stmt = paginate_desc(stmt, [Membership.created_at, Membership.user_id], cursor, limit)
    async with db.read("list_members") as s:
        rows = (await s.execute(stmt)).all()
    page = page_of(rows, limit, lambda r: (r[0].created_at, r[0].user_id))
    return Page([_member_out(m, u) for m, u in page.items], page.next_cursor)


async def get_member(
    db: Database, workspace_id: uuid.UUID, user_id: uuid.UUID
) -> schemas.MemberOut:
    async with db.read("get_member") as s:
        row = (
            await s.execute(
                select(Membership, User)
                .join(User, User.id == Membership.user_id)
                .where(Membership.workspace_id == workspace_id, Membership.user_id == user_id)
            )
        ).one_or_none()
    if row is None:
        raise not_found("member")
    return _member_out(*row)


async def count_owners_txn(session: AsyncSession, workspace_id: uuid.UUID) -> int:
    # Lock the owner rows so two concurrent demotions cannot both see "one other owner left".
    owners = await session.scalars(
        select(Membership.user_id)
        .where(Membership.workspace_id == workspace_id, Membership.role == Role.owner.value)
        .with_for_update()
    )
    return len(owners.all())


async def count_users(db: Database) -> int:
    async with db.read("count_users") as s:
        return int(await s.scalar(select(func.count()).select_from(User)) or 0)
