"""Automation: the claim index orders due runs fully

ix_workflow_runs_state_wake becomes (state, wake_at, id): the claim reads due runs of one
state in (wake_at, id) order straight from the index and stops at its batch, instead of
sorting every due run when thousands share one wake_at.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 07:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workflow_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_workflow_runs_state_wake")
        batch_op.create_index(
            "ix_workflow_runs_state_wake", ["state", "wake_at", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("workflow_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_workflow_runs_state_wake")
        batch_op.create_index("ix_workflow_runs_state_wake", ["state", "wake_at"], unique=False)
