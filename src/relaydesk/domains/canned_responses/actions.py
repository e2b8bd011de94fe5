"""The only writers of canned responses: members who manage the workspace create, change and
delete them; every change is audited."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db import Database
from relaydesk.db.base import utcnow
from relaydesk.db.scoped import get_in_workspace_txn
from relaydesk.domains.actor import Actor
from relaydesk.domains.audit.actions import record_txn
from relaydesk.domains.canned_responses.error_codes import CannedResponseError
from relaydesk.domains.canned_responses.models import CannedResponse
from relaydesk.domains.canned_responses.schemas import CannedResponseIn, CannedResponseUpdateIn
from relaydesk.domains.workspaces.access import require_txn
from relaydesk.domains.workspaces.roles import Permission
from relaydesk.errors import AppError

# Saved replies are workspace settings: admins manage them, every member uses them.
MANAGE = Permission.workspace_manage


def _taken(shortcut: str) -> AppError:
    return AppError(CannedResponseError.SHORTCUT_TAKEN, f"shortcut {shortcut!r} is taken")


async def _check_shortcut_free_txn(
    s: AsyncSession, workspace_id: uuid.UUID, shortcut: str, own_id: uuid.UUID | None = None
) -> None:
    stmt = select(CannedResponse.id).where(
        CannedResponse.workspace_id == workspace_id, CannedResponse.shortcut == shortcut
    )
    if own_id is not None:
        stmt = stmt.where(CannedResponse.id != own_id)
    if await s.scalar(stmt) is not None:
        raise _taken(shortcut)


def _record_txn(
    s: AsyncSession, actor: Actor, action: str, row: CannedResponse, data: dict[str, Any]
) -> None:
    record_txn(
        s,
        actor,
        action,
        workspace_id=row.workspace_id,
        target_type="canned_response",
        target_id=row.id,
        data=data,
    )


async def create_canned_response(
    db: Database, actor: Actor, workspace_id: uuid.UUID, body: CannedResponseIn
) -> CannedResponse:
    now = utcnow()
    try:
        async with db.write("create_canned_response") as s:
            await require_txn(s, actor, workspace_id, MANAGE)
            await _check_shortcut_free_txn(s, workspace_id, body.shortcut)
            row = CannedResponse(
                id=uuid.uuid4(),
                workspace_id=workspace_id,
                shortcut=body.shortcut,
                title=body.title,
                body=body.body,
                created_at=now,
                updated_at=now,
            )
            s.add(row)
            await s.flush()
            _record_txn(s, actor, "canned_response.created", row, {"shortcut": row.shortcut})
    except IntegrityError:
        # A concurrent writer took the shortcut between our check and our insert.
        raise _taken(body.shortcut) from None
    return row


async def update_canned_response(
    db: Database,
    actor: Actor,
    workspace_id: uuid.UUID,
    canned_response_id: uuid.UUID,
    body: CannedResponseUpdateIn,
) -> CannedResponse:
    """Only the fields sent change; sending the same values again changes nothing."""
    sent = body.model_fields_set
    try:
        async with db.write("update_canned_response") as s:
            await require_txn(s, actor, workspace_id, MANAGE)
            row = await get_in_workspace_txn(
                s, CannedResponse, workspace_id, canned_response_id, "canned response", lock=True
            )
            changed = [
                name
                for name in ("shortcut", "title", "body")
                if name in sent and getattr(body, name) != getattr(row, name)
            ]
            if not changed:
                return row
            if "shortcut" in changed and body.shortcut is not None:
                await _check_shortcut_free_txn(s, workspace_id, body.shortcut, row.id)
            for name in changed:
                setattr(row, name, getattr(body, name))
            row.updated_at = utcnow()
            await s.flush()
            _record_txn(
                s,
                actor,
                "canned_response.updated",
                row,
                {"shortcut": row.shortcut, "fields": changed},
            )
    except IntegrityError:
        raise _taken(body.shortcut or "") from None
    return row


async def delete_canned_response(
    db: Database, actor: Actor, workspace_id: uuid.UUID, canned_response_id: uuid.UUID
) -> None:
    async with db.write("delete_canned_response") as s:
        await require_txn(s, actor, workspace_id, MANAGE)
        row = await get_in_workspace_txn(
            s, CannedResponse, workspace_id, canned_response_id, "canned response", lock=True
        )
        _record_txn(s, actor, "canned_response.deleted", row, {"shortcut": row.shortcut})
        await s.delete(row)
