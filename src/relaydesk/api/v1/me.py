"""The signed-in user."""

from __future__ import annotations

from fastapi import APIRouter, status

from relaydesk.api.deps import PAGE_SIZE, CurrentUser, Cursor, DbDep, Limit, SettingsDep
from relaydesk.api.v1.pages import PageOut
from relaydesk.domains.audit import queries as audit_queries
from relaydesk.domains.audit.schemas import AuditEventOut
from relaydesk.domains.workspaces import queries, schemas
from relaydesk.domains.workspaces.actions import auth, workspaces

router = APIRouter(prefix="/me", tags=["me"])


@router.get("")
async def get_me(principal: CurrentUser, db: DbDep) -> schemas.MeOut:
    """The user and every workspace they belong to, with their role in each."""
    assert principal.user is not None
    return schemas.MeOut(
        user=schemas.UserOut.model_validate(principal.user),
        workspaces=await queries.my_workspaces(db, principal.user.id),
    )


@router.patch("")
async def update_me(body: schemas.MeUpdateIn, principal: CurrentUser, db: DbDep) -> schemas.UserOut:
    user = await workspaces.update_profile(db, principal.actor, body)
    return schemas.UserOut.model_validate(user)


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(
    body: schemas.PasswordChangeIn, principal: CurrentUser, db: DbDep, settings: SettingsDep
) -> None:
    """Change the password; every other sign-in of this user is ended."""
    assert principal.session_id is not None
    await auth.change_password(
        db,
        settings,
        principal.actor,
        principal.session_id,
        body.current_password,
        body.new_password,
    )


@router.get("/audit-events")
async def my_account_events(
    principal: CurrentUser, db: DbDep, cursor: Cursor = None, limit: Limit = PAGE_SIZE
) -> PageOut[AuditEventOut]:
    """This account's own security events (sign-ins, failed attempts, sign-outs), newest first."""
    assert principal.user is not None
    page = await audit_queries.list_account_events(db, principal.user.id, cursor, limit)
    return PageOut(
        items=[AuditEventOut.model_validate(e) for e in page.items], next_cursor=page.next_cursor
    )
