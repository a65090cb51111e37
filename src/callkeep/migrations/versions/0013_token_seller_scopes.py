"""API tokens held to one seller

Revision ID: 0013
Revises: 0006
Create Date: 2026-12-01 23:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import callkeep.kit.db

revision = "0013"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_token_seller_scopes",
        sa.Column("token_id", sa.String(length=26), nullable=False),
        sa.Column("seller_id", sa.String(length=26), nullable=False),
        sa.Column("seller_slug", sa.String(length=80), nullable=False),
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("recorded_at", callkeep.kit.db.UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["api_tokens.id"],
            name=op.f("fk_api_token_seller_scopes_token_id_api_tokens"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token_seller_scopes")),
        sa.UniqueConstraint("token_id", name=op.f("uq_api_token_seller_scopes_token_id")),
    )


def downgrade() -> None:
    op.drop_table("api_token_seller_scopes")
