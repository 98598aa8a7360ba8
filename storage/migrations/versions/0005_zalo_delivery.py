"""Zalo in the field: resumable split messages and per-platform quota pauses

Revision ID: 0005_zalo_delivery
Revises: 0004_plan_codes
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = "0005_zalo_delivery"
down_revision = "0004_plan_codes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pieces_sent", sa.Integer(), nullable=False,
                                      server_default="0"))
    op.create_table(
        "platform_pause",
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("platform"),
    )


def downgrade() -> None:
    op.drop_table("platform_pause")
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_column("pieces_sent")
