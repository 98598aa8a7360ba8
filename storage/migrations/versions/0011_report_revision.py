"""Earlier versions of edited reports (report_revision)

Revision ID: 0011_report_revision
Revises: 0010_serve
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = "0011_report_revision"
down_revision = "0010_serve"
branch_labels = None
depends_on = None

Text = sqlmodel.sql.sqltypes.AutoString
When = sqlmodel.sql.sqltypes.UTCDateTime if hasattr(sqlmodel.sql.sqltypes, "UTCDateTime") \
    else sa.DateTime


def upgrade() -> None:
    op.create_table(
        "report_revision",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("report_id", sa.Integer(), sa.ForeignKey("report.id"), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), sa.ForeignKey("task.id"), nullable=False),
        sa.Column("period", Text(length=10), nullable=False),
        sa.Column("content", Text(), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=True),
        sa.Column("difficulties", Text(), nullable=True),
        sa.Column("proposals", Text(), nullable=True),
        sa.Column("photos", Text(), nullable=False),
        sa.Column("saved_at", When(), nullable=False),
        sa.Column("replaced_by", Text(length=96), nullable=False),
        sa.Column("replaced_by_name", Text(length=255), nullable=False),
        sa.Column("replaced_at", When(), nullable=False),
    )
    op.create_index("ix_report_revision_report_id", "report_revision", ["report_id"])


def downgrade() -> None:
    op.drop_table("report_revision")
