"""The engine of one process: the trigger consumer, the runner and the pruner, on the
application's event loop, woken after commits rather than by sleeping per run."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db import Database
from relaydesk.db.base import utcnow
from relaydesk.db.database import shielded
from relaydesk.domains.automation.engine.batching import BatchSizer
from relaydesk.domains.automation.engine.runner import Graphs, release_claims, run_due
from relaydesk.domains.automation.engine.scheduler import Scheduler
from relaydesk.domains.automation.engine.starts import RUNS_STARTED
from relaydesk.domains.automation.engine.waiting import WaitingTimers
from relaydesk.domains.automation.models import WorkflowRun
from relaydesk.domains.automation.triggers.consumer import consume_once, init_cursor
from relaydesk.domains.automation.triggers.index import TriggerIndex
from relaydesk.events.outbox import OUTBOX_WRITTEN
from relaydesk.runtime.executor import claim_prefix, executor_id, new_claim_id
from relaydesk.settings import Settings

log = logging.getLogger(__name__)

_RETRY_SECONDS = 1.0
_PRUNE_EVERY = timedelta(hours=1)
# PostgreSQL positions events just after their commit: a woken consumer that finds
# nothing yet looks again a few times, briefly.
_POSITION_RETRIES = (0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32)


class AutomationEngine:
    def __init__(self, db: Database, settings: Settings) -> None:
        self._db = db
        self._settings = settings
        self._executor = executor_id(settings)
        self._claim_id = new_claim_id(self._executor)
        self.index = TriggerIndex()
        self._graphs = Graphs()
        self._consumer_wake = asyncio.Event()
        self._runner_wake = asyncio.Event()
        self._schedule_wake = asyncio.Event()
        self._waiting = WaitingTimers(db, settings, self._runner_wake)
        self.scheduler = Scheduler(
            db,
            self._claim_id,
            grace=timedelta(seconds=2 * settings.automation_schedule_poll_seconds),
            backfill_max=settings.automation_schedule_backfill_max,
            max_contacts=settings.automation_bulk_max_contacts,
        )
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False

    async def start(self) -> None:
        if not self._settings.automation_enabled:
            return
        await init_cursor(self._db)
        await release_claims(self._db, claim_prefix(self._executor))
        self._db.add_commit_listener(self._on_commit)
        self._tasks = [
            asyncio.create_task(self._consume_loop(), name="relaydesk-automation-consumer"),
            asyncio.create_task(self._run_loop(), name="relaydesk-automation-runner"),
            asyncio.create_task(self._prune_loop(), name="relaydesk-automation-pruner"),
            asyncio.create_task(self._schedule_loop(), name="relaydesk-automation-scheduler"),
            asyncio.create_task(self._waiting.run(), name="relaydesk-automation-waiting"),
        ]

    async def stop(self) -> None:
        self._db.remove_commit_listener(self._on_commit)
        self._stopping = True
        self._consumer_wake.set()
        self._runner_wake.set()
        self._schedule_wake.set()
        self._waiting.stop()
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            if task.get_name() == "relaydesk-automation-pruner":
                task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _on_commit(self, session: AsyncSession) -> None:
        if session.info.get(OUTBOX_WRITTEN):
            self._consumer_wake.set()
            self._waiting.wake()
        if session.info.get(RUNS_STARTED):
            self._runner_wake.set()

    async def _wait(self, event: asyncio.Event, seconds: float) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), max(seconds, 0.0))
            return True
        return False

    async def _consume_loop(self) -> None:
        settings = self._settings
        woken = True
        while not self._stopping:
            self._consumer_wake.clear()
            try:
                found = await self._consume_all()
                if not found and woken and not self._db.is_sqlite:
                    for delay in _POSITION_RETRIES:
                        await asyncio.sleep(delay)
                        if await self._consume_all() or self._stopping:
                            break
            except Exception:
                log.exception("automation trigger consumer failed; retrying")
                await self._wait(self._consumer_wake, _RETRY_SECONDS)
                continue
            woken = await self._wait(self._consumer_wake, settings.automation_poll_seconds)

    async def _consume_all(self) -> int:
        settings = self._settings
        total = 0
        while not self._stopping:
            consumed = await shielded(
                consume_once(
                    self._db,
                    self.index,
                    batch_size=settings.outbox_batch_size,
                    max_depth=settings.automation_max_depth,
                )
            )
            total += consumed.scanned
            if consumed.runs:
                self._runner_wake.set()
            if consumed.scanned < settings.outbox_batch_size:
                break
        return total

    async def _run_loop(self) -> None:
        settings = self._settings
        sizer = BatchSizer(settings.automation_batch_size, settings.automation_batch_seconds)
        while not self._stopping:
            self._runner_wake.clear()
            try:
                while not self._stopping:
                    advanced = await shielded(
                        run_due(
                            self._db,
                            self._graphs,
                            settings,
                            self._claim_id,
                            batch_size=sizer.size,
                            lease_seconds=settings.automation_lease_seconds,
                        )
                    )
                    sizer.record(advanced.taken, advanced.seconds)
                    if not advanced.taken:
                        break
                due = await shielded(self._next_due())
            except Exception:
                log.exception("automation runner failed; retrying")
                await self._wait(self._runner_wake, _RETRY_SECONDS)
                continue
            timeout = settings.automation_poll_seconds
            if due is not None:
                timeout = min(timeout, (due - utcnow()).total_seconds())
            await self._wait(self._runner_wake, timeout)

    async def _next_due(self) -> datetime | None:
        async with self._db.read("automation_next_due") as s:
            return await s.scalar(
                select(func.min(WorkflowRun.wake_at)).where(
                    WorkflowRun.state.in_(("pending", "waiting"))
                )
            )

    async def _schedule_loop(self) -> None:
        poll = self._settings.automation_schedule_poll_seconds
        pruned = utcnow()
        while not self._stopping:
            timeout = poll
            try:
                fired = await shielded(self.scheduler.fire_due())
                if fired.runs:
                    self._runner_wake.set()
                if fired.next_due is not None:
                    # Wake at the next tick itself, so a tick fires on time, not a poll late.
                    timeout = min(poll, (fired.next_due - utcnow()).total_seconds())
                if utcnow() - pruned > _PRUNE_EVERY:
                    pruned = utcnow()
                    await shielded(self.scheduler.prune())
            except Exception:
                log.exception("automation scheduler failed; retrying")
                timeout = _RETRY_SECONDS
            await self._wait(self._schedule_wake, timeout)

    async def _prune_loop(self) -> None:
        days = self._settings.automation_prune_days
        if days <= 0:
            return
        while not self._stopping:
            try:
                async with self._db.write("automation_prune") as s:
                    await s.execute(
                        delete(WorkflowRun).where(
                            WorkflowRun.state.in_(("completed", "failed", "stopped", "skipped")),
                            WorkflowRun.created_at < utcnow() - timedelta(days=days),
                        )
                    )
            except Exception:
                log.exception("pruning workflow runs failed")
            await asyncio.sleep(_PRUNE_EVERY.total_seconds())
