"""Workflows, their versions and runs (under /workspaces/{workspace_id}): every member reads
them; members who manage the workspace write them."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, status

from relaydesk.api.deps import (
    PAGE_SIZE,
    Cursor,
    DbDep,
    Limit,
    ReadAccess,
    SettingsDep,
    workspace_access,
)
from relaydesk.api.v1.pages import PageOut
from relaydesk.domains.automation import actions, queries
from relaydesk.domains.automation.graph import GraphShape
from relaydesk.domains.automation.models import Workflow
from relaydesk.domains.automation.schemas import (
    ManualRunIn,
    ProblemOut,
    RunDetailOut,
    RunOut,
    RunState,
    StartedRunsOut,
    ValidationOut,
    WebhookSecretOut,
    WorkflowExport,
    WorkflowIn,
    WorkflowOut,
    WorkflowUpdateIn,
    WorkflowVersionOut,
)
from relaydesk.domains.automation.triggers.manual import start_manual_runs
from relaydesk.domains.workspaces.access import WorkspaceAccess

router = APIRouter(prefix="/workspaces/{workspace_id}", tags=["automation"])
Manage = Annotated[WorkspaceAccess, Depends(workspace_access(actions.MANAGE))]


async def _out(db: DbDep, row: Workflow) -> WorkflowOut:
    return (await queries.workflow_outs(db, [row]))[0]


@router.get("/workflows")
async def list_workflows(
    access: ReadAccess,
    db: DbDep,
    status: Literal["draft", "published"] | None = None,
    cursor: Cursor = None,
    limit: Limit = PAGE_SIZE,
) -> PageOut[WorkflowOut]:
    """Newest first, with run counts."""
    page = await queries.list_workflows(db, access.workspace_id, status, cursor, limit)
    return PageOut(items=await queries.workflow_outs(db, page.items), next_cursor=page.next_cursor)


@router.post("/workflows", status_code=status.HTTP_201_CREATED)
async def create_workflow(body: WorkflowIn, access: Manage, db: DbDep) -> WorkflowOut:
    """A draft; its graph's shape is checked now, everything else at publish."""
    row = await actions.create_workflow(db, access.actor, access.workspace_id, body)
    return await _out(db, row)


@router.post("/workflows/import", status_code=status.HTTP_201_CREATED)
async def import_workflow(body: WorkflowExport, access: Manage, db: DbDep) -> WorkflowOut:
    """A workflow exported from any workspace, as a new draft."""
    row = await actions.create_workflow(
        db,
        access.actor,
        access.workspace_id,
        WorkflowIn(name=body.name, description=body.description, graph=body.graph),
    )
    return await _out(db, row)


@router.get("/workflows/{workflow_id}")
async def get_workflow(workflow_id: uuid.UUID, access: ReadAccess, db: DbDep) -> WorkflowOut:
    return await _out(db, await queries.get_workflow(db, access.workspace_id, workflow_id))


@router.patch("/workflows/{workflow_id}")
async def update_workflow(
    workflow_id: uuid.UUID, body: WorkflowUpdateIn, access: Manage, db: DbDep
) -> WorkflowOut:
    """Edits the draft; the live version changes at the next publish."""
    row = await actions.update_workflow(db, access.actor, access.workspace_id, workflow_id, body)
    return await _out(db, row)


@router.delete("/workflows/{workflow_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_workflow(workflow_id: uuid.UUID, access: Manage, db: DbDep) -> None:
    await actions.delete_workflow(db, access.actor, access.workspace_id, workflow_id)


@router.post("/workflows/{workflow_id}/validate")
async def validate_workflow(workflow_id: uuid.UUID, access: ReadAccess, db: DbDep) -> ValidationOut:
    """Every problem of the draft that would block publishing."""
    row = await queries.get_workflow(db, access.workspace_id, workflow_id)
    problems = actions.graph_problems(GraphShape.model_validate(row.graph), row.id)
    return ValidationOut(valid=not problems, problems=[ProblemOut(**p.as_dict()) for p in problems])


@router.post("/workflows/{workflow_id}/publish")
async def publish_workflow(workflow_id: uuid.UUID, access: Manage, db: DbDep) -> WorkflowOut:
    """Pins the draft as a new version and makes it live (422 `automation.graph_invalid`
    with `problems` otherwise). Runs already going stay on their version."""
    published = await actions.publish(db, access.actor, access.workspace_id, workflow_id)
    out = await _out(db, published.row)
    out.webhook_secret = published.webhook_secret
    return out


@router.post("/workflows/{workflow_id}/webhook-secret")
async def rotate_webhook_secret(
    workflow_id: uuid.UUID, access: Manage, db: DbDep
) -> WebhookSecretOut:
    """A new secret for a webhook workflow, shown this once; the old one stops working."""
    secret = await actions.rotate_webhook_secret(db, access.actor, access.workspace_id, workflow_id)
    return WebhookSecretOut(secret=secret, path=f"/hooks/automation/{workflow_id}")


@router.post("/workflows/{workflow_id}/runs", status_code=status.HTTP_202_ACCEPTED)
async def start_workflow_runs(
    workflow_id: uuid.UUID,
    body: ManualRunIn,
    access: ReadAccess,
    db: DbDep,
    settings: SettingsDep,
) -> StartedRunsOut:
    """Starts a published `manual` workflow (any published workflow with `dry_run`) for a
    contact, a conversation, each contact having every tag of `contact_filter` (at most
    `RELAYDESK_AUTOMATION_BULK_MAX_CONTACTS`, 422 `automation.too_many_contacts` beyond), or
    no contact. Single starts need agents; bulk starts and dry runs, managers."""
    started = await start_manual_runs(
        db,
        access.actor,
        access.workspace_id,
        workflow_id,
        body,
        max_contacts=settings.automation_bulk_max_contacts,
    )
    return StartedRunsOut(count=started.count, run_ids=started.run_ids)


@router.post("/workflows/{workflow_id}/unpublish")
async def unpublish_workflow(workflow_id: uuid.UUID, access: Manage, db: DbDep) -> WorkflowOut:
    row = await actions.unpublish_workflow(db, access.actor, access.workspace_id, workflow_id)
    return await _out(db, row)


@router.get("/workflows/{workflow_id}/versions")
async def list_workflow_versions(
    workflow_id: uuid.UUID, access: ReadAccess, db: DbDep
) -> list[WorkflowVersionOut]:
    """Newest first."""
    rows = await queries.list_versions(db, access.workspace_id, workflow_id)
    return [WorkflowVersionOut.model_validate(r) for r in rows]


@router.get("/workflows/{workflow_id}/export")
async def export_workflow(workflow_id: uuid.UUID, access: ReadAccess, db: DbDep) -> WorkflowExport:
    row = await queries.get_workflow(db, access.workspace_id, workflow_id)
    return WorkflowExport(
        name=row.name, description=row.description, graph=GraphShape.model_validate(row.graph)
    )


@router.get("/workflows/{workflow_id}/runs")
async def list_workflow_runs(
    workflow_id: uuid.UUID,
    access: ReadAccess,
    db: DbDep,
    status: Annotated[RunState | None, Query(description="Only runs in this state.")] = None,
    contact_id: uuid.UUID | None = None,
    cursor: Cursor = None,
    limit: Limit = PAGE_SIZE,
) -> PageOut[RunOut]:
    """Newest first."""
    page = await queries.list_runs(
        db,
        access.workspace_id,
        workflow_id=workflow_id,
        contact_id=contact_id,
        state=status,
        cursor=cursor,
        limit=limit,
    )
    return PageOut(
        items=[RunOut.model_validate(r) for r in page.items], next_cursor=page.next_cursor
    )


@router.get("/workflow-runs/{run_id}")
async def get_workflow_run(run_id: uuid.UUID, access: ReadAccess, db: DbDep) -> RunDetailOut:
    """The run with its steps (input, output, status, timing), in execution order."""
    return await queries.run_detail(db, access.workspace_id, run_id)


@router.get("/contacts/{contact_id}/workflow-runs")
async def list_contact_workflow_runs(
    contact_id: uuid.UUID,
    access: ReadAccess,
    db: DbDep,
    cursor: Cursor = None,
    limit: Limit = PAGE_SIZE,
) -> PageOut[RunOut]:
    page = await queries.contact_runs(db, access.workspace_id, contact_id, cursor, limit)
    return PageOut(
        items=[RunOut.model_validate(r) for r in page.items], next_cursor=page.next_cursor
    )
