"""Sign-in sessions: issuing token pairs, rotating refresh tokens, revoking."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db import Database
from relaydesk.db.base import new_id, utcnow
from relaydesk.domains.actor import Actor
from relaydesk.domains.audit.actions import record_txn
from relaydesk.domains.workspaces.error_codes import AuthError
from relaydesk.domains.workspaces.models import AuthSession, RefreshToken
from relaydesk.domains.workspaces.schemas import TokenPair
from relaydesk.errors import AppError
from relaydesk.security import secrets
from relaydesk.security.tokens import encode_access_token
from relaydesk.settings import Settings

REFRESH_TOKEN_KIND = "rdr"  # noqa: S105 - a prefix, not a secret


def do_issue_session_txn(
    session: AsyncSession, settings: Settings, actor: Actor, user_id: uuid.UUID, now: datetime
) -> TokenPair:
    """Start a sign-in session for `user_id` and return its first token pair."""
    auth_session = AuthSession(
        id=new_id(),
        user_id=user_id,
        expires_at=now + timedelta(seconds=settings.refresh_token_ttl_seconds),
        last_used_at=now,
        user_agent=(actor.user_agent or "")[:400] or None,
        ip=actor.ip,
    )
    session.add(auth_session)
    return _do_issue_pair_txn(session, settings, auth_session, now)


def _do_issue_pair_txn(
    session: AsyncSession, settings: Settings, auth_session: AuthSession, now: datetime
) -> TokenPair:
    refresh = secrets.issue(REFRESH_TOKEN_KIND)
    session.add(RefreshToken(session_id=auth_session.id, token_digest=refresh.digest))
    access = encode_access_token(
        settings.secret_key,
        user_id=auth_session.user_id,
        session_id=auth_session.id,
        now=now,
        ttl=timedelta(seconds=settings.access_token_ttl_seconds),
    )
    return TokenPair(
        access_token=access,
        refresh_token=refresh.plaintext,
        expires_in=settings.access_token_ttl_seconds,
    )


async def refresh(db: Database, settings: Settings, actor: Actor, token: str) -> TokenPair:
    now = utcnow()
    async with db.write("refresh_session") as s:
        result = await _refresh_txn(s, settings, actor, token, now)
    # Raised after the commit, so a detected reuse still revokes the session.
    if isinstance(result, AuthError):
        raise AppError(result)
    return result


async def _refresh_txn(
    s: AsyncSession, settings: Settings, actor: Actor, token: str, now: datetime
) -> TokenPair | AuthError:
    row = (
        await s.execute(
            select(RefreshToken, AuthSession)
            .join(AuthSession, AuthSession.id == RefreshToken.session_id)
            .where(RefreshToken.token_digest == secrets.digest(token))
            .with_for_update()
        )
    ).one_or_none()
    if row is None:
        return AuthError.INVALID_REFRESH_TOKEN
    refresh_token, auth_session = row
    if not auth_session.live_at(now):
        return AuthError.SESSION_REVOKED
    if refresh_token.used_at is not None:
        # A used token presented again means it was copied: end the whole sign-in.
        do_revoke_session_txn(auth_session, now, "refresh_reuse")
        record_txn(
            s,
            actor.as_user(auth_session.user_id),
            "auth.refresh_reused",
            target_type="auth_session",
            target_id=auth_session.id,
        )
        return AuthError.REFRESH_TOKEN_REUSED
    refresh_token.used_at = now
    auth_session.last_used_at = now
    auth_session.expires_at = now + timedelta(seconds=settings.refresh_token_ttl_seconds)
    return _do_issue_pair_txn(s, settings, auth_session, now)


def do_revoke_session_txn(auth_session: AuthSession, now: datetime, reason: str) -> None:
    if auth_session.revoked_at is None:
        auth_session.revoked_at = now
        auth_session.revoke_reason = reason


async def revoke_other_sessions_txn(
    s: AsyncSession, user_id: uuid.UUID, keep: uuid.UUID, now: datetime, reason: str
) -> None:
    await s.execute(
        update(AuthSession)
        .where(
            AuthSession.user_id == user_id,
            AuthSession.id != keep,
            AuthSession.revoked_at.is_(None),
        )
        .values(revoked_at=now, revoke_reason=reason)
    )


async def session_of_refresh_token_txn(s: AsyncSession, token: str) -> uuid.UUID | None:
    return await s.scalar(
        select(RefreshToken.session_id).where(RefreshToken.token_digest == secrets.digest(token))
    )
