"""The scheduler: fires the due ticks of published `schedule` workflows.

Each process computes the due ticks itself (`triggers/schedule.py`); a tick is claimed by
inserting `schedule_ticks(workflow_id, tick_at)` (unique) in the same transaction that
creates its runs, so whichever process inserts it first fires it and the others' inserts
do nothing. A workflow's ticks count from its last claimed tick, or from when its live
version was published.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import ValidationError
from sqlalchemy import and_, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from relaydesk.db import Database
from relaydesk.db.base import utcnow
from relaydesk.db.upsert import ignoring_insert
from relaydesk.domains.automation.engine.starts import (
    Pinned,
    contacts_with_tags_txn,
    insert_runs_txn,
    run_values,
)
from relaydesk.domains.automation.graph import ScheduleParams, parse_trigger_params
from relaydesk.domains.automation.models import ScheduleTick, Workflow, WorkflowVersion
from relaydesk.domains.automation.triggers.schedule import due_ticks, next_tick

log = logging.getLogger(__name__)

# Claimed ticks older than this go, except each workflow's latest (ticks count from it).
_KEEP_TICKS = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class _Scheduled:
    pinned: Pinned
    params: ScheduleParams
    published_at: datetime


@dataclass(frozen=True, slots=True)
class Fired:
    ticks: int
    runs: int
    next_due: datetime | None


class Scheduler:
    def __init__(
        self,
        db: Database,
        claimed_by: str,
        *,
        grace: timedelta,
        backfill_max: int,
        max_contacts: int,
    ) -> None:
        self._db = db
        self._claimed_by = claimed_by
        self._grace = grace
        self._backfill_max = backfill_max
        self._max_contacts = max_contacts
        # version id -> its schedule params (None: not a schedule trigger); versions never change.
        self._params: dict[uuid.UUID, ScheduleParams | None] = {}

    async def fire_due(self, now: datetime | None = None) -> Fired:
        """Claim and fire every due tick; when the next one is due."""
        now = now or utcnow()
        scheduled = await self._scheduled()
        if not scheduled:
            return Fired(0, 0, None)
        async with self._db.read("automation_schedule_last") as s:
            rows = await s.execute(
                select(ScheduleTick.workflow_id, func.max(ScheduleTick.tick_at))
                .where(ScheduleTick.workflow_id.in_([w.pinned.workflow_id for w in scheduled]))
                .group_by(ScheduleTick.workflow_id)
            )
            last = {r[0]: r[1] for r in rows}
        ticks = runs = 0
        next_due: datetime | None = None
        for item in scheduled:
            params = item.params
            claimed = last.get(item.pinned.workflow_id)
            since = max(claimed, item.published_at) if claimed else item.published_at
            due = due_ticks(
                params.cron,
                params.timezone,
                since=since,
                now=now,
                backfill=params.backfill,
                grace=self._grace,
                cap=self._backfill_max,
            )
            if due.dropped:
                log.warning(
                    "workflow %s missed more than %d schedule ticks; the oldest are not fired",
                    item.pinned.workflow_id,
                    self._backfill_max,
                )
            for tick in due.ticks:
                started = await self._fire(item, tick)
                if started is not None:
                    ticks += 1
                    runs += started
            upcoming = next_tick(params.cron, params.timezone, now)
            if upcoming is not None and (next_due is None or upcoming < next_due):
                next_due = upcoming
        return Fired(ticks, runs, next_due)

    async def _scheduled(self) -> list[_Scheduled]:
        async with self._db.read("automation_schedules") as s:
            rows = (
                await s.execute(
                    select(
                        Workflow.workspace_id,
                        Workflow.id,
                        WorkflowVersion.id,
                        WorkflowVersion.version,
                        WorkflowVersion.created_at,
                    )
                    .join(
                        WorkflowVersion,
                        and_(
                            WorkflowVersion.workflow_id == Workflow.id,
                            WorkflowVersion.version == Workflow.published_version,
                        ),
                    )
                    .where(Workflow.status == "published")
                )
            ).all()
            unknown = [r[2] for r in rows if r[2] not in self._params]
            if unknown:
                graphs = await s.execute(
                    select(WorkflowVersion.id, WorkflowVersion.graph).where(
                        WorkflowVersion.id.in_(unknown)
                    )
                )
                for version_id, graph in graphs:
                    self._params[version_id] = _schedule_params(graph)
        found = []
        for workspace_id, workflow_id, version_id, version, published_at in rows:
            params = self._params.get(version_id)
            if params is not None:
                pinned = Pinned(workspace_id, workflow_id, version_id, version, "schedule")
                found.append(_Scheduled(pinned, params, published_at))
        return found

    async def _fire(self, item: _Scheduled, tick: datetime) -> int | None:
        """The tick's runs, or None when another process (or an earlier pass) claimed it."""
        pinned = item.pinned
        async with self._db.write("automation_schedule_tick") as s:
            live = await s.scalar(
                select(Workflow.published_version).where(
                    Workflow.id == pinned.workflow_id, Workflow.status == "published"
                )
            )
            if live != pinned.version:
                return None  # unpublished or republished since it was read
            if not await _claim_txn(s, pinned.workflow_id, tick, self._claimed_by):
                return None
            trigger = {"tick_at": tick.isoformat()}
            tags = item.params.contact_tags
            if not tags:
                return await insert_runs_txn(s, [run_values(pinned, trigger=trigger)])
            contacts = await contacts_with_tags_txn(
                s, pinned.workspace_id, tags, self._max_contacts + 1
            )
            if len(contacts) > self._max_contacts:
                log.warning(
                    "workflow %s: more than %d contacts have tags %s; the tick starts runs "
                    "for the first %d",
                    pinned.workflow_id,
                    self._max_contacts,
                    tags,
                    self._max_contacts,
                )
                contacts = contacts[: self._max_contacts]
            values = [run_values(pinned, contact_id=c, trigger=trigger) for c in contacts]
            return await insert_runs_txn(s, values)

    async def prune(self, now: datetime | None = None) -> None:
        """Drop old claimed ticks, keeping each workflow's latest."""
        cutoff = (now or utcnow()) - _KEEP_TICKS
        other = aliased(ScheduleTick)
        latest = (
            select(func.max(other.tick_at))
            .where(other.workflow_id == ScheduleTick.workflow_id)
            .scalar_subquery()
        )
        async with self._db.write("automation_schedule_prune") as s:
            await s.execute(
                delete(ScheduleTick).where(
                    ScheduleTick.tick_at < cutoff, ScheduleTick.tick_at < latest
                )
            )


def _schedule_params(graph: dict[str, object]) -> ScheduleParams | None:
    trigger = graph.get("trigger")
    if not isinstance(trigger, dict) or trigger.get("type") != "schedule":
        return None
    try:
        params = parse_trigger_params("schedule", trigger.get("params") or {})
    except ValidationError:
        return None
    return params if isinstance(params, ScheduleParams) else None


async def _claim_txn(s: AsyncSession, workflow_id: uuid.UUID, tick: datetime, by: str) -> bool:
    inserted = await s.scalar(
        ignoring_insert(s, ScheduleTick)
        .values(workflow_id=workflow_id, tick_at=tick, claimed_by=by, created_at=utcnow())
        .returning(ScheduleTick.id)
    )
    return inserted is not None
