"""Reminder schedule: the grace window after the deadline

Revision ID: 0006_schedule_grace
Revises: 0005_zalo_delivery

`reminder_schedule.grace`: until when (a slot of the FOLLOWING week, '0 12:00' = Monday 12:00)
a report sent after the deadline may still be for last week; NULL inherits from above.
Report.period is already indexed (ix_report_period), which the exports now select by.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = "0006_schedule_grace"
down_revision = "0005_zalo_delivery"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reminder_schedule", schema=None) as batch_op:
        batch_op.add_column(sa.Column("grace", sqlmodel.sql.sqltypes.AutoString(length=16),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reminder_schedule", schema=None) as batch_op:
        batch_op.drop_column("grace")
