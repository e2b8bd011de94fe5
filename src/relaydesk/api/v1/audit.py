"""The workspace's audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from relaydesk.api.deps import PAGE_SIZE, Cursor, DbDep, Limit, workspace_access
from relaydesk.api.v1.pages import PageOut
from relaydesk.domains.audit import queries
from relaydesk.domains.audit.schemas import AuditEventOut
from relaydesk.domains.workspaces.access import WorkspaceAccess
from relaydesk.domains.workspaces.roles import Permission

router = APIRouter(prefix="/workspaces/{workspace_id}/audit-events", tags=["audit"])
ReadAudit = Annotated[WorkspaceAccess, Depends(workspace_access(Permission.audit_read))]


@router.get("")
async def list_audit_events(
    access: ReadAudit,
    db: DbDep,
    cursor: Cursor = None,
    limit: Limit = PAGE_SIZE,
    action: Annotated[str | None, Query(max_length=64)] = None,
) -> PageOut[AuditEventOut]:
    """Newest first; filter by `action` (e.g. `api_key.created`)."""
    page = await queries.list_events(db, access.workspace_id, cursor, limit, action)
    return PageOut(
        items=[AuditEventOut.model_validate(e) for e in page.items], next_cursor=page.next_cursor
    )
