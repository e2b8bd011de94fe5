"""Tenant-scoped reads: every lookup of a workspace's row names the workspace.

A row of another workspace is indistinguishable from a missing one: both raise 404.
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db import Database
from relaydesk.db.base import TenantMixin
from relaydesk.db.pagination import Page, page_of, paginate_desc
from relaydesk.errors import not_found

M = TypeVar("M", bound=TenantMixin)


async def get_in_workspace_txn(
    s: AsyncSession,
    model: type[M],
    workspace_id: uuid.UUID,
    row_id: uuid.UUID,
    what: str,
    *,
    lock: bool = False,
) -> M:
    stmt = select(model).where(model.workspace_id == workspace_id, model.id == row_id)
    row = await s.scalar(stmt.with_for_update() if lock else stmt)
    if row is None:
        raise not_found(what)
    return row


async def get_in_workspace(
    db: Database, model: type[M], workspace_id: uuid.UUID, row_id: uuid.UUID, what: str
) -> M:
    async with db.read(f"get_{model.__name__.lower()}") as s:
        return await get_in_workspace_txn(s, model, workspace_id, row_id, what)


async def list_in_workspace(
    db: Database,
    model: type[M],
    workspace_id: uuid.UUID,
    cursor: str | None,
    limit: int,
    *where: ColumnElement[bool],
) -> Page[M]:
    """Newest first, keyset-paginated on (created_at, id); `where` narrows the rows."""
    stmt = paginate_desc(
        select(model).where(model.workspace_id == workspace_id, *where),
        [model.created_at, model.id],
        cursor,
        limit,
    )
    async with db.read(f"list_{model.__name__.lower()}") as s:
        rows: Any = (await s.scalars(stmt)).all()
    return page_of(rows, limit, lambda r: (r.created_at, r.id))
