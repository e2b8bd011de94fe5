"""Sign-up, sign-in, token refresh, sign-out, and accepting invitations."""

from __future__ import annotations

from fastapi import APIRouter, status

from relaydesk.api.deps import AnonymousActor, CurrentUser, DbDep, SettingsDep
from relaydesk.domains.workspaces import schemas
from relaydesk.domains.workspaces.actions import auth, invitations, sessions

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/signup", status_code=status.HTTP_201_CREATED)
async def signup(
    body: schemas.SignupIn, db: DbDep, settings: SettingsDep, actor: AnonymousActor
) -> schemas.SignupOut:
    """Create an account and its first workspace (the caller becomes its owner)."""
    result = await auth.signup(db, settings, actor, body)
    return schemas.SignupOut(
        **result.tokens.model_dump(),
        user=schemas.UserOut.model_validate(result.user),
        workspace=schemas.WorkspaceOut.model_validate(result.workspace),
    )


@router.post("/login")
async def login(
    body: schemas.LoginIn, db: DbDep, settings: SettingsDep, actor: AnonymousActor
) -> schemas.TokenPair:
    """Exchange email and password for an access token and a refresh token.

    Repeated failures for one account or one address answer 429 with `Retry-After`.
    """
    return await auth.login(db, settings, actor, body.email, body.password)


@router.post("/refresh")
async def refresh(
    body: schemas.RefreshIn, db: DbDep, settings: SettingsDep, actor: AnonymousActor
) -> schemas.TokenPair:
    """Rotate the refresh token. A refresh token is single-use: presenting it twice ends the
    sign-in (`auth.refresh_token_reused`)."""
    return await sessions.refresh(db, settings, actor, body.refresh_token)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(principal: CurrentUser, db: DbDep, body: schemas.LogoutIn | None = None) -> None:
    """End this sign-in: its refresh token and access tokens stop working at once."""
    assert principal.session_id is not None
    await auth.logout(
        db, principal.actor, principal.session_id, body.refresh_token if body else None
    )


@router.post("/invitations/preview")
async def preview_invitation(
    body: schemas.InvitationTokenIn, db: DbDep
) -> schemas.InvitationPreviewOut:
    """What an invitation token is for, before accepting it."""
    return await invitations.preview_invitation(db, body.token)


@router.post("/invitations/accept")
async def accept_invitation(
    body: schemas.InvitationAcceptIn, db: DbDep, settings: SettingsDep, actor: AnonymousActor
) -> schemas.InvitationAcceptOut:
    """Join a workspace: with the existing account's password, or creating an account."""
    result = await invitations.accept_invitation(db, settings, actor, body)
    return schemas.InvitationAcceptOut(
        **result.tokens.model_dump(),
        user=schemas.UserOut.model_validate(result.user),
        workspace=schemas.WorkspaceOut.model_validate(result.workspace),
    )
