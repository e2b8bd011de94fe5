"""An in-memory index of each workspace's published triggers, by trigger type.

Loaded per workspace on first use and reloaded when the workspace's revision (bumped in the
transaction of every publish, unpublish and delete, in any process) has moved: one small
query per batch of events tells. Matching an occurrence is then a loop over the compiled
triggers of its type, without touching the database.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.domains.automation.graph import parse_trigger_params
from relaydesk.domains.automation.models import AutomationRevision, Workflow, WorkflowVersion
from relaydesk.domains.automation.triggers import TRIGGERS
from relaydesk.domains.automation.triggers.base import Candidates, Occurrence

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Entry:
    workflow_id: uuid.UUID
    version_id: uuid.UUID
    version: int
    trigger_type: str
    compiled: object


@dataclass(slots=True)
class _Workspace:
    revision: int
    by_type: dict[str, list[Entry]]
    # Per type whose kind narrows its candidates (see `TriggerKind.candidates`).
    candidates: dict[str, Candidates] = field(default_factory=dict)


class TriggerIndex:
    def __init__(self) -> None:
        self._workspaces: dict[uuid.UUID, _Workspace] = {}

    async def refresh_txn(self, s: AsyncSession, workspace_ids: Iterable[uuid.UUID]) -> None:
        wanted = set(workspace_ids)
        if not wanted:
            return
        rows = await s.execute(
            select(AutomationRevision.workspace_id, AutomationRevision.revision).where(
                AutomationRevision.workspace_id.in_(wanted)
            )
        )
        revisions = dict.fromkeys(wanted, 0) | {r[0]: r[1] for r in rows}
        stale = [
            ws
            for ws, rev in revisions.items()
            if ws not in self._workspaces or self._workspaces[ws].revision != rev
        ]
        if stale:
            await self._load_txn(s, stale, revisions)

    async def _load_txn(
        self, s: AsyncSession, workspace_ids: list[uuid.UUID], revisions: dict[uuid.UUID, int]
    ) -> None:
        rows = await s.execute(
            select(
                Workflow.workspace_id,
                Workflow.id,
                WorkflowVersion.id,
                WorkflowVersion.version,
                WorkflowVersion.graph,
            )
            .join(
                WorkflowVersion,
                (WorkflowVersion.workflow_id == Workflow.id)
                & (WorkflowVersion.version == Workflow.published_version),
            )
            .where(Workflow.workspace_id.in_(workspace_ids), Workflow.status == "published")
        )
        loaded = {ws: _Workspace(revisions[ws], {}) for ws in workspace_ids}
        for ws, workflow_id, version_id, version, graph in rows:
            trigger = graph.get("trigger", {})
            kind = TRIGGERS.get(trigger.get("type", ""))
            if kind is None:
                continue
            try:
                compiled = kind.compile(parse_trigger_params(kind.type, trigger.get("params", {})))
            except (ValidationError, ValueError):
                log.warning(
                    "workflow %s version %s: trigger does not compile", workflow_id, version
                )
                continue
            loaded[ws].by_type.setdefault(kind.type, []).append(
                Entry(workflow_id, version_id, version, kind.type, compiled)
            )
        for workspace in loaded.values():
            for kind_type, entries in workspace.by_type.items():
                narrow = TRIGGERS[kind_type].candidates
                if narrow is not None:
                    workspace.candidates[kind_type] = narrow([e.compiled for e in entries])
        self._workspaces.update(loaded)

    def types(self, workspace_id: uuid.UUID) -> set[str]:
        found = self._workspaces.get(workspace_id)
        return set(found.by_type) if found else set()

    def match(self, occurrence: Occurrence) -> list[Entry]:
        found = self._workspaces.get(occurrence.workspace_id)
        if found is None:
            return []
        entries = found.by_type.get(occurrence.kind, [])
        kind = TRIGGERS[occurrence.kind]
        narrow = found.candidates.get(occurrence.kind)
        if narrow is not None:
            entries = [entries[i] for i in sorted(narrow(occurrence))]
        return [e for e in entries if kind.matches(e.compiled, occurrence)]
