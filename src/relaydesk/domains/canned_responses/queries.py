"""Reads of canned responses. Every read takes the workspace id first."""

from __future__ import annotations

import uuid

from sqlalchemy import func, or_, select

from relaydesk.db import Database
from relaydesk.db.pagination import Page, decode_cursor, page_of
from relaydesk.domains.canned_responses.models import CannedResponse


async def list_canned_responses(
    db: Database, workspace_id: uuid.UUID, q: str | None, cursor: str | None, limit: int
) -> Page[CannedResponse]:
    """By shortcut (unique in a workspace, so it alone is the keyset); `q` is a
    case-insensitive part of the shortcut, title or body."""
    stmt = select(CannedResponse).where(CannedResponse.workspace_id == workspace_id)
    if q:
        needle = q.lower()
        stmt = stmt.where(
            or_(
                *(
                    func.lower(column).contains(needle, autoescape=True)
                    for column in (
                        CannedResponse.shortcut,
                        CannedResponse.title,
                        CannedResponse.body,
                    )
                )
            )
        )
    if cursor:
        (after,) = decode_cursor(cursor, 1)
        stmt = stmt.where(CannedResponse.shortcut > str(after))
    stmt = stmt.order_by(CannedResponse.shortcut).limit(limit + 1)
    async with db.read("list_canned_responses") as s:
        rows = (await s.scalars(stmt)).all()
    page = page_of(rows, limit, lambda r: (r.shortcut,))
    return Page(items=page.items, next_cursor=page.next_cursor)
