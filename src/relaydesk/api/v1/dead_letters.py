"""Dead letters: inbound payloads (or items of them) that could not be processed. Admins see
them and replay them (the raw body is queued again)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, Field

from relaydesk.api.deps import PAGE_SIZE, Cursor, DbDep, Limit, workspace_access
from relaydesk.api.v1.pages import PageOut
from relaydesk.db.scoped import get_in_workspace, list_in_workspace
from relaydesk.domains.channels import inbox
from relaydesk.domains.channels.models import DeadLetter
from relaydesk.domains.workspaces.access import WorkspaceAccess
from relaydesk.domains.workspaces.roles import Permission

router = APIRouter(prefix="/workspaces/{workspace_id}/dead-letters", tags=["channels"])
Manage = Annotated[WorkspaceAccess, Depends(workspace_access(Permission.workspace_manage))]


class DeadLetterOut(BaseModel):
    id: uuid.UUID
    channel_id: uuid.UUID
    inbox_id: uuid.UUID | None
    reason: str
    item: Any | None = Field(description="The item of the payload that failed, when known.")
    size: int = Field(description="Bytes of the raw payload.")
    replay_count: int
    replayed_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, letter: DeadLetter) -> DeadLetterOut:
        return cls(
            id=letter.id,
            channel_id=letter.channel_id,
            inbox_id=letter.inbox_id,
            reason=letter.reason,
            item=letter.item,
            size=len(letter.body),
            replay_count=letter.replay_count,
            replayed_at=letter.replayed_at,
            created_at=letter.created_at,
        )


class DeadLetterDetailOut(DeadLetterOut):
    body: str = Field(description="The raw payload as received (invalid UTF-8 replaced).")

    @classmethod
    def of(cls, letter: DeadLetter) -> DeadLetterDetailOut:
        summary = DeadLetterOut.of(letter).model_dump()
        return cls(**summary, body=letter.body.decode("utf-8", errors="replace"))


@router.get("")
async def list_dead_letters(
    access: Manage,
    db: DbDep,
    channel_id: Annotated[uuid.UUID | None, Query(description="Only this channel's.")] = None,
    cursor: Cursor = None,
    limit: Limit = PAGE_SIZE,
) -> PageOut[DeadLetterOut]:
    """Newest first."""
    only = [DeadLetter.channel_id == channel_id] if channel_id is not None else []
    page = await list_in_workspace(db, DeadLetter, access.workspace_id, cursor, limit, *only)
    return PageOut(items=[DeadLetterOut.of(r) for r in page.items], next_cursor=page.next_cursor)


@router.get("/{dead_letter_id}")
async def get_dead_letter(
    dead_letter_id: uuid.UUID, access: Manage, db: DbDep
) -> DeadLetterDetailOut:
    letter = await get_in_workspace(
        db, DeadLetter, access.workspace_id, dead_letter_id, "dead letter"
    )
    return DeadLetterDetailOut.of(letter)


@router.post("/{dead_letter_id}/replay", status_code=status.HTTP_202_ACCEPTED)
async def replay_dead_letter(dead_letter_id: uuid.UUID, access: Manage, db: DbDep) -> DeadLetterOut:
    """Queue the raw payload again; the inbox worker processes it like a new delivery
    (messages already stored are not stored twice). An item that still cannot be read comes
    back as a new dead letter."""
    letter = await inbox.replay_dead_letter(db, access.actor, access.workspace_id, dead_letter_id)
    return DeadLetterOut.of(letter)
