"""Early provider statuses

early_statuses holds a provider status whose message is not known yet (its webhook came
before the answer of the send that gives the message's provider id); it is applied when that
answer is recorded.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 07:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import relaydesk.db.base

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "early_statuses",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("channel_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.JSON(), nullable=True),
        sa.Column("received_at", relaydesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_early_statuses_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_early_statuses")),
    )
    with op.batch_alter_table("early_statuses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_early_statuses_channel_external", ["channel_id", "external_id"], unique=False
        )
        batch_op.create_index("ix_early_statuses_received", ["received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("early_statuses", schema=None) as batch_op:
        batch_op.drop_index("ix_early_statuses_received")
        batch_op.drop_index("ix_early_statuses_channel_external")
    op.drop_table("early_statuses")
