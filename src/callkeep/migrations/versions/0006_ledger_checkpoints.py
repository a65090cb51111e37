"""ledger checkpoints and witness answers

Revision ID: 0006
Revises: 0010
Create Date: 2026-12-01 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import callkeep.kit.db

revision = "0006"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_checkpoints",
        sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.String(length=64), nullable=False),
        sa.Column("frontier", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("made_at", callkeep.kit.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("size", name=op.f("pk_ledger_checkpoints")),
    )
    op.create_table(
        "ledger_witness_answers",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("checkpoint_size", sa.BigInteger(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("answered_at", callkeep.kit.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_witness_answers")),
    )
    op.create_index(
        "ix_ledger_witness_answers_size",
        "ledger_witness_answers",
        ["checkpoint_size", "url"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_ledger_witness_answers_size", table_name="ledger_witness_answers")
    op.drop_table("ledger_witness_answers")
    op.drop_table("ledger_checkpoints")
