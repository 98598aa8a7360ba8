"""inbound_update: drop the index on handled_at alone (ix_inbound_update_open covers it)

Every webhook update is one INSERT into inbound_update; each index it maintains costs
PostgreSQL CPU per update. ix_inbound_update_open (handled_at, claimed_at) already serves the
queries on handled_at (open updates, the last handled, pruning).

Revision ID: 0012_inbound_one_index
Revises: 0011_report_revision
"""
from alembic import op


revision = "0012_inbound_one_index"
down_revision = "0011_report_revision"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_update") as batch_op:
        batch_op.drop_index("ix_inbound_update_handled_at")


def downgrade() -> None:
    with op.batch_alter_table("inbound_update") as batch_op:
        batch_op.create_index("ix_inbound_update_handled_at", ["handled_at"])
