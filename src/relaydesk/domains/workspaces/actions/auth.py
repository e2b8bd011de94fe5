"""Sign-up, sign-in, sign-out and password changes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db import Database
from relaydesk.db.base import new_id, utcnow
from relaydesk.domains.actor import Actor, ActorType
from relaydesk.domains.audit.actions import record_txn
from relaydesk.domains.workspaces import queries
from relaydesk.domains.workspaces.actions import sessions, throttle
from relaydesk.domains.workspaces.actions.workspaces import do_create_workspace_txn
from relaydesk.domains.workspaces.error_codes import AuthError
from relaydesk.domains.workspaces.models import AuthSession, User, Workspace
from relaydesk.domains.workspaces.schemas import SignupIn, TokenPair
from relaydesk.errors import AppError
from relaydesk.observability.metrics import LOGIN_FAILURES
from relaydesk.security.passwords import hash_password, verify_password
from relaydesk.settings import Settings


@dataclass(frozen=True)
class Signup:
    tokens: TokenPair
    user: User
    workspace: Workspace


async def check_email_free_txn(s: AsyncSession, email: str) -> None:
    if await queries.user_by_email_txn(s, email) is not None:
        raise AppError(AuthError.EMAIL_TAKEN)


def do_create_user_txn(s: AsyncSession, *, email: str, name: str, password_hash: str) -> User:
    user = User(
        id=new_id(), email=queries.normalise_email(email), name=name, password_hash=password_hash
    )
    s.add(user)
    return user


async def create_user_with_workspace(
    db: Database, actor: Actor, *, email: str, password: str, name: str, workspace_name: str
) -> tuple[User, Workspace]:
    """Used by sign-up and by `relaydesk create-workspace`: a new owner and their workspace."""
    password_hash = await hash_password(password)
    async with db.write("create_user_with_workspace") as s:
        user, workspace = await _create_user_with_workspace_txn(
            s,
            actor,
            email=email,
            password_hash=password_hash,
            name=name,
            workspace_name=workspace_name,
        )
    return user, workspace


async def _create_user_with_workspace_txn(
    s: AsyncSession,
    actor: Actor,
    *,
    email: str,
    password_hash: str,
    name: str,
    workspace_name: str,
) -> tuple[User, Workspace]:
    await check_email_free_txn(s, email)
    user = do_create_user_txn(s, email=email, name=name, password_hash=password_hash)
    await s.flush()
    owner = actor.as_user(user.id) if actor.type is not ActorType.system else actor
    workspace = do_create_workspace_txn(s, owner, user.id, workspace_name)
    record_txn(
        s, owner, "auth.signup", workspace_id=workspace.id, target_type="user", target_id=user.id
    )
    return user, workspace


async def signup(db: Database, settings: Settings, actor: Actor, body: SignupIn) -> Signup:
    if not settings.signup_enabled:
        raise AppError(AuthError.SIGNUP_DISABLED)
    password_hash = await hash_password(body.password)
    now = utcnow()
    async with db.write("signup") as s:
        user, workspace = await _create_user_with_workspace_txn(
            s,
            actor,
            email=body.email,
            password_hash=password_hash,
            name=body.name,
            workspace_name=body.workspace_name,
        )
        user.last_login_at = now
        tokens = sessions.do_issue_session_txn(s, settings, actor, user.id, now)
    return Signup(tokens=tokens, user=user, workspace=workspace)


async def verify_credentials(
    db: Database, settings: Settings, actor: Actor, email: str, password: str
) -> User:
    """Check a password with throttling; every failure is counted and audited."""
    email = queries.normalise_email(email)
    keys = throttle.ThrottleKeys.of(email, actor.ip)
    now = utcnow()
    await throttle.check_not_locked(db, settings, keys, now)
    async with db.read("load_user_for_login") as s:
        user = await queries.user_by_email_txn(s, email)
    ok = await verify_password(user.password_hash if user else None, password)
    if ok and user is not None and user.is_active:
        return user
    LOGIN_FAILURES.labels(reason="unknown_account" if user is None else "wrong_password").inc()
    async with db.write("record_login_failure") as s:
        locked_until = await throttle.record_failure_txn(s, settings, keys, now)
        record_txn(
            s,
            actor,
            "auth.login_failed",
            target_type="user",
            target_id=user.id if user else None,
            data={"email": email, "locked": locked_until is not None},
        )
    if locked_until is not None:
        raise throttle.too_many((locked_until - now).total_seconds())
    raise AppError(AuthError.INVALID_CREDENTIALS)


async def login(
    db: Database, settings: Settings, actor: Actor, email: str, password: str
) -> TokenPair:
    user = await verify_credentials(db, settings, actor, email, password)
    now = utcnow()
    async with db.write("login") as s:
        tokens = do_login_txn(s, settings, actor, user, now)
        await throttle.clear_account_txn(s, throttle.ThrottleKeys.of(user.email, actor.ip))
    return tokens


def do_login_txn(
    s: AsyncSession, settings: Settings, actor: Actor, user: User, now: datetime
) -> TokenPair:
    s.add(user)
    user.last_login_at = now
    user_actor = actor.as_user(user.id)
    record_txn(s, user_actor, "auth.login", target_type="user", target_id=user.id)
    return sessions.do_issue_session_txn(s, settings, user_actor, user.id, now)


async def logout(
    db: Database, actor: Actor, session_id: uuid.UUID, refresh_token: str | None
) -> None:
    """End the caller's sign-in session (and the one a given refresh token belongs to)."""
    now = utcnow()
    async with db.write("logout") as s:
        ids = {session_id}
        if refresh_token and (
            other := await sessions.session_of_refresh_token_txn(s, refresh_token)
        ):
            ids.add(other)
        rows = await s.scalars(
            select(AuthSession).where(AuthSession.id.in_(ids), AuthSession.user_id == actor.id)
        )
        for auth_session in rows:
            sessions.do_revoke_session_txn(auth_session, now, "logout")
            record_txn(
                s, actor, "auth.logout", target_type="auth_session", target_id=auth_session.id
            )


async def change_password(
    db: Database, settings: Settings, actor: Actor, session_id: uuid.UUID, current: str, new: str
) -> None:
    assert actor.id is not None
    async with db.read("load_user") as s:
        user = await s.get(User, actor.id)
    assert user is not None
    await verify_credentials(db, settings, actor, user.email, current)
    new_hash = await hash_password(new)
    now = utcnow()
    async with db.write("change_password") as s:
        user = await s.get(User, actor.id, with_for_update=True)
        assert user is not None
        user.password_hash = new_hash
        # Everyone else signed in as this user (a lost laptop, say) is signed out.
        await sessions.revoke_other_sessions_txn(s, user.id, session_id, now, "password_changed")
        record_txn(s, actor, "auth.password_changed", target_type="user", target_id=user.id)
