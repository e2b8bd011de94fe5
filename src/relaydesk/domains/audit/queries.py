"""Reads of the audit log, newest first."""

from __future__ import annotations

import uuid

from sqlalchemy import and_, or_, select

from relaydesk.db import Database
from relaydesk.db.pagination import Page, page_of, paginate_desc
from relaydesk.domains.audit.models import AuditEvent


async def list_events(
    db: Database,
    workspace_id: uuid.UUID,
    cursor: str | None,
    limit: int,
    action: str | None = None,
) -> Page[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.workspace_id == workspace_id)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    async with db.read("list_audit_events") as s:
        rows = (await s.scalars(paginate_desc(stmt, [AuditEvent.id], cursor, limit))).all()
    return page_of(rows, limit, lambda r: (r.id,))


async def list_account_events(
    db: Database, user_id: uuid.UUID, cursor: str | None, limit: int
) -> Page[AuditEvent]:
    """Events of one account outside any workspace: sign-ins, failures, sign-outs."""
    me = str(user_id)
    stmt = select(AuditEvent).where(
        AuditEvent.workspace_id.is_(None),
        or_(
            and_(AuditEvent.actor_type == "user", AuditEvent.actor_id == me),
            and_(AuditEvent.target_type == "user", AuditEvent.target_id == me),
        ),
    )
    async with db.read("list_account_events") as s:
        rows = (await s.scalars(paginate_desc(stmt, [AuditEvent.id], cursor, limit))).all()
    return page_of(rows, limit, lambda r: (r.id,))
