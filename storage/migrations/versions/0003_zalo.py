"""Zalo Official Account token chain

Revision ID: 0003_zalo
Revises: 0001_core
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = "0003_zalo"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "zalo_oa_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("access_token", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
        sa.Column("refresh_token", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("refresh_started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("proven_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("retired_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("zalo_oa_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_zalo_oa_token_app_id"), ["app_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("zalo_oa_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_zalo_oa_token_app_id"))
    op.drop_table("zalo_oa_token")
