"""A run as the runner advances it: plain attributes, read in the query that takes the
batch and written back in one statement per batch.

Not ORM instances: loading, tracking and flushing a `WorkflowRun` per run cost the runner
more than most nodes do (docs/benchmarks.md, "automation"). A `RunState` remembers the
values it was read with; `write_runs_txn` writes only what changed, one `executemany`
UPDATE per set of changed columns (a batch's runs mostly change the same ones).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from typing import Any

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db.base import table_of
from relaydesk.db.bulk import execute_many
from relaydesk.domains.automation.models import WorkflowRun

_TABLE = table_of(WorkflowRun)
# What the runner and its nodes read of a run, in `RunState`'s field order.
_READ = (
    "id",
    "workspace_id",
    "workflow_id",
    "version_id",
    "version",
    "contact_id",
    "trigger_type",
    "parent_run_id",
    "depth",
    "dry_run",
    # Changed by the runner and its nodes (`_CHANGING`):
    "state",
    "reason",
    "error",
    "conversation_id",
    "context",
    "current_node",
    "attempts",
    "wake_at",
    "claimed_by",
    "lease_until",
    "started_at",
    "finished_at",
)
_CHANGING = _READ[_READ.index("state") :]
_changing = attrgetter(*_CHANGING)
COLUMNS = tuple(_TABLE.c[name] for name in _READ)


@dataclass(slots=True, eq=False)
class RunState:
    id: uuid.UUID
    workspace_id: uuid.UUID
    workflow_id: uuid.UUID
    version_id: uuid.UUID
    version: int
    contact_id: uuid.UUID | None
    trigger_type: str
    parent_run_id: uuid.UUID | None
    depth: int
    dry_run: bool
    state: str
    reason: str | None
    error: str | None
    conversation_id: uuid.UUID | None
    context: dict[str, Any]
    current_node: str | None
    attempts: int
    wake_at: datetime | None
    claimed_by: str | None
    lease_until: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    # The changing values as read (what `changes` compares with).
    _read: tuple[Any, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        self._read = self.snapshot()

    @classmethod
    def of_rows(cls, rows: Iterable[Sequence[Any]]) -> list[RunState]:
        """Runs from rows of `COLUMNS`."""
        return [cls(*row) for row in rows]

    def snapshot(self) -> tuple[Any, ...]:
        """The changing values now (to put back with `restore`). `context` is replaced,
        never changed in place, by the code that sets it, so keeping the dict is enough."""
        values: tuple[Any, ...] = _changing(self)
        return values

    def restore(self, snapshot: tuple[Any, ...]) -> None:
        for name, value in zip(_CHANGING, snapshot, strict=True):
            setattr(self, name, value)

    def changes(self) -> dict[str, Any]:
        """The columns whose values differ from those read."""
        return {
            name: value
            for name, value, before in zip(_CHANGING, self.snapshot(), self._read, strict=True)
            if value is not before and value != before
        }


# The SET clause comes from each parameter set's column names; `_run_id` picks the row.
_UPDATE = update(_TABLE).where(_TABLE.c.id == bindparam("_run_id"))


def select_runs() -> Select[Any]:
    """The runs' columns, for `RunState.of_rows`; add the conditions."""
    return select(*COLUMNS)


async def write_runs_txn(s: AsyncSession, runs: Sequence[RunState]) -> None:
    """Write what changed of each run since it was read: one statement per distinct set of
    changed columns. A batch's runs are read anew by the next transaction."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for run in runs:
        changed = run.changes()
        if changed:
            changed["_run_id"] = run.id
            groups.setdefault(tuple(changed), []).append(changed)
    for rows in groups.values():
        await execute_many(s, _UPDATE, rows)
