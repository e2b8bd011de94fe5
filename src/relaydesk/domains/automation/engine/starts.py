"""Runs started without an outbox event (schedule ticks, webhook calls, manual starts):
the rows, inserted in batches inside the caller's transaction, and the contacts a tag
filter selects. The session is marked so that the engine's runner wakes after the commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db.base import utcnow
from relaydesk.domains.automation.models import WorkflowRun
from relaydesk.domains.contacts.models import ContactTag

# session.info key: the commit started runs, the runner should look now.
RUNS_STARTED = "automation_runs_started"
_INSERT_BATCH = 1000


@dataclass(frozen=True, slots=True)
class Pinned:
    """A workflow's live version, which new runs are pinned to."""

    workspace_id: uuid.UUID
    workflow_id: uuid.UUID
    version_id: uuid.UUID
    version: int
    trigger_type: str


def run_values(
    pinned: Pinned,
    *,
    contact_id: uuid.UUID | None = None,
    conversation_id: uuid.UUID | None = None,
    trigger: dict[str, Any] | None = None,
    dry_run: bool = False,
    idempotency_key: str | None = None,
    run_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    now = utcnow()
    return {
        "id": run_id or uuid.uuid4(),
        "workspace_id": pinned.workspace_id,
        "workflow_id": pinned.workflow_id,
        "version_id": pinned.version_id,
        "version": pinned.version,
        "state": "pending",
        "reason": None,
        "error": None,
        "contact_id": contact_id,
        "conversation_id": conversation_id,
        "trigger_type": pinned.trigger_type,
        "context": {"trigger": trigger or {}, "vars": {}},
        "current_node": None,
        "attempts": 0,
        "parent_run_id": None,
        "depth": 0,
        "event_position": None,
        "wake_at": now,
        "claimed_by": None,
        "lease_until": None,
        "started_at": None,
        "finished_at": None,
        "created_at": now,
        "dry_run": dry_run,
        "idempotency_key": idempotency_key,
    }


async def insert_runs_txn(s: AsyncSession, values: Sequence[dict[str, Any]]) -> int:
    for start in range(0, len(values), _INSERT_BATCH):
        await s.execute(insert(WorkflowRun), list(values[start : start + _INSERT_BATCH]))
    if values:
        s.info[RUNS_STARTED] = True
    return len(values)


async def contacts_with_tags_txn(
    s: AsyncSession, workspace_id: uuid.UUID, tags: Iterable[str], limit: int
) -> list[uuid.UUID]:
    """Contacts having every one of `tags` (by id); at most `limit`."""
    wanted = sorted(set(tags))
    rows = await s.scalars(
        select(ContactTag.contact_id)
        .where(ContactTag.workspace_id == workspace_id, ContactTag.tag.in_(wanted))
        .group_by(ContactTag.contact_id)
        .having(func.count(ContactTag.tag) == len(wanted))
        .order_by(ContactTag.contact_id)
        .limit(limit)
    )
    return list(rows)
