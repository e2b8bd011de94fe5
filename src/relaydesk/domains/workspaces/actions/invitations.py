"""Invitations: single-use, expiring tokens that add a person to a workspace with a role."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db import Database
from relaydesk.db.base import utcnow
from relaydesk.db.scoped import get_in_workspace_txn
from relaydesk.domains.actor import Actor
from relaydesk.domains.audit.actions import record_txn
from relaydesk.domains.workspaces import queries
from relaydesk.domains.workspaces.access import require_txn
from relaydesk.domains.workspaces.actions.auth import (
    do_create_user_txn,
    do_login_txn,
    verify_credentials,
)
from relaydesk.domains.workspaces.actions.members import check_may_grant
from relaydesk.domains.workspaces.error_codes import WorkspaceError
from relaydesk.domains.workspaces.models import Invitation, Membership, User, Workspace
from relaydesk.domains.workspaces.roles import Permission, Role
from relaydesk.domains.workspaces.schemas import (
    InvitationAcceptIn,
    InvitationPreviewOut,
    TokenPair,
)
from relaydesk.errors import AppError
from relaydesk.security import secrets
from relaydesk.security.passwords import hash_password
from relaydesk.settings import Settings

INVITATION_TOKEN_KIND = "rdi"  # noqa: S105 - a prefix, not a secret


@dataclass(frozen=True)
class CreatedInvitation:
    invitation: Invitation
    token: str


@dataclass(frozen=True)
class Accepted:
    tokens: TokenPair
    user: User
    workspace: Workspace


async def create_invitation(
    db: Database,
    settings: Settings,
    actor: Actor,
    workspace_id: uuid.UUID,
    email: str,
    role: Role,
) -> CreatedInvitation:
    email = queries.normalise_email(email)
    now = utcnow()
    token = secrets.issue(INVITATION_TOKEN_KIND)
    async with db.write("create_invitation") as s:
        access = await require_txn(s, actor, workspace_id, Permission.invitations_manage)
        check_may_grant(access, role)
        await _check_not_member_txn(s, workspace_id, email)
        # A new invitation to the same address replaces any pending one.
        await s.execute(
            update(Invitation)
            .where(
                Invitation.workspace_id == workspace_id,
                Invitation.email == email,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
        invitation = Invitation(
            workspace_id=workspace_id,
            email=email,
            role=role.value,
            token_digest=token.digest,
            invited_by_user_id=actor.user_id,
            expires_at=now + timedelta(seconds=settings.invitation_ttl_seconds),
        )
        s.add(invitation)
        await s.flush()
        record_txn(
            s,
            actor,
            "invitation.created",
            workspace_id=workspace_id,
            target_type="invitation",
            target_id=invitation.id,
            data={"email": email, "role": role.value},
        )
    return CreatedInvitation(invitation=invitation, token=token.plaintext)


async def _check_not_member_txn(s: AsyncSession, workspace_id: uuid.UUID, email: str) -> None:
    member = await s.scalar(
        select(Membership.user_id)
        .join(User, User.id == Membership.user_id)
        .where(Membership.workspace_id == workspace_id, User.email == email)
    )
    if member is not None:
        raise AppError(WorkspaceError.ALREADY_MEMBER)


async def revoke_invitation(
    db: Database, actor: Actor, workspace_id: uuid.UUID, invitation_id: uuid.UUID
) -> None:
    now = utcnow()
    async with db.write("revoke_invitation") as s:
        await require_txn(s, actor, workspace_id, Permission.invitations_manage)
        invitation = await get_in_workspace_txn(
            s, Invitation, workspace_id, invitation_id, "invitation", lock=True
        )
        _check_pending(invitation, now)
        invitation.revoked_at = now
        record_txn(
            s,
            actor,
            "invitation.revoked",
            workspace_id=workspace_id,
            target_type="invitation",
            target_id=invitation.id,
        )


def _check_pending(invitation: Invitation, now: datetime) -> None:
    if invitation.revoked_at is not None:
        raise AppError(WorkspaceError.INVITATION_REVOKED)
    if invitation.accepted_at is not None:
        raise AppError(WorkspaceError.INVITATION_USED)
    if invitation.expires_at <= now:
        raise AppError(WorkspaceError.INVITATION_EXPIRED)


async def _pending_by_token_txn(
    s: AsyncSession, token: str, now: datetime, *, lock: bool
) -> tuple[Invitation, Workspace]:
    stmt = (
        select(Invitation, Workspace)
        .join(Workspace, Workspace.id == Invitation.workspace_id)
        .where(Invitation.token_digest == secrets.digest(token))
    )
    row = (await s.execute(stmt.with_for_update() if lock else stmt)).one_or_none()
    if row is None:
        raise AppError(WorkspaceError.INVITATION_INVALID)
    invitation, workspace = row
    _check_pending(invitation, now)
    return invitation, workspace


async def preview_invitation(db: Database, token: str) -> InvitationPreviewOut:
    async with db.read("preview_invitation") as s:
        invitation, workspace = await _pending_by_token_txn(s, token, utcnow(), lock=False)
        account = await queries.user_by_email_txn(s, invitation.email)
    return InvitationPreviewOut(
        workspace_name=workspace.name,
        email=invitation.email,
        role=Role(invitation.role),
        expires_at=invitation.expires_at,
        account_exists=account is not None,
    )


async def accept_invitation(
    db: Database, settings: Settings, actor: Actor, body: InvitationAcceptIn
) -> Accepted:
    """Join with an existing account (its password proves it) or create one (name needed)."""
    preview = await preview_invitation(db, body.token)
    existing: User | None = None
    new_hash: str | None = None
    if preview.account_exists:
        existing = await verify_credentials(db, settings, actor, preview.email, body.password)
    elif not body.name:
        raise AppError(WorkspaceError.NAME_REQUIRED)
    else:
        new_hash = await hash_password(body.password)
    now = utcnow()
    async with db.write("accept_invitation") as s:
        invitation, workspace = await _pending_by_token_txn(s, body.token, now, lock=True)
        if existing is not None:
            user = existing
        else:
            assert new_hash is not None
            assert body.name
            user = do_create_user_txn(
                s, email=invitation.email, name=body.name, password_hash=new_hash
            )
            await s.flush()
        user_actor = actor.as_user(user.id)
        await _check_not_member_by_id_txn(s, workspace.id, user.id)
        s.add(Membership(workspace_id=workspace.id, user_id=user.id, role=invitation.role))
        invitation.accepted_at = now
        invitation.accepted_by_user_id = user.id
        record_txn(
            s,
            user_actor,
            "invitation.accepted",
            workspace_id=workspace.id,
            target_type="invitation",
            target_id=invitation.id,
            data={"role": invitation.role},
        )
        tokens = do_login_txn(s, settings, user_actor, user, now)
    return Accepted(tokens=tokens, user=user, workspace=workspace)


async def _check_not_member_by_id_txn(
    s: AsyncSession, workspace_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    if await s.get(Membership, (workspace_id, user_id)) is not None:
        raise AppError(WorkspaceError.ALREADY_MEMBER)
