"""The only writers of workflows, their versions and the workspace's business hours.

Workflows are workspace settings: members who manage the workspace write them. Publishing
validates the draft fully, pins it as a new immutable version and bumps the workspace's
trigger revision, so every process reloads its trigger index.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from relaydesk.db import Database
from relaydesk.db.base import utcnow
from relaydesk.db.scoped import get_in_workspace_txn
from relaydesk.db.upsert import insert_ignore
from relaydesk.domains.actor import Actor
from relaydesk.domains.audit.actions import record_txn
from relaydesk.domains.automation.business_hours import BusinessHoursIn
from relaydesk.domains.automation.error_codes import AutomationError
from relaydesk.domains.automation.graph import GraphShape, Problem, validate_graph
from relaydesk.domains.automation.models import (
    AutomationRevision,
    BusinessHours,
    Workflow,
    WorkflowVersion,
)
from relaydesk.domains.automation.schemas import WorkflowIn, WorkflowUpdateIn
from relaydesk.domains.automation.triggers.webhook import new_secret
from relaydesk.domains.workspaces.access import require_txn
from relaydesk.domains.workspaces.roles import Permission
from relaydesk.errors import AppError

MANAGE = Permission.workspace_manage


def graph_problems(graph: GraphShape, workflow_id: uuid.UUID | None = None) -> list[Problem]:
    """`validate_graph` with what this server can run: triggers and node types without a
    handler yet are reported as not available. With `workflow_id`: a `start_workflow`
    node may not start its own workflow."""
    from relaydesk.domains.automation.engine import NODE_HANDLERS
    from relaydesk.domains.automation.triggers import STARTED_ELSEWHERE, TRIGGERS

    problems = validate_graph(graph, set(NODE_HANDLERS))
    for node in graph.nodes:
        if (
            workflow_id is not None
            and node.type == "start_workflow"
            and str(node.params.get("workflow_id")) == str(workflow_id)
        ):
            problems.append(
                Problem("automation.invalid_params", "a workflow cannot start itself", node.id)
            )
    runnable = graph.trigger.type in TRIGGERS or graph.trigger.type in STARTED_ELSEWHERE
    if not runnable and not any(p.code == "automation.unknown_trigger" for p in problems):
        problems.append(
            Problem(
                "automation.not_available",
                f"trigger {graph.trigger.type!r} is not available on this server yet",
                "trigger",
            )
        )
    return problems


def _record_txn(
    s: AsyncSession, actor: Actor, action: str, row: Workflow, data: dict[str, Any] | None = None
) -> None:
    record_txn(
        s,
        actor,
        action,
        workspace_id=row.workspace_id,
        target_type="workflow",
        target_id=row.id,
        data={"name": row.name, **(data or {})},
    )


async def bump_revision_txn(s: AsyncSession, workspace_id: uuid.UUID) -> None:
    await insert_ignore(s, AutomationRevision, workspace_id=workspace_id, revision=0)
    await s.execute(
        update(AutomationRevision)
        .where(AutomationRevision.workspace_id == workspace_id)
        .values(revision=AutomationRevision.revision + 1)
    )


async def create_workflow(
    db: Database,
    actor: Actor,
    workspace_id: uuid.UUID,
    body: WorkflowIn,
    template_key: str | None = None,
) -> Workflow:
    now = utcnow()
    async with db.write("create_workflow") as s:
        await require_txn(s, actor, workspace_id, MANAGE)
        row = Workflow(
            id=uuid.uuid4(),
            workspace_id=workspace_id,
            name=body.name,
            description=body.description,
            graph=body.graph.dump(),
            status="draft",
            template_key=template_key,
            created_at=now,
            updated_at=now,
        )
        s.add(row)
        await s.flush()
        _record_txn(s, actor, "workflow.created", row)
    return row


async def _lock_txn(s: AsyncSession, workspace_id: uuid.UUID, workflow_id: uuid.UUID) -> Workflow:
    return await get_in_workspace_txn(s, Workflow, workspace_id, workflow_id, "workflow", lock=True)


async def update_workflow(
    db: Database,
    actor: Actor,
    workspace_id: uuid.UUID,
    workflow_id: uuid.UUID,
    body: WorkflowUpdateIn,
) -> Workflow:
    sent = body.model_fields_set
    async with db.write("update_workflow") as s:
        await require_txn(s, actor, workspace_id, MANAGE)
        row = await _lock_txn(s, workspace_id, workflow_id)
        if "name" in sent and body.name is not None:
            row.name = body.name
        if "description" in sent:
            row.description = body.description
        if "graph" in sent and body.graph is not None:
            row.graph = body.graph.dump()
        row.updated_at = utcnow()
        await s.flush()
        _record_txn(s, actor, "workflow.updated", row, {"fields": sorted(sent)})
    return row


async def delete_workflow(
    db: Database, actor: Actor, workspace_id: uuid.UUID, workflow_id: uuid.UUID
) -> None:
    """Deletes its versions and runs with it."""
    async with db.write("delete_workflow") as s:
        await require_txn(s, actor, workspace_id, MANAGE)
        row = await _lock_txn(s, workspace_id, workflow_id)
        _record_txn(s, actor, "workflow.deleted", row)
        if row.status == "published":
            await bump_revision_txn(s, workspace_id)
        await s.delete(row)


async def publish_workflow(
    db: Database, actor: Actor, workspace_id: uuid.UUID, workflow_id: uuid.UUID
) -> Workflow:
    """Pin the draft as the next version and make it live; 422 with the problems if any."""
    return (await publish(db, actor, workspace_id, workflow_id)).row


@dataclass(frozen=True)
class Published:
    row: Workflow
    # A webhook workflow's secret, made at its first publish: shown this once.
    webhook_secret: str | None = None


async def publish(
    db: Database, actor: Actor, workspace_id: uuid.UUID, workflow_id: uuid.UUID
) -> Published:
    """`publish_workflow`, with the webhook secret it made, if any."""
    secret: str | None = None
    async with db.write("publish_workflow") as s:
        await require_txn(s, actor, workspace_id, MANAGE)
        row = await _lock_txn(s, workspace_id, workflow_id)
        graph = GraphShape.model_validate(row.graph)
        problems = graph_problems(graph, row.id)
        if problems:
            raise AppError(
                AutomationError.GRAPH_INVALID,
                f"{len(problems)} problem(s): {problems[0].message}",
                problems=[p.as_dict() for p in problems],
            )
        last = await s.scalar(
            select(WorkflowVersion.version)
            .where(WorkflowVersion.workflow_id == row.id)
            .order_by(WorkflowVersion.version.desc())
            .limit(1)
        )
        version = (last or 0) + 1
        s.add(
            WorkflowVersion(
                id=uuid.uuid4(),
                workspace_id=workspace_id,
                workflow_id=row.id,
                version=version,
                graph=graph.dump(),
                published_by=str(actor.id) if actor.id else None,
            )
        )
        row.status = "published"
        row.published_version = version
        if graph.trigger.type == "webhook" and row.webhook_secret_hash is None:
            secret, row.webhook_secret_hash = new_secret()
        row.updated_at = utcnow()
        await bump_revision_txn(s, workspace_id)
        await s.flush()
        _record_txn(s, actor, "workflow.published", row, {"version": version})
    return Published(row, secret)


async def rotate_webhook_secret(
    db: Database, actor: Actor, workspace_id: uuid.UUID, workflow_id: uuid.UUID
) -> str:
    """A new secret for a webhook workflow; the old one stops working at once."""
    async with db.write("rotate_webhook_secret") as s:
        await require_txn(s, actor, workspace_id, MANAGE)
        row = await _lock_txn(s, workspace_id, workflow_id)
        if row.graph.get("trigger", {}).get("type") != "webhook":
            raise AppError(AutomationError.NOT_WEBHOOK)
        secret, row.webhook_secret_hash = new_secret()
        row.updated_at = utcnow()
        _record_txn(s, actor, "workflow.webhook_secret_rotated", row)
    return secret


async def unpublish_workflow(
    db: Database, actor: Actor, workspace_id: uuid.UUID, workflow_id: uuid.UUID
) -> Workflow:
    """No new runs start; runs already going finish on their version."""
    async with db.write("unpublish_workflow") as s:
        await require_txn(s, actor, workspace_id, MANAGE)
        row = await _lock_txn(s, workspace_id, workflow_id)
        if row.status == "published":
            row.status = "draft"
            row.published_version = None
            row.updated_at = utcnow()
            await bump_revision_txn(s, workspace_id)
            await s.flush()
            _record_txn(s, actor, "workflow.unpublished", row)
    return row


async def put_business_hours(
    db: Database, actor: Actor, workspace_id: uuid.UUID, body: BusinessHoursIn
) -> BusinessHoursIn:
    async with db.write("put_business_hours") as s:
        await require_txn(s, actor, workspace_id, MANAGE)
        row = await s.get(BusinessHours, workspace_id, with_for_update=True)
        schedule = body.model_dump(mode="json")
        if row is None:
            s.add(BusinessHours(workspace_id=workspace_id, schedule=schedule, updated_at=utcnow()))
        else:
            row.schedule = schedule
            row.updated_at = utcnow()
        record_txn(
            s,
            actor,
            "business_hours.updated",
            workspace_id=workspace_id,
            target_type="workspace",
            target_id=workspace_id,
        )
    return body


async def install_template(
    db: Database,
    actor: Actor,
    workspace_id: uuid.UUID,
    key: str,
    params: dict[str, Any],
    name: str | None = None,
) -> Workflow:
    """Create the template's workflow and publish it."""
    from pydantic import ValidationError

    from relaydesk.domains.automation.templates import TEMPLATES

    template = TEMPLATES.get(key)
    if template is None:
        raise AppError(AutomationError.UNKNOWN_TEMPLATE)
    try:
        graph = GraphShape.model_validate(template.build(template.params.model_validate(params)))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        errors = [
            {"loc": ["params", *e["loc"]], "msg": str(e["msg"]), "type": str(e["type"])}
            for e in exc.errors()
        ]
        raise AppError(
            AutomationError.TEMPLATE_PARAMS, f"{where}: {first['msg']}", errors=errors
        ) from None
    row = await create_workflow(
        db, actor, workspace_id, WorkflowIn(name=name or template.name, graph=graph), key
    )
    return await publish_workflow(db, actor, workspace_id, row.id)
