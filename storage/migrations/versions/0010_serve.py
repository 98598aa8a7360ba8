"""Production server: inbound updates, background jobs, shared sending slots

Revision ID: 0010_serve
Revises: 0009_review
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = "0010_serve"
down_revision = "0009_review"
branch_labels = None
depends_on = None

STR = sqlmodel.sql.sqltypes.AutoString
TIME = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "inbound_update",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", STR(length=16), nullable=False),
        sa.Column("update_key", STR(length=128), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", TIME(), nullable=False),
        sa.Column("claimed_by", STR(length=64), nullable=False),
        sa.Column("claimed_at", TIME(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("handled_at", TIME(), nullable=True),
        sa.Column("error", STR(length=500), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "update_key"),
    )
    with op.batch_alter_table("inbound_update", schema=None) as batch_op:
        batch_op.create_index("ix_inbound_update_open", ["handled_at", "claimed_at"])
        batch_op.create_index(batch_op.f("ix_inbound_update_handled_at"), ["handled_at"])
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", STR(length=32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", STR(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", STR(length=64), nullable=False),
        sa.Column("claimed_at", TIME(), nullable=True),
        sa.Column("finished_at", TIME(), nullable=True),
        sa.Column("result_path", STR(length=500), nullable=False),
        sa.Column("download_token", STR(length=64), nullable=True),
        sa.Column("download_expires_at", TIME(), nullable=True),
        sa.Column("error", STR(length=500), nullable=False),
        sa.Column("created_at", TIME(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("download_token"),
    )
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.create_index("ix_job_open", ["status", "created_at"])
    op.create_table(
        "rate_slot",
        sa.Column("key", STR(length=64), nullable=False),
        sa.Column("next_free", sa.Float(), nullable=False),
        sa.Column("paused_until", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("chat_binding", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deactivated_at", TIME(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chat_binding", schema=None) as batch_op:
        batch_op.drop_column("deactivated_at")
    op.drop_table("rate_slot")
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_index("ix_job_open")
    op.drop_table("job")
    with op.batch_alter_table("inbound_update", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_update_handled_at"))
        batch_op.drop_index("ix_inbound_update_open")
    op.drop_table("inbound_update")
