"""Task codes print as the plan writes them (ĐP1, Khác), also in databases seeded before."""
from __future__ import annotations

from alembic import command
from sqlmodel import select

from storage.catalog import DEFAULT_PLAN, import_plan, load_plan
from storage.db import make_engine, session_scope
from storage.migrate import alembic_config
from storage.models import DialogState, Plan, Task
from tests.support import Person, make_org


def codes(engine, plan_name: str) -> list[str]:
    with session_scope(engine) as s:
        plan = s.exec(select(Plan).where(Plan.name == plan_name)).one()
        return [t.code for t in s.exec(select(Task).where(Task.plan_id == plan.id)
                                       .order_by(Task.position))]


def test_migration_renames_the_stored_default_plan_only(db_url):
    engine = make_engine(db_url)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001_core")
    old_default = load_plan(DEFAULT_PLAN)
    for task in old_default["tasks"]:  # the catalog as earlier versions seeded it
        task["code"] = {"ĐP1": "DP1", "ĐP2": "DP2", "ĐP3": "DP3", "Khác": "KHAC"}.get(task["code"],
                                                                                  task["code"])
    own = {"name": "Kế hoạch riêng 2027", "tasks": [
        {"code": "DP1", "label": "Đột phá", "title": "Nhiệm vụ đột phá của huyện"}]}
    with session_scope(engine) as s:
        import_plan(s, own)
        import_plan(s, old_default)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")
    assert codes(engine, old_default["name"]) == ["NV1", "NV2", "NV3", "NV4", "NV5", "NV6",
                                                  "ĐP1", "ĐP2", "ĐP3", "Khác"]
    assert codes(engine, "Kế hoạch riêng 2027") == ["DP1"]
    engine.dispose()


async def test_menu_shows_dp_codes_and_a_typed_dp1_still_picks_it(services, engine):
    make_org(engine)
    from storage import repo
    with session_scope(engine) as s:
        join = repo.unit_by_code(s, "CD-A1").join_code
    cadre = Person(services, "u7", "Cán bộ")
    await cadre.say(f"/start {join}")
    await cadre.say("/baocao")
    labels = [c.label for r in cadre.last for c in r.choices]
    assert "ĐP1 Cán bộ" in labels and "Khác" in labels and "KHAC Khác" not in labels
    await cadre.say("DP1 Can bo")  # typed without the Vietnamese Đ and accents
    assert "Bước 2/5" in cadre.text()
    with session_scope(engine) as s:
        state = s.exec(select(DialogState).where(DialogState.user_id == "u7")).one()
        assert state.data["task_label"] == "ĐP1 Cán bộ"
