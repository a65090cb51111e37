"""calls: drop the indexes on employee_id and decision_id, which no query reads

Revision ID: 0023
Revises: 0015
Create Date: 2026-12-02 02:00:00

No query selects calls by their employee or their pre-dial decision: the roll-ups and trends
read `employee_id` only as a grouped value (through `ix_calls_started_figures` or the rows), the
compliance report looks decisions up by their own id, and the staff pages show a call's
decision from the call. Each of the two indexes was one more B-tree to write for every call
stored (a dialer import writes tens of thousands a minute) and read by nothing.
"""

from __future__ import annotations

from alembic import op

revision = "0023"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_index("ix_calls_decision_id")
        batch_op.drop_index("ix_calls_employee_id")


def downgrade() -> None:
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.create_index("ix_calls_employee_id", ["employee_id"], unique=False)
        batch_op.create_index("ix_calls_decision_id", ["decision_id"], unique=False)
