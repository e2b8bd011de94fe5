"""Automation triggers: webhook secrets, idempotent webhook runs, test runs

New columns: workflows.webhook_secret_hash (SHA-256 of a webhook trigger's secret),
workflow_runs.dry_run (a test run: steps record what they would do without doing it) and
workflow_runs.idempotency_key with UNIQUE(workflow_id, idempotency_key), so a webhook call
repeated with the same Idempotency-Key starts one run.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workflows", schema=None) as batch_op:
        batch_op.add_column(sa.Column("webhook_secret_hash", sa.String(length=64), nullable=True))

    with op.batch_alter_table("workflow_runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("dry_run", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=200), nullable=True))
        batch_op.create_index(
            "uq_workflow_runs_workflow_idempotency",
            ["workflow_id", "idempotency_key"],
            unique=True,
        )


def downgrade() -> None:
    with op.batch_alter_table("workflow_runs", schema=None) as batch_op:
        batch_op.drop_index("uq_workflow_runs_workflow_idempotency")
        batch_op.drop_column("idempotency_key")
        batch_op.drop_column("dry_run")

    with op.batch_alter_table("workflows", schema=None) as batch_op:
        batch_op.drop_column("webhook_secret_hash")
