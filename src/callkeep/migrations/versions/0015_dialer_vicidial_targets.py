"""dialer webhooks that speak VICIdial's non-agent API

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import callkeep.kit.crypto
import callkeep.kit.db

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dnc_dialer_vicidial_targets",
        sa.Column("webhook_id", sa.String(length=26), nullable=False),
        sa.Column("api_user", callkeep.kit.crypto.EncryptedText(), nullable=False),
        sa.Column("campaign_id", sa.String(length=30), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("recorded_at", callkeep.kit.db.UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dnc_dialer_vicidial_targets")),
        sa.UniqueConstraint("webhook_id", name=op.f("uq_dnc_dialer_vicidial_targets_webhook_id")),
    )


def downgrade() -> None:
    op.drop_table("dnc_dialer_vicidial_targets")
