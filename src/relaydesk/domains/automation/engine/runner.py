"""Claiming due runs and advancing them.

`_pick_txn` picks up to a batch of due runs: pending or waiting runs whose `wake_at` has
come, and running runs whose lease ran out (their process died). A contact's run is not
taken while another of its runs is running, and a batch takes at most one run per contact,
so a contact's runs take turns. A workflow over its `rate_limit_per_minute` has its runs put
back by a few seconds (they wait their turn; none is dropped). On PostgreSQL `claim` commits
the pick (ids, `claim_txn`) under a lease before the batch advances; on SQLite (one writer)
the pick reads the runs whole in the transaction that advances them (`take_txn`, `run_due`).

`advance` executes the runs in one write transaction. It first tries the batch
without savepoints, its step rows inserted together at the end (most batches have no failing
node, and a savepoint per node costs more than the node); its sends, and on SQLite its tag
nodes' changes, are written together too (see `BatchData.write_staged`). When a node raises,
that attempt is rolled back whole and the batch is executed again with each node in a
savepoint with its step row: a node that raises rolls back alone (its events too) and is
retried after its backoff, then leaves by its `failure` edge or fails the run. Either way a
step row commits with its node's side effects, and `UNIQUE(run_id, node_id)` refuses a second one.

An external node (`http_request`) is prepared in that transaction and its run stops there,
still claimed and positioned at the node; after the commit the calls are made with no
transaction open (a slow service holds no writer), then a new transaction records each
step with its result and goes on with the run. A crash between a call and its record makes
the call again on recovery (at least once, with the same idempotency key).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BindParameter, Select, bindparam, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db import Database
from relaydesk.db.base import table_of, utcnow
from relaydesk.db.bulk import execute_many
from relaydesk.domains.automation.engine.context import BatchData, NodeContext
from relaydesk.domains.automation.engine.registry import (
    DEFAULT_ATTEMPTS,
    NODE_HANDLERS,
    ExternalCall,
    StepResult,
)
from relaydesk.domains.automation.engine.state import (
    COLUMNS,
    RunState,
    select_runs,
    write_runs_txn,
)
from relaydesk.domains.automation.engine.waiting import WAITING_TRIGGERS
from relaydesk.domains.automation.engine.waiting import guard_txn as waiting_guard_txn
from relaydesk.domains.automation.error_codes import RETRIES_EXHAUSTED, AutomationError
from relaydesk.domains.automation.graph import TRIGGER_ID, parse_node_params, successor
from relaydesk.domains.automation.models import WorkflowRun, WorkflowStep, WorkflowVersion
from relaydesk.errors import AppError
from relaydesk.events import outbox
from relaydesk.settings import Settings

log = logging.getLogger(__name__)

_RATE_PUSHBACK = timedelta(seconds=5)
_MAX_NODES_PER_RUN = 1000  # acyclic graphs end sooner; a guard against a bad version
# Events a transaction will write at commit; a node's share is dropped when it fails.
_OUTBOX_PENDING = outbox._PENDING
# `current_node` of a run that waits with nothing after the wait: it completes on waking.
_END = ""
# Errors that another attempt would meet again: the node fails at once.
_NOT_RETRIED = frozenset({AutomationError.HTTP_ADDRESS_REFUSED.code})
# Added to the lease of a run whose external call is under way (calls time out sooner).
_CALL_SECONDS = 60
_INSERT_STEPS = insert(table_of(WorkflowStep))


@dataclass
class _Call:
    """An external node's call, made after its run's transaction committed."""

    run_id: uuid.UUID
    node_id: str
    input: dict[str, Any]
    started: datetime
    perform: ExternalCall


@dataclass
class _Outcome:
    call: _Call
    result: StepResult | None
    error: Exception | None


class Graphs:
    """Published versions are immutable: their graphs are kept, parsed, by version id."""

    def __init__(self, size: int = 2000) -> None:
        self._size = size
        self._graphs: OrderedDict[uuid.UUID, dict[str, Any]] = OrderedDict()

    async def get_many(
        self, s: AsyncSession, version_ids: set[uuid.UUID]
    ) -> dict[uuid.UUID, dict[str, Any]]:
        missing = version_ids - set(self._graphs)
        if missing:
            rows = await s.execute(
                select(WorkflowVersion.id, WorkflowVersion.graph).where(
                    WorkflowVersion.id.in_(missing)
                )
            )
            for version_id, graph in rows:
                graph["_nodes"] = {n["id"]: n for n in graph.get("nodes", [])}
                self._graphs[version_id] = graph
            while len(self._graphs) > self._size:
                self._graphs.popitem(last=False)
        return {v: self._graphs[v] for v in version_ids if v in self._graphs}


async def release_claims(db: Database, prefix: str) -> None:
    """At start-up: the runs an earlier life of this executor held are due again."""
    async with db.write("automation_release_claims") as s:
        await s.execute(
            update(WorkflowRun)
            .where(WorkflowRun.state == "running", WorkflowRun.claimed_by.like(f"{prefix}:%"))
            .values(state="pending", claimed_by=None, lease_until=None)
        )


def _due_stmt(state: str, *, lock: bool, whole: bool) -> Select[Any]:
    """Due runs of one state, oldest first, skipping contacts with a run under way. One
    state per query so that the index (state, wake_at, id) yields them in order and the
    scan stops at `limit` (thousands of timers due at once share one `wake_at`). Built
    once: `now` and `limit` are bound per execution. `whole`: the columns of `RunState` (to
    advance them in the same transaction), else those the pick needs."""
    now: BindParameter[datetime] = bindparam("now")
    # Core, not ORM, expressions: rows come back as plain tuples, with no ORM loading.
    runs = table_of(WorkflowRun)
    other = runs.alias("other")
    busy_contact = (
        select(other.c.id)
        .where(
            other.c.contact_id == runs.c.contact_id,
            other.c.state == "running",
            other.c.id != runs.c.id,
            or_(other.c.lease_until.is_(None), other.c.lease_until >= now),
        )
        .exists()
    )
    # A running run is due again when its lease ran out (its process died).
    due = runs.c.lease_until < now if state == "running" else runs.c.wake_at <= now
    columns = (
        COLUMNS
        if whole
        else (runs.c.id, runs.c.contact_id, runs.c.workflow_id, runs.c.version_id, runs.c.wake_at)
    )
    stmt = (
        select(*columns)
        .where(runs.c.state == state, due, ~busy_contact)
        .order_by(runs.c.wake_at, runs.c.id)
        .limit(bindparam("limit"))
    )
    return stmt.with_for_update(skip_locked=True, of=runs) if lock else stmt


_DUE_STATES = ("pending", "waiting", "running")
# PostgreSQL picks ids under row locks; SQLite (one writer) picks whole runs to advance.
_DUE_IDS = [_due_stmt(state, lock=True, whole=False) for state in _DUE_STATES]
_DUE_RUNS = [_due_stmt(state, lock=False, whole=True) for state in _DUE_STATES]


async def claim_txn(
    s: AsyncSession, graphs: Graphs, now: datetime, batch_size: int
) -> list[uuid.UUID]:
    """The ids of up to `batch_size` due runs (see `_pick_txn`), locked until the
    transaction ends."""
    rows: list[Any] = []
    for stmt in _DUE_IDS:
        rows += (await s.execute(stmt, {"now": now, "limit": batch_size * 2})).all()
    return [row.id for row in await _pick_txn(s, graphs, now, batch_size, rows)]


async def take_txn(
    s: AsyncSession, graphs: Graphs, now: datetime, batch_size: int
) -> list[RunState]:
    """Up to `batch_size` due runs, whole, to advance in this transaction (one writer: no
    lock is needed). Read `batch_size` per state: a batch smaller after the pick is still
    a batch, and every run read is one to convert."""
    rows: list[Any] = []
    for stmt in _DUE_RUNS:
        rows += RunState.of_rows(await s.execute(stmt, {"now": now, "limit": batch_size}))
    return await _pick_txn(s, graphs, now, batch_size, rows)


async def _pick_txn(
    s: AsyncSession, graphs: Graphs, now: datetime, batch_size: int, rows: list[Any]
) -> list[Any]:
    """Of due `rows` (runs, or rows with their id, contact_id, workflow_id, version_id and
    wake_at), oldest first: at most `batch_size`, one per contact; runs of a workflow over
    its `rate_limit_per_minute` are put back a few seconds instead."""
    if not rows:
        return []
    rows.sort(key=lambda r: (r.wake_at or now, r.id))
    taken: list[Any] = []
    contacts: set[uuid.UUID] = set()
    per_workflow: dict[uuid.UUID, list[uuid.UUID]] = {}
    for row in rows:
        if row.contact_id is not None:
            if row.contact_id in contacts:
                continue
            contacts.add(row.contact_id)
        per_workflow.setdefault(row.workflow_id, []).append(row.id)
        taken.append(row)
        if len(taken) >= batch_size:
            break
    graphs_by_version = await graphs.get_many(s, {r.version_id for r in taken})
    limits = {
        r.workflow_id: (graphs_by_version.get(r.version_id) or {})
        .get("settings", {})
        .get("rate_limit_per_minute")
        for r in taken
    }
    deferred = await _over_limit_txn(s, per_workflow, limits, now)
    if deferred:
        await s.execute(
            update(WorkflowRun)
            .where(WorkflowRun.id.in_(deferred))
            .values(state="pending", wake_at=now + _RATE_PUSHBACK)
            .execution_options(synchronize_session=False)
        )
        taken = [t for t in taken if t.id not in deferred]
    return taken


async def claim(
    db: Database, graphs: Graphs, claim_id: str, *, batch_size: int, lease_seconds: float
) -> list[uuid.UUID]:
    """Take due runs for this executor until its lease ends (committed: other processes
    leave them alone while they advance in a later transaction)."""
    now = utcnow()
    async with db.write("automation_claim") as s:
        taken = await claim_txn(s, graphs, now, batch_size)
        if taken:
            await s.execute(
                update(WorkflowRun)
                .where(WorkflowRun.id.in_(taken))
                .values(
                    state="running",
                    claimed_by=claim_id,
                    lease_until=now + timedelta(seconds=lease_seconds),
                    started_at=func.coalesce(WorkflowRun.started_at, now),
                )
            )
    return taken


@dataclass(frozen=True)
class Advanced:
    taken: int  # runs taken (0: none was due)
    seconds: float  # spent in the transactions that took and first advanced them


async def run_due(
    db: Database,
    graphs: Graphs,
    settings: Settings,
    claim_id: str,
    *,
    batch_size: int,
    lease_seconds: float,
) -> Advanced:
    """Take a batch of due runs and advance them.

    On SQLite the batch is taken in the transaction that advances it: the single writer
    already keeps a contact's runs apart, and a crash rolls back the taking with the steps
    (the runs stay due). Elsewhere the claim commits first, so that other processes skip
    the batch while it advances."""
    if db.is_sqlite:
        count, seconds = await advance(db, graphs, settings, claim_id, None, batch_size=batch_size)
        return Advanced(count, seconds)
    started = time.perf_counter()
    taken = await claim(db, graphs, claim_id, batch_size=batch_size, lease_seconds=lease_seconds)
    claimed = time.perf_counter() - started
    seconds = 0.0
    if taken:
        _, seconds = await advance(db, graphs, settings, claim_id, taken)
    return Advanced(len(taken), claimed + seconds)


async def _over_limit_txn(
    s: AsyncSession,
    per_workflow: dict[uuid.UUID, list[uuid.UUID]],
    limits: dict[uuid.UUID, int | None],
    now: datetime,
) -> set[uuid.UUID]:
    deferred: set[uuid.UUID] = set()
    for workflow_id, run_ids in per_workflow.items():
        limit = limits.get(workflow_id)
        if not limit:
            continue
        started = int(
            await s.scalar(
                select(func.count())
                .select_from(WorkflowRun)
                .where(
                    WorkflowRun.workflow_id == workflow_id,
                    WorkflowRun.started_at > now - timedelta(minutes=1),
                    WorkflowRun.id.not_in(run_ids),
                )
            )
            or 0
        )
        room = max(0, limit - started)
        deferred.update(run_ids[room:])
    return deferred


class _NodeRaisedError(Exception):
    """A node raised in the attempt without savepoints: the batch is executed again."""


async def advance(
    db: Database,
    graphs: Graphs,
    settings: Settings,
    claim_id: str,
    run_ids: list[uuid.UUID] | None,
    *,
    batch_size: int = 0,
) -> tuple[int, float]:
    """Execute the runs claimed by `claim_id` (None: take up to `batch_size` due runs in the
    same transaction), then the external calls they stop at, and so on; how many runs the
    first transaction advanced, and the seconds it took (the calls are not counted)."""
    advanced: int | None = None
    seconds = 0.0
    outcomes: dict[uuid.UUID, _Outcome] = {}
    while run_ids is None or run_ids:
        calls: list[_Call] = []
        started = time.perf_counter()
        try:
            count = await _advance_batch(
                db, graphs, settings, claim_id, run_ids, batch_size, outcomes, calls, careful=False
            )
        except _NodeRaisedError:
            calls.clear()
            count = await _advance_batch(
                db, graphs, settings, claim_id, run_ids, batch_size, outcomes, calls, careful=True
            )
        if advanced is None:
            advanced, seconds = count, time.perf_counter() - started
        # No transaction is open here: the calls the batch stopped at, together.
        done = await asyncio.gather(*(_perform(call) for call in calls))
        outcomes = {outcome.call.run_id: outcome for outcome in done}
        run_ids = list(outcomes)
    return advanced or 0, seconds


async def _perform(call: _Call) -> _Outcome:
    try:
        return _Outcome(call, await call.perform(), None)
    except Exception as exc:
        return _Outcome(call, None, exc)


async def _advance_batch(
    db: Database,
    graphs: Graphs,
    settings: Settings,
    claim_id: str,
    run_ids: list[uuid.UUID] | None,
    batch_size: int,
    outcomes: dict[uuid.UUID, _Outcome],
    calls: list[_Call],
    *,
    careful: bool,
) -> int:
    rows: list[dict[str, Any]] | None = None if careful else []
    async with db.write("automation_advance") as s:
        now = utcnow()
        if run_ids is None:
            runs = await take_txn(s, graphs, now, batch_size)
        else:
            table = table_of(WorkflowRun)
            query = select_runs().where(table.c.id.in_(run_ids), table.c.claimed_by == claim_id)
            runs = RunState.of_rows(await s.execute(query.order_by(table.c.wake_at, table.c.id)))
        if not runs:
            return 0
        data = BatchData(s)
        data.staging = not careful
        await data.load(runs)
        by_version = await graphs.get_many(s, {r.version_id for r in runs})
        for run in runs:
            if run.started_at is None:
                run.started_at = now
            graph = by_version.get(run.version_id)
            if graph is None:
                _finish(run, "failed", now, reason="automation.version_missing")
                continue
            await _advance_run(
                s, run, graph, settings, data, now, rows, outcomes.get(run.id), calls, claim_id
            )
        try:
            await data.write_staged()
        except Exception as exc:
            # Executed again node by node, each tag and send node writing its own.
            raise _NodeRaisedError from exc
        await write_runs_txn(s, runs)
        if rows:
            await execute_many(s, _INSERT_STEPS, rows)
    return len(runs)


def _finish(
    run: RunState, state: str, now: datetime, reason: str | None = None, error: str | None = None
) -> None:
    run.state = state
    run.reason = reason
    run.error = error
    run.finished_at = now
    run.wake_at = None
    run.claimed_by = None
    run.lease_until = None


async def _advance_run(
    s: AsyncSession,
    run: RunState,
    graph: dict[str, Any],
    settings: Settings,
    data: BatchData,
    now: datetime,
    rows: list[dict[str, Any]] | None,
    outcome: _Outcome | None,
    calls: list[_Call],
    claim_id: str,
) -> None:
    """`rows`: where step rows go, to be inserted at the end of the batch (no savepoints; a
    node that raises raises `_NodeRaisedError`); None: each node in a savepoint with its
    step row. `outcome`: the result of the external call the run stopped at; `calls`: where
    the run's next external call goes."""
    if run.current_node is None and run.trigger_type in WAITING_TRIGGERS:
        # A waiting trigger fires only if nobody replied meanwhile (checked in the database).
        why = await waiting_guard_txn(s, run)
        if why is not None:
            _finish(run, "skipped", now, reason=why)
            return
    nodes: dict[str, dict[str, Any]] = graph["_nodes"]
    node_id = successor(graph, TRIGGER_ID) if run.current_node is None else run.current_node or None
    for _ in range(_MAX_NODES_PER_RUN):
        if node_id is None:
            _finish(run, "completed", now)
            return
        node = nodes.get(node_id)
        if node is None:
            _finish(run, "failed", now, reason="automation.unknown_node", error=node_id)
            return
        handler = NODE_HANDLERS.get(node["type"])
        retry = node.get("retry") or {}
        max_attempts = int(retry.get("max_attempts") or DEFAULT_ATTEMPTS.get(node["type"], 1))
        ctx = NodeContext(s, run, node_id, node["type"], now, settings, data)
        started = utcnow()
        failure: Exception | None = None
        if outcome is not None and outcome.call.node_id == node_id:
            # The call was made after the last transaction: record it, then go on.
            ctx.record_input(**outcome.call.input)
            started = outcome.call.started
            if outcome.error is not None:
                failure = outcome.error
            else:
                assert outcome.result is not None
                result = outcome.result
                _succeeded(s, rows, run, node, ctx.input, result, started)
        else:
            pending_events = len(s.info.get(_OUTBOX_PENDING, []))
            # Put back if the node fails in its savepoint (`rows` None: each node in one).
            before = run.snapshot() if rows is None else ()
            contact_before = ctx.contact
            try:
                if handler is None:
                    raise ValueError(f"node type {node['type']!r} is not available")
                if rows is not None:
                    result = await handler(ctx, _params(graph, node))
                    if result.call is None:
                        _succeeded(s, rows, run, node, ctx.input, result, started)
                else:
                    async with s.begin_nested():
                        result = await handler(ctx, _params(graph, node))
                        if result.call is None:
                            _succeeded(s, rows, run, node, ctx.input, result, started)
                            await s.flush()
            except Exception as exc:
                if rows is not None:
                    raise _NodeRaisedError from exc
                # The savepoint took back the node's rows; its events must go too, and what it
                # changed in memory is put back (the run, the contact) or read again.
                del s.info.setdefault(_OUTBOX_PENDING, [])[pending_events:]
                run.restore(before)
                if contact_before is not None:
                    data.contacts[contact_before.id] = contact_before
                if ctx.conversation is not None:
                    await s.refresh(ctx.conversation)
                failure = exc
        outcome = None
        if failure is not None:
            error = (
                failure.detail
                if isinstance(failure, AppError)
                else str(failure) or type(failure).__name__
            )
            reason = (
                failure.code.code if isinstance(failure, AppError) else "automation.step_failed"
            )
            run.attempts += 1
            if run.attempts < max_attempts and reason not in _NOT_RETRIED:
                backoff = int(retry.get("backoff_seconds") or 0) * 2 ** (run.attempts - 1)
                run.state = "pending"
                run.current_node = node_id
                run.wake_at = now + timedelta(seconds=backoff)
                run.claimed_by = None
                run.lease_until = None
                run.error = error
                return
            failed = StepResult(status="failed", output={"reason": reason})
            _record(
                s,
                rows,
                _step_row(run, node, "failed", ctx.input, failed, started, run.attempts, error),
            )
            run.attempts = 0
            next_id = successor(graph, node_id, "failure")
            if next_id is None:
                _finish(run, "failed", now, reason=reason or RETRIES_EXHAUSTED, error=error)
                return
            node_id = next_id
            continue
        if result.call is not None:
            # Stop here, claimed: the call is made once this transaction has committed.
            run.current_node = node_id
            run.state = "running"
            run.claimed_by = claim_id
            run.lease_until = utcnow() + timedelta(
                seconds=settings.automation_lease_seconds + _CALL_SECONDS
            )
            calls.append(_Call(run.id, node_id, dict(ctx.input), started, result.call))
            return
        run.attempts = 0
        run.error = None
        if result.stop is not None:
            _finish(run, "stopped", now, reason=result.stop)
            return
        next_id = successor(graph, node_id, result.handle)
        if result.wait_until is not None:
            run.state = "waiting"
            run.current_node = _END if next_id is None else next_id
            run.wake_at = result.wait_until
            run.claimed_by = None
            run.lease_until = None
            return
        node_id = next_id
    _finish(run, "failed", now, reason="automation.too_many_steps")
    return


def _params(graph: dict[str, Any], node: dict[str, Any]) -> Any:
    """A node's parsed params, kept with its published (immutable) graph."""
    parsed: dict[str, Any] = graph.setdefault("_params", {})
    if node["id"] not in parsed:
        parsed[node["id"]] = parse_node_params(node["type"], node.get("params", {}))
    return parsed[node["id"]]


def _save_vars(run: RunState, saved: dict[str, Any]) -> None:
    if saved:
        context = dict(run.context or {})
        # A new dict: the JSON column only notices assignment, not mutation.
        context["vars"] = {**context.get("vars", {}), **saved}
        run.context = context


def _succeeded(
    s: AsyncSession,
    rows: list[dict[str, Any]] | None,
    run: RunState,
    node: dict[str, Any],
    input_: dict[str, Any],
    result: StepResult,
    started: datetime,
) -> None:
    """A node's step done: its saved variables into the run, its step row recorded."""
    _save_vars(run, result.save)
    _record(s, rows, _step_row(run, node, result.status, input_, result, started, run.attempts + 1))


def _record(s: AsyncSession, rows: list[dict[str, Any]] | None, row: dict[str, Any]) -> None:
    """A step row: with the batch's rows (inserted together at its end), or added to the
    session (flushed in the node's savepoint)."""
    if rows is not None:
        rows.append(row)
    else:
        s.add(WorkflowStep(**row))


def _step_row(
    run: RunState,
    node: dict[str, Any],
    status: str,
    input_: dict[str, Any],
    result: StepResult,
    started: datetime,
    attempts: int,
    error: str | None = None,
) -> dict[str, Any]:
    output = dict(result.output)
    if result.reason:
        output["reason"] = result.reason
    return {
        "run_id": run.id,
        "workspace_id": run.workspace_id,
        "node_id": node["id"],
        "node_type": node["type"],
        "status": status,
        "input": input_ or dict(node.get("params", {})),
        "output": output,
        "error": error,
        "attempts": attempts,
        "started_at": started,
        "finished_at": utcnow(),
    }
