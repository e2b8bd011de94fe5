"""Reads of workflows, versions, runs and business hours. Every read takes the workspace."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import case, func, select

from relaydesk.db import Database
from relaydesk.db.pagination import Page, page_of, paginate_desc
from relaydesk.db.scoped import get_in_workspace, get_in_workspace_txn
from relaydesk.domains.automation.business_hours import BusinessHoursIn, BusinessHoursOut
from relaydesk.domains.automation.models import (
    BusinessHours,
    Workflow,
    WorkflowRun,
    WorkflowStep,
    WorkflowVersion,
)
from relaydesk.domains.automation.schemas import (
    RunCounts,
    RunDetailOut,
    RunOut,
    StepOut,
    WorkflowOut,
)
from relaydesk.domains.contacts.models import Contact

ACTIVE = ("pending", "running", "waiting")


async def _counts(db: Database, workflow_ids: list[uuid.UUID]) -> dict[uuid.UUID, RunCounts]:
    if not workflow_ids:
        return {}
    stmt = (
        select(
            WorkflowRun.workflow_id,
            func.count(),
            func.sum(case((WorkflowRun.state == "completed", 1), else_=0)),
            func.sum(case((WorkflowRun.state == "failed", 1), else_=0)),
            func.sum(case((WorkflowRun.state.in_(ACTIVE), 1), else_=0)),
        )
        .where(WorkflowRun.workflow_id.in_(workflow_ids))
        .group_by(WorkflowRun.workflow_id)
    )
    async with db.read("workflow_run_counts") as s:
        rows = (await s.execute(stmt)).all()
    return {
        r[0]: RunCounts(total=r[1], completed=r[2] or 0, failed=r[3] or 0, active=r[4] or 0)
        for r in rows
    }


async def workflow_outs(db: Database, rows: list[Workflow]) -> list[WorkflowOut]:
    counts = await _counts(db, [r.id for r in rows])
    outs = []
    for row in rows:
        out = WorkflowOut.model_validate(row)
        out.counts = counts.get(row.id, RunCounts())
        outs.append(out)
    return outs


async def list_workflows(
    db: Database, workspace_id: uuid.UUID, status: str | None, cursor: str | None, limit: int
) -> Page[Workflow]:
    stmt = select(Workflow).where(Workflow.workspace_id == workspace_id)
    if status:
        stmt = stmt.where(Workflow.status == status)
    stmt = paginate_desc(stmt, [Workflow.created_at, Workflow.id], cursor, limit)
    async with db.read("list_workflows") as s:
        rows: Any = (await s.scalars(stmt)).all()
    return page_of(rows, limit, lambda r: (r.created_at, r.id))


async def get_workflow(db: Database, workspace_id: uuid.UUID, workflow_id: uuid.UUID) -> Workflow:
    return await get_in_workspace(db, Workflow, workspace_id, workflow_id, "workflow")


async def list_versions(
    db: Database, workspace_id: uuid.UUID, workflow_id: uuid.UUID
) -> list[WorkflowVersion]:
    async with db.read("list_workflow_versions") as s:
        await get_in_workspace_txn(s, Workflow, workspace_id, workflow_id, "workflow")
        rows = await s.scalars(
            select(WorkflowVersion)
            .where(WorkflowVersion.workflow_id == workflow_id)
            .order_by(WorkflowVersion.version.desc())
        )
        return list(rows)


async def list_runs(
    db: Database,
    workspace_id: uuid.UUID,
    *,
    workflow_id: uuid.UUID | None,
    contact_id: uuid.UUID | None,
    state: str | None,
    cursor: str | None,
    limit: int,
) -> Page[WorkflowRun]:
    """Newest first."""
    stmt = select(WorkflowRun).where(WorkflowRun.workspace_id == workspace_id)
    async with db.read("list_workflow_runs") as s:
        if workflow_id is not None:
            await get_in_workspace_txn(s, Workflow, workspace_id, workflow_id, "workflow")
            stmt = stmt.where(WorkflowRun.workflow_id == workflow_id)
        if contact_id is not None:
            stmt = stmt.where(WorkflowRun.contact_id == contact_id)
        if state:
            stmt = stmt.where(WorkflowRun.state == state)
        stmt = paginate_desc(stmt, [WorkflowRun.created_at, WorkflowRun.id], cursor, limit)
        rows: Any = (await s.scalars(stmt)).all()
    return page_of(rows, limit, lambda r: (r.created_at, r.id))


async def contact_runs(
    db: Database, workspace_id: uuid.UUID, contact_id: uuid.UUID, cursor: str | None, limit: int
) -> Page[WorkflowRun]:
    await get_in_workspace(db, Contact, workspace_id, contact_id, "contact")
    return await list_runs(
        db,
        workspace_id,
        workflow_id=None,
        contact_id=contact_id,
        state=None,
        cursor=cursor,
        limit=limit,
    )


async def run_detail(db: Database, workspace_id: uuid.UUID, run_id: uuid.UUID) -> RunDetailOut:
    async with db.read("get_workflow_run") as s:
        run = await get_in_workspace_txn(s, WorkflowRun, workspace_id, run_id, "workflow run")
        steps = (
            await s.scalars(
                select(WorkflowStep).where(WorkflowStep.run_id == run.id).order_by(WorkflowStep.id)
            )
        ).all()
    return RunDetailOut(
        **RunOut.model_validate(run).model_dump(),
        context=run.context,
        steps=[
            StepOut(
                node_id=step.node_id,
                node_type=step.node_type,
                status=step.status,
                input=step.input,
                output=step.output,
                error=step.error,
                attempts=step.attempts,
                started_at=step.started_at,
                finished_at=step.finished_at,
                duration_ms=round((step.finished_at - step.started_at).total_seconds() * 1000, 3),
            )
            for step in steps
        ],
    )


async def business_hours(db: Database, workspace_id: uuid.UUID) -> BusinessHoursOut:
    async with db.read("get_business_hours") as s:
        row = await s.get(BusinessHours, workspace_id)
    if row is None:
        return BusinessHoursOut(configured=False)
    return BusinessHoursOut(**row.schedule, configured=True)


async def schedule_txn(s: Any, workspace_id: uuid.UUID) -> BusinessHoursIn | None:
    row = await s.get(BusinessHours, workspace_id)
    return None if row is None else BusinessHoursIn.model_validate(row.schedule)
