"""The one deadline rule: deadline, grace window, open weeks, editable weeks."""
from datetime import datetime, time, timezone

from storage.clock import LOCAL_TZ
from storage.weeks import Slot, WeekRule, week_name


def local(y, m, d, hh, mm=0):
    """A Vietnam wall-clock time as the aware UTC instant the clock gives."""
    return datetime(y, m, d, hh, mm, tzinfo=LOCAL_TZ).astimezone(timezone.utc)


def test_monday_morning_offers_last_week_and_this_week():
    rule = WeekRule()
    assert rule.weeks_to_choose(local(2026, 11, 30, 7, 10)) == ("2026-W48", "2026-W49")
    assert rule.weeks_to_choose(local(2026, 11, 30, 12, 0)) == ("2026-W49",)
    assert rule.weeks_to_choose(local(2026, 11, 25, 9, 0)) == ("2026-W48",)
    # Sunday night after the deadline the new week has not begun: this (late) week only.
    assert rule.weeks_to_choose(local(2026, 11, 29, 22, 0)) == ("2026-W48",)


def test_deadline_follows_the_schedule_and_judges_on_time():
    rule = WeekRule(deadline_slot=Slot(5, time(18, 0)))  # Saturday 18:00
    assert rule.is_on_time("2026-W48", local(2026, 11, 28, 17, 59))
    assert not rule.is_on_time("2026-W48", local(2026, 11, 28, 18, 0))
    assert rule.is_open("2026-W48", local(2026, 11, 28, 17, 0))
    assert not rule.is_open("2026-W48", local(2026, 11, 29, 9, 0))


def test_last_week_stays_editable_until_this_weeks_deadline():
    rule = WeekRule()
    assert rule.editable_weeks(local(2026, 12, 2, 10)) == ("2026-W48", "2026-W49")
    assert rule.editable_weeks(local(2026, 12, 6, 21, 30)) == ("2026-W49",)


def test_week_name_names_the_dates():
    assert week_name("2026-W48") == "Tuần 48 (23/11–29/11)"


def test_one_units_rule_follows_its_ancestors_schedule_like_the_whole_tree(engine, org):
    """The dialog reads one unit's rule from its ancestor chain only: it must match the rule
    the whole-tree reading gives, nearest subtree first, and see a schedule change at once."""
    from storage import reminders
    from storage.db import session_scope
    from storage.weeks import load_week_rule, load_week_rules

    def rules() -> dict[str, WeekRule]:
        with session_scope(engine) as s:
            every = load_week_rules(s)
            chain = {code: load_week_rule(s, unit.id) for code, unit in org.items()}
            assert chain == {code: every.for_unit(unit.id) for code, unit in org.items()}
            return chain

    assert set(rules().values()) == {WeekRule()}
    with session_scope(engine) as s:
        reminders.set_schedule(s, None, {"deadline": "5 18:00"})
        reminders.set_schedule(s, org["HD-A"].id, {"deadline": "6 20:00", "grace": "0 09:00"})
    now = rules()
    saturday = WeekRule(deadline_slot=Slot(5, time(18, 0)))
    district_a = WeekRule(Slot(6, time(20, 0)), Slot(0, time(9, 0)))
    assert now["CD-A1"] == now["HD-A"] == district_a
    assert now["CD-B1"] == now["TD"] == saturday
    with session_scope(engine) as s:
        reminders.set_schedule(s, org["HD-A"].id, {"deadline": None, "grace": None})
    assert rules()["CD-A1"] == saturday
