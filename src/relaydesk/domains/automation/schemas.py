"""Request and response shapes of the automation domain."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from relaydesk.domains.automation.graph import GraphShape

WorkflowName = Annotated[str, Field(min_length=1, max_length=200)]
RunState = Literal["pending", "running", "waiting", "completed", "failed", "stopped", "skipped"]


class WorkflowIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: WorkflowName
    description: Annotated[str, Field(max_length=2000)] | None = None
    graph: GraphShape


class WorkflowUpdateIn(BaseModel):
    """Only the fields sent change; the live version changes only at publish."""

    model_config = ConfigDict(extra="forbid")

    name: WorkflowName | None = None
    description: Annotated[str, Field(max_length=2000)] | None = None
    graph: GraphShape | None = None


class RunCounts(BaseModel):
    total: int = 0
    completed: int = 0
    failed: int = 0
    active: int = Field(default=0, description="pending, running or waiting")


class WorkflowOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    description: str | None
    status: Literal["draft", "published"]
    published_version: int | None
    template_key: str | None
    graph: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    counts: RunCounts = Field(default_factory=RunCounts)
    webhook_secret: str | None = Field(
        default=None,
        description="A webhook workflow's secret for `X-RelayDesk-Secret`: only in the answer "
        "of the publish that made it (the first); it is not stored and never shown again.",
    )


class ProblemOut(BaseModel):
    node_id: str | None = None
    code: str
    message: str


class ValidationOut(BaseModel):
    valid: bool
    problems: list[ProblemOut]


class WorkflowVersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    version: int
    graph: dict[str, Any]
    published_by: str | None
    created_at: datetime


class WorkflowExport(BaseModel):
    """A workflow as a file: import it into any workspace."""

    format: Literal["relaydesk.workflow"] = "relaydesk.workflow"
    name: WorkflowName
    description: str | None = None
    graph: GraphShape


class StepOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    node_id: str
    node_type: str
    status: Literal["succeeded", "failed", "skipped"]
    input: dict[str, Any]
    output: dict[str, Any]
    error: str | None
    attempts: int
    started_at: datetime
    finished_at: datetime
    duration_ms: float


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    workflow_id: uuid.UUID
    version: int
    state: RunState
    reason: str | None
    error: str | None
    contact_id: uuid.UUID | None
    conversation_id: uuid.UUID | None
    trigger_type: str
    current_node: str | None
    parent_run_id: uuid.UUID | None
    depth: int
    dry_run: bool = Field(default=False, description="A test run: its steps did nothing.")
    wake_at: datetime | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class RunDetailOut(RunOut):
    context: dict[str, Any]
    steps: list[StepOut]


class WorkflowTemplateOut(BaseModel):
    key: str
    name: str
    description: str
    params_schema: dict[str, Any]


class WorkflowTemplateInstallIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    params: dict[str, Any] = Field(default_factory=dict)
    name: WorkflowName | None = None


TagName = Annotated[str, Field(min_length=1, max_length=64)]


class ContactFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tags: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=64)]], Field(min_length=1, max_length=20)
    ]


class ManualRunIn(BaseModel):
    """Give one of `contact_id`, `conversation_id` (its contact is the run's) or
    `contact_filter` (one run per contact having every tag), or none (a run without a
    contact)."""

    model_config = ConfigDict(extra="forbid")

    contact_id: uuid.UUID | None = None
    conversation_id: uuid.UUID | None = None
    contact_filter: ContactFilter | None = None
    dry_run: bool = Field(
        default=False,
        description="A test run: its steps record what they would do without doing it. Any "
        "published workflow may have one; only `manual` workflows start for real.",
    )


class StartedRunsOut(BaseModel):
    count: int = Field(description="Runs started.")
    run_ids: list[uuid.UUID] = Field(description="The first 100 of them.")


class WebhookRunOut(BaseModel):
    run_id: uuid.UUID
    duplicate: bool = Field(
        description="An earlier call with the same Idempotency-Key started this run."
    )


class WebhookSecretOut(BaseModel):
    secret: str = Field(description="For `X-RelayDesk-Secret`; shown this once.")
    path: str = Field(description="Where to POST, on this server.")
