"""Ready-made workflows (under /workspaces/{workspace_id}): listed to members, installed by
members who manage the workspace."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, status

from relaydesk.api.deps import DbDep, ReadAccess, workspace_access
from relaydesk.domains.automation import actions, queries
from relaydesk.domains.automation.schemas import (
    WorkflowOut,
    WorkflowTemplateInstallIn,
    WorkflowTemplateOut,
)
from relaydesk.domains.automation.templates import TEMPLATES
from relaydesk.domains.workspaces.access import WorkspaceAccess

router = APIRouter(prefix="/workspaces/{workspace_id}/workflow-templates", tags=["automation"])
Manage = Annotated[WorkspaceAccess, Depends(workspace_access(actions.MANAGE))]


@router.get("")
async def list_workflow_templates(access: ReadAccess) -> list[WorkflowTemplateOut]:
    return [
        WorkflowTemplateOut(
            key=t.key, name=t.name, description=t.description, params_schema=t.params_schema()
        )
        for t in TEMPLATES.values()
    ]


@router.post("/{key}/install", status_code=status.HTTP_201_CREATED)
async def install_workflow_template(
    key: Annotated[str, Path(max_length=64)],
    body: WorkflowTemplateInstallIn,
    access: Manage,
    db: DbDep,
) -> WorkflowOut:
    """Creates the template's workflow with `params` and publishes it."""
    row = await actions.install_template(
        db, access.actor, access.workspace_id, key, body.params, body.name
    )
    return (await queries.workflow_outs(db, [row]))[0]
