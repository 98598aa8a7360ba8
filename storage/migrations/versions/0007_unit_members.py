"""Unit size for questioning odd head counts (`units import` column `members`)

Revision ID: 0007_unit_members
Revises: 0006_schedule_grace
"""
from alembic import op
import sqlalchemy as sa


revision = "0007_unit_members"
down_revision = "0006_schedule_grace"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("members", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_column("members")
