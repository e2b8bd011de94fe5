"""Search endpoints (under /workspaces/{workspace_id})."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from relaydesk.api.deps import Cursor, DbDep, ReadAccess
from relaydesk.db.pagination import MAX_LIMIT
from relaydesk.domains.search import queries
from relaydesk.domains.search.schemas import SearchOut, SearchQuery, SearchType

router = APIRouter(prefix="/workspaces/{workspace_id}", tags=["search"])

SEARCH_PAGE_SIZE = 20


@router.get("/search")
async def search(
    access: ReadAccess,
    db: DbDep,
    q: Annotated[
        SearchQuery,
        Query(description="Text to find: a case-insensitive substring (1 to 200 characters)."),
    ],
    type: Annotated[
        SearchType | None, Query(description="Search one type only; required with `cursor`.")
    ] = None,
    conversation_id: Annotated[
        uuid.UUID | None, Query(description="Only messages of this conversation.")
    ] = None,
    channel_id: Annotated[
        uuid.UUID | None, Query(description="Only messages of this channel.")
    ] = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Hits per type.")] = (
        SEARCH_PAGE_SIZE
    ),
) -> SearchOut:
    """Messages and contacts of the workspace that contain `q`, each newest first."""
    return await queries.search(
        db,
        access.workspace_id,
        q,
        type=type,
        conversation_id=conversation_id,
        channel_id=channel_id,
        cursor=cursor,
        limit=limit,
    )
