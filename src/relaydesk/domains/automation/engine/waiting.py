"""Timers of the `customer_waiting` and `agent_waiting` triggers.

Arming: a loop reads `message.created` events from the outbox after its own cursor (a row
of `automation_cursor`), and in one transaction per batch arms, re-arms or disarms the
timers and moves the cursor, so a crash neither loses nor repeats a timer. A timer is a
run of the workflow in state `waiting` with `current_node` null (no node executed yet) and
`wake_at` the due time, one per (workflow, conversation):

- an inbound message arms `customer_waiting` (re-arming moves an armed run's `wake_at`
  to the new message's due time: one fire per unanswered wait) and disarms `agent_waiting`;
- an outbound message (an agent's or an automation's) disarms `customer_waiting` and arms
  `agent_waiting`, except for the workflow whose own run sent it (no self-loop).

Disarming ends the armed run as `skipped` with reason `automation.replied`. When the run
is due the runner calls `guard_txn` before its first node: the condition is checked again
in the database, so a reply that the loop has not read yet still stops it.

Due time: the message's time plus `minutes` times `automation_wait_unit_seconds`, counted in
the workspace's business hours when `business_hours` is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db import Database
from relaydesk.db.base import utcnow
from relaydesk.db.database import shielded
from relaydesk.domains.automation.business_hours import BusinessHoursIn, add_business_time
from relaydesk.domains.automation.engine.state import RunState
from relaydesk.domains.automation.error_codes import LOOP_GUARD
from relaydesk.domains.automation.graph import WaitingParams
from relaydesk.domains.automation.models import WorkflowRun
from relaydesk.domains.automation.queries import schedule_txn
from relaydesk.domains.automation.triggers import outbox_log
from relaydesk.domains.automation.triggers.base import Occurrence
from relaydesk.domains.automation.triggers.index import Entry, TriggerIndex
from relaydesk.domains.conversations.models import Conversation, Message
from relaydesk.events.published import PublishedEvent
from relaydesk.settings import Settings

log = logging.getLogger(__name__)

CURSOR = "waiting"
CUSTOMER = "customer_waiting"
AGENT = "agent_waiting"
WAITING_TRIGGERS = frozenset({CUSTOMER, AGENT})
# The outbox events the timers are armed and disarmed by.
WAITING_EVENT_TYPES = ("message.created",)
REPLIED = "automation.replied"
NOT_OPEN = "automation.conversation_not_open"
# A newer message of the same side arrived: its own timer counts instead.
SUPERSEDED = "automation.superseded"
# pg_advisory_xact_lock key: "RD_WAITS" in a 64-bit integer, fixed forever.
_ADVISORY_KEY = 0x52445F5741495453
_POSITION_RETRIES = (0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32)
_RETRY_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class _Seen:
    """The last message of one side in a conversation within a batch of events."""

    position: int
    message: dict[str, Any]
    actor_type: str
    actor_id: str | None


async def guard_txn(s: AsyncSession, run: RunState) -> str | None:
    """Why a due waiting-trigger run must not fire (None: it fires). Only an armed run
    (no node executed yet) is checked."""
    if run.trigger_type not in WAITING_TRIGGERS or run.current_node is not None:
        return None
    trigger = run.context.get("trigger", {})
    seq = trigger.get("message_seq")
    if run.conversation_id is None or seq is None:
        return None
    status = await s.scalar(
        select(Conversation.status).where(Conversation.id == run.conversation_id)
    )
    if run.trigger_type == CUSTOMER and status != "open":
        return NOT_OPEN
    if run.trigger_type == AGENT and status not in ("open", "pending"):
        return NOT_OPEN
    reply, same = ("out", "in") if run.trigger_type == CUSTOMER else ("in", "out")
    rows = await s.execute(
        select(Message.direction, func.count())
        .where(Message.conversation_id == run.conversation_id, Message.seq > int(seq))
        .group_by(Message.direction)
    )
    later: dict[str, int] = {str(r[0]): int(r[1]) for r in rows}
    if later.get(reply):
        return REPLIED
    if run.trigger_type == CUSTOMER and later.get(same):
        return SUPERSEDED
    return None


async def init_cursor(db: Database) -> None:
    """A new installation starts at the outbox's end: old messages arm nothing."""
    await outbox_log.init_cursor(db, CURSOR)


async def arm_once(
    db: Database, index: TriggerIndex, *, batch_size: int, unit_seconds: float, max_depth: int
) -> int:
    """Read the next batch of events after the cursor; returns how many positions."""

    async def interested(
        s: AsyncSession, workspace_ids: set[uuid.UUID]
    ) -> dict[uuid.UUID, set[str]]:
        await index.refresh_txn(s, workspace_ids)
        return {
            ws: set(WAITING_EVENT_TYPES)
            for ws in workspace_ids
            if index.types(ws) & WAITING_TRIGGERS
        }

    async with outbox_log.next_batch(
        db, CURSOR, _ADVISORY_KEY, batch_size, WAITING_EVENT_TYPES, interested
    ) as batch:
        if batch.events:
            await _apply_txn(batch.s, index, batch.events, unit_seconds, max_depth)
    return batch.read


async def _apply_txn(
    s: AsyncSession,
    index: TriggerIndex,
    events: list[PublishedEvent],
    unit_seconds: float,
    max_depth: int,
) -> None:
    # Per conversation, the last inbound and the last outbound message of the batch: later
    # messages supersede earlier ones, so each timer is touched once per batch.
    last: dict[tuple[uuid.UUID, str], _Seen] = {}
    workspaces: dict[uuid.UUID, uuid.UUID] = {}
    for event in events:
        message = event.payload["message"]
        conversation_id = uuid.UUID(message["conversation_id"])
        workspaces[conversation_id] = event.workspace_id
        last[(conversation_id, message["direction"])] = _Seen(
            event.position, message, event.actor_type, event.actor_id
        )
    contacts = dict(
        (
            await s.execute(
                select(Conversation.id, Conversation.contact_id).where(
                    Conversation.id.in_(set(workspaces))
                )
            )
        ).all()
    )
    parent_ids = {
        uuid.UUID(seen.actor_id)
        for seen in last.values()
        if seen.actor_type == "automation" and seen.actor_id
    }
    parents: dict[uuid.UUID, tuple[uuid.UUID, int]] = {}
    if parent_ids:
        found = await s.execute(
            select(WorkflowRun.id, WorkflowRun.workflow_id, WorkflowRun.depth).where(
                WorkflowRun.id.in_(parent_ids)
            )
        )
        parents = {r[0]: (r[1], r[2]) for r in found}
    schedules: dict[uuid.UUID, BusinessHoursIn | None] = {}
    now = utcnow()
    # Events in position order: an arm and a disarm of one timer in a batch apply in turn.
    for (conversation_id, direction), seen in sorted(last.items(), key=lambda i: i[1].position):
        workspace_id = workspaces[conversation_id]
        contact_id = contacts.get(conversation_id)
        if contact_id is None:
            continue  # the conversation is gone
        arms, disarms = (CUSTOMER, AGENT) if direction == "in" else (AGENT, CUSTOMER)
        probe = Occurrence(arms, workspace_id, seen.position, seen.actor_type, seen.actor_id)
        for entry in index.match(Occurrence(disarms, workspace_id, seen.position, "", None)):
            await _disarm_txn(s, entry, conversation_id, now)
        parent_id = (
            uuid.UUID(seen.actor_id) if seen.actor_type == "automation" and seen.actor_id else None
        )
        for entry in index.match(probe):
            depth = 0
            if parent_id is not None and parent_id in parents:
                if parents[parent_id][0] == entry.workflow_id:
                    continue  # a run's own message never arms its workflow again
                depth = parents[parent_id][1] + 1
            params: WaitingParams = entry.compiled  # type: ignore[assignment]
            sent_at = datetime.fromisoformat(seen.message["created_at"])
            duration = timedelta(seconds=params.minutes * unit_seconds)
            schedule = None
            if params.business_hours:
                if workspace_id not in schedules:
                    schedules[workspace_id] = await schedule_txn(s, workspace_id)
                schedule = schedules[workspace_id]
            due = add_business_time(schedule, sent_at, duration)
            if due is None:
                continue  # the schedule never opens long enough
            await _arm_txn(
                s,
                entry,
                workspace_id,
                contact_id,
                conversation_id,
                seen,
                due,
                now,
                parent_id,
                depth,
                max_depth,
            )


def _armed(entry: Entry, conversation_id: uuid.UUID) -> Any:
    return and_(
        WorkflowRun.workflow_id == entry.workflow_id,
        WorkflowRun.conversation_id == conversation_id,
        WorkflowRun.trigger_type == entry.trigger_type,
        WorkflowRun.state == "waiting",
        WorkflowRun.current_node.is_(None),
    )


async def _disarm_txn(
    s: AsyncSession, entry: Entry, conversation_id: uuid.UUID, now: datetime
) -> None:
    await s.execute(
        update(WorkflowRun)
        .where(_armed(entry, conversation_id))
        .values(state="skipped", reason=REPLIED, wake_at=None, finished_at=now)
    )


async def _arm_txn(
    s: AsyncSession,
    entry: Entry,
    workspace_id: uuid.UUID,
    contact_id: uuid.UUID,
    conversation_id: uuid.UUID,
    seen: _Seen,
    due: datetime,
    now: datetime,
    parent_id: uuid.UUID | None,
    depth: int,
    max_depth: int,
) -> None:
    message = seen.message
    context = {
        "trigger": {
            "message_id": message["id"],
            "message_seq": message["seq"],
            "text": message.get("text") or "",
            "due_at": due.isoformat(),
        },
        "vars": {},
    }
    moved = await s.execute(
        update(WorkflowRun)
        .where(_armed(entry, conversation_id))
        .values(
            wake_at=due,
            context=context,
            version_id=entry.version_id,
            version=entry.version,
            event_position=seen.position,
        )
    )
    if moved.rowcount:  # type: ignore[attr-defined]
        return
    skipped = depth > max_depth
    await s.execute(
        insert(WorkflowRun),
        [
            {
                "id": uuid.uuid4(),
                "workspace_id": workspace_id,
                "workflow_id": entry.workflow_id,
                "version_id": entry.version_id,
                "version": entry.version,
                "state": "skipped" if skipped else "waiting",
                "reason": LOOP_GUARD if skipped else None,
                "error": None,
                "contact_id": contact_id,
                "conversation_id": conversation_id,
                "trigger_type": entry.trigger_type,
                "context": context,
                "current_node": None,
                "attempts": 0,
                "parent_run_id": parent_id,
                "depth": depth,
                "event_position": seen.position,
                "wake_at": None if skipped else due,
                "claimed_by": None,
                "lease_until": None,
                "started_at": None,
                "finished_at": now if skipped else None,
                "created_at": now,
            }
        ],
    )


class WaitingTimers:
    """The arming loop of one process, woken after commits that wrote events."""

    def __init__(self, db: Database, settings: Settings, on_armed: asyncio.Event) -> None:
        self._db = db
        self._settings = settings
        self._index = TriggerIndex()
        self._wake = asyncio.Event()
        self._on_armed = on_armed
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        await init_cursor(self._db)
        woken = True
        while not self._stopping:
            self._wake.clear()
            try:
                found = await self._arm_all()
                if not found and woken and not self._db.is_sqlite:
                    # PostgreSQL positions events just after their commit.
                    for delay in _POSITION_RETRIES:
                        await asyncio.sleep(delay)
                        if await self._arm_all() or self._stopping:
                            break
            except Exception:
                log.exception("automation waiting timers failed; retrying")
                await self._sleep(_RETRY_SECONDS)
                continue
            woken = await self._sleep(self._settings.automation_poll_seconds)

    async def _sleep(self, seconds: float) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
            return True
        return False

    async def _arm_all(self) -> int:
        settings = self._settings
        total = 0
        while not self._stopping:
            scanned = await shielded(
                arm_once(
                    self._db,
                    self._index,
                    batch_size=settings.outbox_batch_size,
                    unit_seconds=settings.automation_wait_unit_seconds,
                    max_depth=settings.automation_max_depth,
                )
            )
            total += scanned
            if scanned:
                # The runner's next due time may have moved earlier.
                self._on_armed.set()
            if scanned < settings.outbox_batch_size:
                break
        return total
