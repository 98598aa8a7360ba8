"""Default plan: task codes as the plan writes them (ĐP1, ĐP2, ĐP3, Khác)

Revision ID: 0004_plan_codes
Revises: 0001_core

Data only. Renames the codes of the stored default plan (Plan 145-KH/TU, found by its name);
a plan the office imported itself keeps its codes. Typed answers still accept "DP1": matching
folds đ to d.
"""
from alembic import op
import sqlalchemy as sa


revision = "0004_plan_codes"
down_revision = ("0002_reminders", "0003_zalo")  # merges the two feature heads
branch_labels = None
depends_on = None

DEFAULT_PLAN = "Kế hoạch 145-KH/TU – 06 nhiệm vụ tập trung, 03 nhiệm vụ đột phá"
RENAMES = {"DP1": "ĐP1", "DP2": "ĐP2", "DP3": "ĐP3", "KHAC": "Khác"}

plan = sa.table("plan", sa.column("id", sa.Integer), sa.column("name", sa.String))
task = sa.table("task", sa.column("plan_id", sa.Integer), sa.column("code", sa.String))


def _rename(pairs) -> None:
    default_plans = sa.select(plan.c.id).where(plan.c.name == DEFAULT_PLAN).scalar_subquery()
    for old, new in pairs:
        op.execute(task.update().where(task.c.plan_id.in_(default_plans), task.c.code == old)
                   .values(code=new))


def upgrade() -> None:
    _rename(RENAMES.items())


def downgrade() -> None:
    _rename((new, old) for old, new in RENAMES.items())
