"""call outcome roll-ups for the trends page, and the calls list's (started_at, id) index

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 23:10:00

The roll-ups are a cache derived from the calls: every day counted before this table existed
is forgotten here, so the next read counts it again with its outcomes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_outcome_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("seller_id", sa.String(length=26), nullable=False),
        sa.Column("campaign_id", sa.String(length=26), nullable=False),
        sa.Column("agent", sa.String(length=200), nullable=False),
        sa.Column("disposition", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=200), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day",
            "seller_id",
            "campaign_id",
            "agent",
            "disposition",
            "outcome",
            name=op.f("pk_call_outcome_counts"),
        ),
    )
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.create_index("ix_calls_started_id", ["started_at", "id"], unique=False)
    op.execute("DELETE FROM call_days_counted")


def downgrade() -> None:
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_index("ix_calls_started_id")
    op.drop_table("call_outcome_counts")
    op.execute("DELETE FROM call_days_counted")
