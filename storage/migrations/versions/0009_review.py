"""Office review, guidance, yearly targets and the audit trail

Revision ID: 0009_review
Revises: 0008_console
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = "0009_review"
down_revision = "0008_console"
branch_labels = None
depends_on = None

Text = sqlmodel.sql.sqltypes.AutoString
When = sqlmodel.sql.sqltypes.UTCDateTime if hasattr(sqlmodel.sql.sqltypes, "UTCDateTime") \
    else sa.DateTime


def upgrade() -> None:
    op.create_table(
        "report_review",
        sa.Column("report_id", sa.Integer(), sa.ForeignKey("report.id"), primary_key=True),
        sa.Column("status", Text(length=16), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("acted_by", Text(length=96), nullable=False),
        sa.Column("acted_by_name", Text(length=255), nullable=False),
        sa.Column("acted_at", When(), nullable=True),
        sa.Column("reason", Text(), nullable=True),
        sa.Column("shared_at", When(), nullable=True),
        sa.Column("updated_at", When(), nullable=False),
    )
    op.create_index("ix_report_review_status", "report_review", ["status"])
    op.create_table(
        "review_action",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("report_id", sa.Integer(), sa.ForeignKey("report.id"), nullable=True),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("unit.id"), nullable=True),
        sa.Column("action", Text(length=32), nullable=False),
        sa.Column("actor", Text(length=96), nullable=False),
        sa.Column("actor_name", Text(length=255), nullable=False),
        sa.Column("detail", Text(), nullable=False),
        sa.Column("created_at", When(), nullable=False),
    )
    op.create_index("ix_review_action_report_id", "review_action", ["report_id"])
    op.create_index("ix_review_action_created_at", "review_action", ["created_at"])
    op.create_table(
        "guidance",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("report_id", sa.Integer(), sa.ForeignKey("report.id"), nullable=False),
        sa.Column("office_unit_id", sa.Integer(), sa.ForeignKey("unit.id"), nullable=False),
        sa.Column("text", Text(), nullable=False),
        sa.Column("actor", Text(length=96), nullable=False),
        sa.Column("actor_name", Text(length=255), nullable=False),
        sa.Column("created_at", When(), nullable=False),
    )
    op.create_index("ix_guidance_report_id", "guidance", ["report_id"])
    op.create_table(
        "target",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("unit.id"), nullable=False),
        sa.Column("task_code", Text(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("activities", sa.Integer(), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=True),
        sa.Column("updated_at", When(), nullable=False),
        sa.UniqueConstraint("unit_id", "task_code", "year"),
    )
    op.create_index("ix_target_unit_id", "target", ["unit_id"])


def downgrade() -> None:
    op.drop_table("target")
    op.drop_table("guidance")
    op.drop_table("review_action")
    op.drop_table("report_review")
