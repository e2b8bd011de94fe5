"""The trigger consumer: reads the outbox by position and starts runs.

In one transaction it reads the next range of positions after its cursor, derives the
occurrences, matches them against the trigger index, inserts the runs and moves the cursor:
a crash loses no run and starts none twice. One consumer at a time across processes: on
PostgreSQL an advisory lock held until commit, on SQLite the single writer.

Loop guard: an event caused by a run (actor `automation`, id = run id) never starts that
run's workflow, and a run it starts is one deeper; past `automation_max_depth` a `skipped`
run with reason `automation.loop_guard` is written instead, so the cut shows in history.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db import Database
from relaydesk.db.base import utcnow
from relaydesk.domains.automation.engine.awaiting import resume_waiting_answers_txn
from relaydesk.domains.automation.error_codes import LOOP_GUARD
from relaydesk.domains.automation.models import WorkflowRun
from relaydesk.domains.automation.triggers import outbox_log
from relaydesk.domains.automation.triggers.derive import EVENT_TYPES, derive_txn, event_types_for
from relaydesk.domains.automation.triggers.index import TriggerIndex
from relaydesk.events.published import PublishedEvent

CURSOR = "triggers"
# pg_advisory_xact_lock key: "RD_AUTOM" in a 64-bit integer, fixed forever.
_ADVISORY_KEY = 0x52445F4155544F4D


@dataclass(frozen=True)
class Consumed:
    scanned: int
    runs: int


async def init_cursor(db: Database) -> None:
    await outbox_log.init_cursor(db, CURSOR)


async def consume_once(
    db: Database, index: TriggerIndex, *, batch_size: int, max_depth: int
) -> Consumed:
    async def interested(
        s: AsyncSession, workspace_ids: set[uuid.UUID]
    ) -> dict[uuid.UUID, set[str]]:
        # All of them, for messages at least: a run waiting for an answer outlives its
        # workflow's triggers.
        await index.refresh_txn(s, workspace_ids)
        return {ws: event_types_for(index.types(ws)) for ws in workspace_ids}

    async with outbox_log.next_batch(
        db, CURSOR, _ADVISORY_KEY, batch_size, EVENT_TYPES, interested
    ) as batch:
        s, events = batch.s, batch.events
        runs = 0
        if events:
            runs = await _start_runs_txn(s, index, events, max_depth)
            runs += await resume_waiting_answers_txn(s, events)  # ask_question's answers
    return Consumed(batch.read, runs)


async def _start_runs_txn(
    s: AsyncSession, index: TriggerIndex, events: list[PublishedEvent], max_depth: int
) -> int:
    interested = [e for e in events if index.types(e.workspace_id)]
    if not interested:
        return 0
    occurrences = await derive_txn(s, interested)
    matched = [(o, entry) for o in occurrences for entry in index.match(o)]
    if not matched:
        return 0
    parent_ids = {
        uuid.UUID(o.actor_id) for o, _ in matched if o.actor_type == "automation" and o.actor_id
    }
    parents: dict[uuid.UUID, tuple[uuid.UUID, int]] = {}
    if parent_ids:
        rows = await s.execute(
            select(WorkflowRun.id, WorkflowRun.workflow_id, WorkflowRun.depth).where(
                WorkflowRun.id.in_(parent_ids)
            )
        )
        parents = {r[0]: (r[1], r[2]) for r in rows}
    now = utcnow()
    values = []
    for occurrence, entry in matched:
        parent_id = (
            uuid.UUID(occurrence.actor_id)
            if occurrence.actor_type == "automation" and occurrence.actor_id
            else None
        )
        depth = 0
        if parent_id is not None:
            parent = parents.get(parent_id)
            if parent is not None:
                if parent[0] == entry.workflow_id:
                    continue  # a run never triggers its own workflow
                depth = parent[1] + 1
        skipped = depth > max_depth
        values.append(
            {
                "id": uuid.uuid4(),
                "workspace_id": occurrence.workspace_id,
                "workflow_id": entry.workflow_id,
                "version_id": entry.version_id,
                "version": entry.version,
                "state": "skipped" if skipped else "pending",
                "reason": LOOP_GUARD if skipped else None,
                "error": None,
                "contact_id": occurrence.contact_id,
                "conversation_id": occurrence.conversation_id,
                "trigger_type": occurrence.kind,
                "context": {"trigger": occurrence.data, "vars": {}},
                "current_node": None,
                "attempts": 0,
                "parent_run_id": parent_id,
                "depth": depth,
                "event_position": occurrence.position,
                "wake_at": None if skipped else now,
                "claimed_by": None,
                "lease_until": None,
                "started_at": None,
                "finished_at": now if skipped else None,
                "created_at": now,
            }
        )
    if values:
        await s.execute(insert(WorkflowRun), values)
    return sum(1 for v in values if v["state"] == "pending")
