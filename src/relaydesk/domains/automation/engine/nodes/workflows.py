"""`start_workflow`: a run of another published workflow of the workspace, for the same
contact and conversation, as a child of this run (one deeper; past
`automation_max_depth` the child is recorded `skipped` with `automation.loop_guard`, as
for runs started by events). A workflow naming itself is refused at validation."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from relaydesk.domains.automation.engine.context import NodeContext
from relaydesk.domains.automation.engine.nodes.dry import is_dry
from relaydesk.domains.automation.engine.registry import StepResult, node
from relaydesk.domains.automation.error_codes import LOOP_GUARD, AutomationError
from relaydesk.domains.automation.graph import StartWorkflowParams
from relaydesk.domains.automation.models import Workflow, WorkflowRun, WorkflowVersion
from relaydesk.errors import AppError


@node("start_workflow")
async def start_workflow(ctx: NodeContext, params: StartWorkflowParams) -> StepResult:
    found = (
        await ctx.s.execute(
            select(WorkflowVersion.id, WorkflowVersion.version)
            .join(Workflow, Workflow.id == WorkflowVersion.workflow_id)
            .where(
                Workflow.id == params.workflow_id,
                Workflow.workspace_id == ctx.workspace_id,
                Workflow.status == "published",
                WorkflowVersion.version == Workflow.published_version,
            )
        )
    ).first()
    if found is None or params.workflow_id == ctx.run.workflow_id:
        raise AppError(AutomationError.WORKFLOW_NOT_STARTABLE)
    version_id, version = found
    if is_dry(ctx):
        return StepResult(
            output={"dry_run": True, "would": {"start_workflow": str(params.workflow_id)}}
        )
    depth = ctx.run.depth + 1
    skipped = depth > ctx.settings.automation_max_depth
    child = WorkflowRun(
        id=uuid.uuid4(),
        workspace_id=ctx.workspace_id,
        workflow_id=params.workflow_id,
        version_id=version_id,
        version=version,
        state="skipped" if skipped else "pending",
        reason=LOOP_GUARD if skipped else None,
        contact_id=ctx.run.contact_id,
        conversation_id=ctx.run.conversation_id,
        trigger_type="start_workflow",
        # What started the parent is what the child sees (`message.text` and the like).
        context={"trigger": dict((ctx.run.context or {}).get("trigger", {})), "vars": {}},
        current_node=None,
        attempts=0,
        parent_run_id=ctx.run.id,
        depth=depth,
        wake_at=None if skipped else ctx.now,
        finished_at=ctx.now if skipped else None,
        created_at=ctx.now,
    )
    ctx.s.add(child)
    output = {"run_id": str(child.id), "workflow_id": str(params.workflow_id), "depth": depth}
    if skipped:
        output["reason"] = LOOP_GUARD
    return StepResult(output=output)
