"""Tables of the automation domain: workflows, their pinned versions, runs and steps, the
trigger consumer's cursor, schedule ticks, business hours and change snapshots."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from relaydesk.db.base import Base, BigIntId, TenantMixin, utcnow


class Workflow(TenantMixin, Base):
    """The editable draft (`graph`) and which version, if any, is live."""

    __tablename__ = "workflows"
    __table_args__ = (Index("ix_workflows_workspace_created", "workspace_id", "created_at"),)

    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text, default=None)
    graph: Mapped[dict[str, Any]] = mapped_column(JSON)
    # draft | published (a published workflow may have draft edits beside its live version)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    published_version: Mapped[int | None] = mapped_column(Integer, default=None)
    template_key: Mapped[str | None] = mapped_column(String(64), default=None)
    # SHA-256 of a webhook trigger's secret (set at first publish, rotatable): the secret
    # itself is shown once and never stored.
    webhook_secret_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class WorkflowVersion(TenantMixin, Base):
    """A published graph, immutable: runs are pinned to the version they started with."""

    __tablename__ = "workflow_versions"
    __table_args__ = (UniqueConstraint("workflow_id", "version"),)

    workflow_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workflows.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    graph: Mapped[dict[str, Any]] = mapped_column(JSON)
    published_by: Mapped[str | None] = mapped_column(String(64), default=None)


class WorkflowRun(TenantMixin, Base):
    """One run of one version. `wake_at` is when a pending or waiting run is next due;
    `claimed_by`/`lease_until` hold it for one executor while it advances."""

    __tablename__ = "workflow_runs"
    __table_args__ = (
        # The claim query: due runs of a state in order, read from the index.
        Index("ix_workflow_runs_state_wake", "state", "wake_at", "id"),
        Index("ix_workflow_runs_workflow_created", "workflow_id", "created_at", "id"),
        Index("ix_workflow_runs_contact_state", "contact_id", "state"),
        Index("ix_workflow_runs_created", "created_at"),
        # A webhook call's Idempotency-Key starts one run per workflow (NULLs never clash).
        Index(
            "uq_workflow_runs_workflow_idempotency",
            "workflow_id",
            "idempotency_key",
            unique=True,
        ),
    )

    workflow_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workflows.id", ondelete="CASCADE"))
    version_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workflow_versions.id", ondelete="CASCADE")
    )
    version: Mapped[int] = mapped_column(Integer)
    # pending | running | waiting | completed | failed | stopped | skipped
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(200), default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    contact_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), default=None
    )
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), default=None
    )
    trigger_type: Mapped[str] = mapped_column(String(48))
    # What the trigger saw (message text, tag, channel) and variables saved by steps.
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The next node to execute; null: the trigger's first successor.
    current_node: Mapped[str | None] = mapped_column(String(64), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    parent_run_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    event_position: Mapped[int | None] = mapped_column(BigInteger, default=None)
    wake_at: Mapped[datetime | None] = mapped_column(default=None)
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    # A test run: its steps record what they would do without doing it.
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), default=None)


class WorkflowStep(Base):
    """One executed node of a run, written with its side effect: at most one per node."""

    __tablename__ = "workflow_steps"
    __table_args__ = (UniqueConstraint("run_id", "node_id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workflow_runs.id", ondelete="CASCADE"))
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    node_id: Mapped[str] = mapped_column(String(64))
    node_type: Mapped[str] = mapped_column(String(48))
    # succeeded | failed | skipped
    status: Mapped[str] = mapped_column(String(16))
    input: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    output: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]


class AutomationCursor(Base):
    """How far a consumer has read the outbox (by position)."""

    __tablename__ = "automation_cursor"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AutomationRevision(Base):
    """Bumped when a workspace's published triggers change: processes reload their index."""

    __tablename__ = "automation_revisions"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    revision: Mapped[int] = mapped_column(Integer, default=0)


class AutomationSnapshot(Base):
    """The last state the trigger consumer saw of a conversation (status, assignee):
    changes are the difference to it."""

    __tablename__ = "automation_snapshots"

    object_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ScheduleTick(Base):
    """A claimed schedule tick: the unique key lets one process only fire it."""

    __tablename__ = "schedule_ticks"
    __table_args__ = (UniqueConstraint("workflow_id", "tick_at"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    workflow_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workflows.id", ondelete="CASCADE"))
    tick_at: Mapped[datetime]
    claimed_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BusinessHours(Base):
    """A workspace's opening hours: `{timezone, weekly: {mon: [[from, to]]}, holidays}`."""

    __tablename__ = "business_hours"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    schedule: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
