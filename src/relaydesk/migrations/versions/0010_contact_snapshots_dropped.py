"""Contact snapshots dropped

`contact.updated` events now name their tag and attribute changes, so the trigger
consumer keeps snapshots of conversations only; the contacts' rows (and those of objects
deleted since) go. Nothing to restore on downgrade: the consumer writes snapshots again as
it reads events.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 14:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "DELETE FROM automation_snapshots WHERE object_id NOT IN (SELECT id FROM conversations)"
    )


def downgrade() -> None:
    pass
