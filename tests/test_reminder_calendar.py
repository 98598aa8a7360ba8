"""When reminders go out: weeks, holidays (Tết included), office days off, quiet hours."""
from datetime import date, datetime, time

import pytest

from handlers.weekly.calendar import (DaysOff, Slot, SlotError, due_at, is_quiet, latest_due,
                                        next_due, out_of_quiet_hours, parse_slot, period_of)
from storage.clock import LOCAL_TZ

FRI_1630, SUN_0900, MON_0730 = Slot(4, time(16, 30)), Slot(6, time(9)), Slot(0, time(7, 30))


def local(*args) -> datetime:
    return datetime(*args, tzinfo=LOCAL_TZ)


def test_default_reminder_is_friday_afternoon_local_time():
    due = due_at("reminder", FRI_1630, "2026-W47", DaysOff())
    assert due == local(2026, 11, 20, 16, 30)
    assert due.tzinfo is not None and due.utcoffset().total_seconds() == 0  # stored as UTC


def test_next_due_walks_week_by_week_and_latest_due_looks_back():
    days_off = DaysOff()
    period, due = next_due("reminder", FRI_1630, local(2026, 11, 20, 16, 30), days_off)
    assert (period, due) == ("2026-W48", local(2026, 11, 27, 16, 30))
    period, due = latest_due("reminder", FRI_1630, local(2026, 11, 23, 8, 0), days_off)
    assert (period, due) == ("2026-W47", local(2026, 11, 20, 16, 30))
    assert period_of("reminder", FRI_1630, due, days_off) == "2026-W47"


def test_digest_goes_out_monday_about_the_week_before():
    due = due_at("digest", MON_0730, "2026-W47", DaysOff())
    assert due == local(2026, 11, 23, 7, 30)
    assert period_of("digest", MON_0730, due, DaysOff()) == "2026-W47"


def test_public_holiday_on_friday_moves_the_reminder_earlier_in_the_week():
    # National Day 2027: Thursday 2 and Friday 3 September.
    assert due_at("reminder", FRI_1630, "2027-W35", DaysOff()) == local(2027, 9, 1, 16, 30)


def test_three_holidays_in_a_working_week_skip_it():
    # 2026-W18: Hùng Kings (observed Mon 27/4), Reunification Day (Thu 30/4), Labour Day (Fri 1/5).
    days_off = DaysOff()
    assert days_off.week_skipped("2026-W18")
    assert due_at("reminder", FRI_1630, "2026-W18", days_off) is None


def test_tet_week_is_mostly_holiday_and_skipped():
    # Tết Bính Ngọ: 16–20 February 2026, the whole working week.
    days_off = DaysOff()
    assert days_off.week_skipped("2026-W08")
    assert due_at("reminder", FRI_1630, "2026-W08", days_off) is None
    assert due_at("followup", SUN_0900, "2026-W08", days_off) is None
    period, due = next_due("reminder", FRI_1630, local(2026, 2, 13, 17, 0), days_off)
    assert period == "2026-W09" and due == local(2026, 2, 27, 16, 30)


def test_tet_2027_spills_over_two_weeks_from_the_lunar_calendar():
    days_off = DaysOff()
    # 4–5 Feb 2027 (Thu–Fri) are off: the reminder comes on Wednesday.
    assert due_at("reminder", FRI_1630, "2027-W05", days_off) == local(2027, 2, 3, 16, 30)
    # 8–10 Feb 2027 (Mon–Wed) are off: three of five working days, the week is skipped.
    assert days_off.week_skipped("2027-W06")


def test_office_day_off_counts_like_a_holiday():
    days_off = DaysOff({date(2026, 11, 20): "Đại hội Đoàn tỉnh"})
    assert days_off.reason(date(2026, 11, 20)) == "Đại hội Đoàn tỉnh"
    assert due_at("reminder", FRI_1630, "2026-W47", days_off) == local(2026, 11, 19, 16, 30)


def test_holiday_monday_pushes_the_digest_later():
    # 27 April 2026 is the observed Hùng Kings' day (Monday).
    assert due_at("digest", MON_0730, "2026-W17", DaysOff()) == local(2026, 4, 28, 7, 30)


def test_quiet_hours_hold_messages_until_half_past_six():
    assert out_of_quiet_hours(local(2026, 11, 20, 22, 15)) == local(2026, 11, 21, 6, 30)
    assert out_of_quiet_hours(local(2026, 11, 21, 5, 0)) == local(2026, 11, 21, 6, 30)
    assert out_of_quiet_hours(local(2026, 11, 21, 6, 30)) == local(2026, 11, 21, 6, 30)
    assert is_quiet(local(2026, 11, 20, 21, 30)) and not is_quiet(local(2026, 11, 20, 21, 29))
    late = Slot(4, time(22, 0))  # an office that sets 22:00 gets 06:30 the next morning
    assert due_at("reminder", late, "2026-W47", DaysOff()) == local(2026, 11, 21, 6, 30)


def test_followup_that_would_come_after_the_deadline_is_dropped():
    assert due_at("followup", Slot(6, time(21, 15)), "2026-W47", DaysOff()) is None


@pytest.mark.parametrize("text, slot", [
    ("T6 16:30", FRI_1630), ("thứ 6 16:30", FRI_1630), ("Thứ Sáu 16h30", FRI_1630),
    ("CN 9:00", SUN_0900), ("chủ nhật 09:00", SUN_0900), ("T2 07:30", MON_0730),
])
def test_office_staff_write_slots_the_vietnamese_way(text, slot):
    assert parse_slot(text) == slot
    assert Slot.from_key(slot.key) == slot


@pytest.mark.parametrize("text", ["T8 16:30", "T6 25:00", "thứ sáu", "friday 16:30"])
def test_unreadable_slots_are_refused_in_vietnamese(text):
    with pytest.raises(SlotError, match="Không đọc được|không hợp lệ"):
        parse_slot(text)
