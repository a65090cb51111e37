"""dialer webhooks: the dialers told of each new request, and every attempt

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import callkeep.kit.crypto
import callkeep.kit.db

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _recorded() -> list[sa.Column]:
    return [
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("recorded_at", callkeep.kit.db.UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "dnc_dialer_webhooks",
        sa.Column("url", callkeep.kit.crypto.EncryptedText(), nullable=False),
        sa.Column("seller_slug", sa.String(length=80), nullable=True),
        sa.Column("secret", callkeep.kit.crypto.EncryptedText(), nullable=False),
        *_recorded(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dnc_dialer_webhooks")),
    )
    op.create_table(
        "dnc_dialer_webhook_ends",
        sa.Column("webhook_id", sa.String(length=26), nullable=False),
        *_recorded(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dnc_dialer_webhook_ends")),
        sa.UniqueConstraint("webhook_id", name=op.f("uq_dnc_dialer_webhook_ends_webhook_id")),
    )
    op.create_table(
        "dnc_dialer_deliveries",
        sa.Column("webhook_id", sa.String(length=26), nullable=False),
        sa.Column("request_id", sa.String(length=26), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("attempted_at", callkeep.kit.db.UTCDateTime(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.Column("delivered", sa.Boolean(), nullable=False),
        *_recorded(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dnc_dialer_deliveries")),
    )
    op.create_index(
        "ix_dnc_dialer_deliveries_webhook_request",
        "dnc_dialer_deliveries",
        ["webhook_id", "request_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_dnc_dialer_deliveries_webhook_request", table_name="dnc_dialer_deliveries")
    op.drop_table("dnc_dialer_deliveries")
    op.drop_table("dnc_dialer_webhook_ends")
    op.drop_table("dnc_dialer_webhooks")
