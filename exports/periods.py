"""Export periods: `2026-W47`, `2026-11`, `2026-Q4`, `2026-H2`, `2026`, or a date range.

Reports are weekly, so a month, quarter, half or year is the set of whole ISO weeks whose
Thursday falls in it (the ISO rule that also decides which year a week belongs to). Every week
then belongs to exactly one month, and completion rates never count half a week. A --from/--to
range is taken literally (local dates, inclusive) and covers every week it touches.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


class PeriodError(ValueError):
    """A period the export cannot understand; the message is for the office (Vietnamese)."""


@dataclass(frozen=True)
class Period:
    spec: str  # as given, also used in file names
    label: str  # Vietnamese, for titles: "Tuần 47/2026", "Quý IV/2026"
    date_from: date
    date_to: date
    weeks: tuple[str, ...]  # ISO weeks, e.g. ("2026-W47",)
    literal_range: bool = False  # from --from/--to: the label already names the dates

    @property
    def title(self) -> str:
        if self.literal_range:
            return self.label
        return f"{self.label} ({self.date_from:%d/%m/%Y} – {self.date_to:%d/%m/%Y})"


def iso_week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_label(period: str) -> str:
    """'2026-W47' -> '47/2026', the way the office writes it."""
    year, week = period.split("-W")
    return f"{int(week)}/{year}"


def _weeks_with_thursday_in(first: date, last: date) -> tuple[str, ...]:
    thursday = first + timedelta(days=(3 - first.weekday()) % 7)
    weeks = []
    while thursday <= last:
        weeks.append(iso_week_of(thursday))
        thursday += timedelta(days=7)
    return tuple(weeks)


def _whole_weeks(spec: str, label: str, first: date, last: date) -> Period:
    weeks = _weeks_with_thursday_in(first, last)
    start = date.fromisocalendar(*map(int, weeks[0].split("-W")), 1)
    end = date.fromisocalendar(*map(int, weeks[-1].split("-W")), 7)
    return Period(spec, label, start, end, weeks)


def parse_period(spec: str) -> Period:
    """A Period from the office's notation; PeriodError with a Vietnamese message otherwise."""
    text = spec.strip().upper()
    try:
        if m := re.fullmatch(r"(\d{4})-W(\d{1,2})", text):
            year, week = int(m[1]), int(m[2])
            monday = date.fromisocalendar(year, week, 1)
            return Period(f"{year}-W{week:02d}", f"Tuần {week}/{year}", monday,
                          monday + timedelta(days=6), (f"{year}-W{week:02d}",))
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
            year, month = int(m[1]), int(m[2])
            first = date(year, month, 1)
            last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
            return _whole_weeks(f"{year}-{month:02d}", f"Tháng {month}/{year}", first, last)
        if m := re.fullmatch(r"(\d{4})-Q([1-4])", text):
            year, quarter = int(m[1]), int(m[2])
            first = date(year, 3 * quarter - 2, 1)
            last = (date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
                    ) - timedelta(days=1)
            return _whole_weeks(f"{year}-Q{quarter}", f"Quý {ROMAN[quarter]}/{year}", first, last)
        if m := re.fullmatch(r"(\d{4})-H([12])", text):
            year, half = int(m[1]), int(m[2])
            first, last = ((date(year, 1, 1), date(year, 6, 30)) if half == 1
                           else (date(year, 7, 1), date(year, 12, 31)))
            label = f"6 tháng {'đầu' if half == 1 else 'cuối'} năm {year}"
            return _whole_weeks(f"{year}-H{half}", label, first, last)
        if m := re.fullmatch(r"(\d{4})", text):
            year = int(m[1])
            return _whole_weeks(str(year), f"Năm {year}", date(year, 1, 1), date(year, 12, 31))
    except ValueError:  # week 54, month 13 ...
        pass
    raise PeriodError(f"Kỳ báo cáo «{spec}» không hợp lệ. Dùng dạng 2026-W47 (tuần), "
                      "2026-11 (tháng), 2026-Q4 (quý), 2026-H2 (6 tháng) hoặc 2026 (năm).")


def period_between(date_from: date, date_to: date) -> Period:
    """A literal date range (inclusive) and the weeks it touches."""
    if date_to < date_from:
        raise PeriodError(f"Ngày kết thúc {date_to:%d/%m/%Y} trước ngày bắt đầu "
                          f"{date_from:%d/%m/%Y}.")
    weeks, day = [], date_from - timedelta(days=date_from.weekday())
    while day <= date_to:
        weeks.append(iso_week_of(day))
        day += timedelta(days=7)
    spec = f"{date_from:%Y%m%d}-{date_to:%Y%m%d}"
    label = f"Từ {date_from:%d/%m/%Y} đến {date_to:%d/%m/%Y}"
    return Period(spec, label, date_from, date_to, tuple(weeks), literal_range=True)


def as_period(value) -> Period:
    """A Period from a Period, a spec string or a (date_from, date_to) pair."""
    if isinstance(value, Period):
        return value
    if isinstance(value, str):
        return parse_period(value)
    date_from, date_to = value
    return period_between(date_from, date_to)
