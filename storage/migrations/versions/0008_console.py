"""Office console: one-time links, browser sessions, export jobs, audit trail

Revision ID: 0008_console
Revises: 0007_unit_members
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = "0008_console"
down_revision = "0007_unit_members"
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "web_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", S(length=64), nullable=False),
        sa.Column("purpose", S(length=16), nullable=False),
        sa.Column("platform", S(length=16), nullable=False),
        sa.Column("user_id", S(length=64), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("file_path", S(length=500), nullable=False),
        sa.Column("created_by", S(length=96), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "web_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sid_hash", S(length=64), nullable=False),
        sa.Column("platform", S(length=16), nullable=False),
        sa.Column("user_id", S(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_seen", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("ended_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sid_hash"),
    )
    op.create_table(
        "console_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("who", S(length=96), nullable=False),
        sa.Column("page", S(length=32), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("action", S(length=64), nullable=False),
        sa.Column("detail", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("console_audit") as batch_op:
        batch_op.create_index("ix_console_audit_at", ["at"])
        batch_op.create_index("ix_console_audit_page", ["page"])
    op.create_table(
        "export_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", S(length=64), nullable=False),
        sa.Column("who", S(length=96), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("period_spec", S(length=32), nullable=False),
        sa.Column("label", S(length=255), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.Column("status", S(length=16), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("file_path", S(length=500), nullable=False),
        sa.Column("error", S(length=500), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )


def downgrade() -> None:
    op.drop_table("export_job")
    with op.batch_alter_table("console_audit") as batch_op:
        batch_op.drop_index("ix_console_audit_page")
        batch_op.drop_index("ix_console_audit_at")
    op.drop_table("console_audit")
    op.drop_table("web_session")
    op.drop_table("web_token")
