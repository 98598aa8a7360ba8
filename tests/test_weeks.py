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
