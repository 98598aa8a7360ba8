"""One deadline rule everywhere: the schedule's deadline and grace window reach /trangthai,
reminders, `schedule show`, `deliveries` and the rule every export uses (issue 14, item 4)."""
from __future__ import annotations

from datetime import datetime, timezone

from handlers.weekly.schedule import load_calendar
from handlers.weekly.texts import reminder_text
from storage import reminders as store
from storage.clock import LOCAL_TZ
from storage.db import session_scope
from storage.models import Unit
from storage.weeks import load_week_rules
from tests.support import Person


def at(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=LOCAL_TZ).astimezone(timezone.utc)


def test_schedule_set_grace_is_stored_shown_and_used_by_the_rule(cli, engine, org):
    result = cli("schedule", "set", "--unit", "HD-A", "--deadline", "T7 18:00",
                 "--grace", "T2 10:00")
    assert result.exit_code == 0, result.output
    shown = cli("schedule", "show", "--unit", "CD-A1").output
    assert "Hạn báo cáo: Thứ Bảy 18:00" in shown
    assert "Báo cáo bù cho tuần trước đến: Thứ Hai 10:00 tuần sau" in shown
    assert "Thứ Hai 12:00 tuần sau" in cli("schedule", "show", "--unit", "CD-B1").output
    with session_scope(engine) as s:
        rule = load_week_rules(s).for_unit(org["CD-A1"].id)
        other = load_week_rules(s).for_unit(org["CD-B1"].id)
    assert rule.deadline("2026-W48") == datetime(2026, 11, 28, 18, 0, tzinfo=LOCAL_TZ)
    assert rule.weeks_to_choose(at(11, 30, 9, 59)) == ("2026-W48", "2026-W49")
    assert rule.weeks_to_choose(at(11, 30, 10, 0)) == ("2026-W49",)
    assert other.weeks_to_choose(at(11, 30, 11, 0)) == ("2026-W48", "2026-W49")
    refused = cli("schedule", "set", "--grace", "off")
    assert refused.exit_code == 1 and "không tắt được" in refused.output
    assert "Ví dụ đúng" in cli("schedule", "set", "--grace", "monday").output
    assert "--grace" in cli("schedule", "set", "--help").output


def test_reminders_name_the_schedules_deadline(engine, org):
    with session_scope(engine) as s:
        store.set_schedule(s, org["HD-B"].id, {"deadline": "5 18:00"})
    with session_scope(engine) as s:
        cal = load_calendar(s)
        deadline = cal.rules.deadline(org["CD-B1"].id, "2026-W48")
        text = reminder_text(s.get(Unit, org["CD-B1"].id), "2026-W48", 0, "x", deadline, None)
    assert "Hạn báo cáo: 18:00 Thứ Bảy 28/11/2026" in text


def test_deliveries_states_the_weeks_deadline(cli, org):
    cli("schedule", "set", "--deadline", "T7 20:00")
    out = cli("deliveries", "--period", "2026-W47").output
    assert "hạn báo cáo 20:00 Thứ Bảy 21/11/2026" in out
    assert "nhận báo cáo bù đến 12:00 Thứ Hai 23/11/2026" in out


async def test_trangthai_names_the_deadline_and_last_week_in_the_grace_window(
        services, org, clock, engine):
    with session_scope(engine) as s:
        store.set_schedule(s, None, {"deadline": "6 20:00"})
    person = Person(services, "100", "An")
    await person.say(f"/start {org['CD-A1'].join_code}")
    clock.now = at(11, 25, 9)
    await person.say("/trangthai")
    assert "Hạn báo cáo: 20:00 Chủ nhật 29/11/2026." in person.text()
    clock.now = at(11, 30, 8)  # Monday morning: last week is still being reported
    await person.say("/trangthai")
    text = person.text()
    assert "Tuần 48" in text and "Tuần 49" in text
    assert "Đã quá hạn (20:00 Chủ nhật 29/11/2026)" in text
    assert "nhận đến 12:00 Thứ Hai 30/11/2026" in text
