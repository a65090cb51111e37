"""entity list indexes for the single check

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 09:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_entity_list_entries_seller_phone", table_name="entity_list_entries")
    op.create_index(
        "ix_entity_list_entries_seller_phone",
        "entity_list_entries",
        ["seller_slug", "phone", "effective_at"],
        unique=False,
    )
    op.create_index(
        "ix_entity_list_entries_seller_area_code",
        "entity_list_entries",
        ["seller_slug", "area_code", "effective_at"],
        unique=False,
    )
    op.create_index(
        "ix_entity_list_entries_seller_effective",
        "entity_list_entries",
        ["seller_slug", "effective_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_entity_list_entries_seller_effective", table_name="entity_list_entries")
    op.drop_index("ix_entity_list_entries_seller_area_code", table_name="entity_list_entries")
    op.drop_index("ix_entity_list_entries_seller_phone", table_name="entity_list_entries")
    op.create_index(
        "ix_entity_list_entries_seller_phone",
        "entity_list_entries",
        ["seller_slug", "phone"],
        unique=False,
    )
