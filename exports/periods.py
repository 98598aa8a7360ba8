"""Export periods: `2026-W47`, `2026-11`, `2026-Q4`, `2026-H2`, `2026`, or a date range.

Reports are weekly, so a month, quarter, half or year is the set of whole ISO weeks whose
Thursday falls in it (the ISO rule that also decides which year a week belongs to). Every week
then belongs to exactly one month, and completion rates never count half a week. Titles give
the calendar dates ("Tháng 11/2026 (01/11/2026 – 30/11/2026)") and `week_note` says in one line
how weeks were counted. A --from/--to range is taken literally (local dates, inclusive) and
covers every week it touches.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Optional

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
    calendar: Optional[tuple[date, date]] = None  # the month/quarter/... as on a calendar
    unit_word: str = ""  # "tháng", "quý", "năm": what a week is attributed to

    @property
    def title(self) -> str:
        if self.literal_range:
            return self.label
        first, last = self.calendar or (self.date_from, self.date_to)
        return f"{self.label} ({first:%d/%m/%Y} – {last:%d/%m/%Y})"

    @property
    def week_note(self) -> Optional[str]:
        """One line for the workbook: how whole weeks were attributed to this period."""
        first = date.fromisocalendar(*map(int, self.weeks[0].split("-W")), 1)
        last = date.fromisocalendar(*map(int, self.weeks[-1].split("-W")), 7)
        if self.literal_range:
            if (first, last) == (self.date_from, self.date_to):
                return None
            return (f"Báo cáo được tính theo tuần hoạt động: trọn {len(self.weeks)} tuần có ngày "
                    f"trong khoảng này (từ {first:%d/%m/%Y} đến {last:%d/%m/%Y}).")
        if not self.unit_word:
            return None
        return (f"Tuần được tính vào {self.unit_word} có ngày thứ Năm của tuần "
                f"({len(self.weeks)} tuần, từ {first:%d/%m/%Y} đến {last:%d/%m/%Y}).")

    def previous(self) -> "Period":
        """The period of the same kind and length just before this one."""
        if self.literal_range:
            length = self.date_to - self.date_from + timedelta(days=1)
            return period_between(self.date_from - length, self.date_from - timedelta(days=1))
        if len(self.weeks) == 1:
            return parse_period(iso_week_of(self.date_from - timedelta(days=7)))
        first = self.calendar[0]
        months = {"tháng": 1, "quý": 3, "kỳ 6 tháng": 6, "năm": 12}[self.unit_word]
        month_index = first.year * 12 + first.month - 1 - months
        year, month = divmod(month_index, 12)
        spec = {1: f"{year}-{month + 1:02d}", 3: f"{year}-Q{month // 3 + 1}",
                6: f"{year}-H{month // 6 + 1}", 12: f"{year}"}[months]
        return parse_period(spec)

    def next(self) -> "Period":
        """The period of the same kind and length just after this one."""
        if self.literal_range:
            length = self.date_to - self.date_from + timedelta(days=1)
            return period_between(self.date_to + timedelta(days=1), self.date_to + length)
        if len(self.weeks) == 1:
            return parse_period(iso_week_of(self.date_from + timedelta(days=7)))
        first = self.calendar[0]
        months = {"tháng": 1, "quý": 3, "kỳ 6 tháng": 6, "năm": 12}[self.unit_word]
        year, month = divmod(first.year * 12 + first.month - 1 + months, 12)
        spec = {1: f"{year}-{month + 1:02d}", 3: f"{year}-Q{month // 3 + 1}",
                6: f"{year}-H{month // 6 + 1}", 12: f"{year}"}[months]
        return parse_period(spec)


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


def _whole_weeks(spec: str, label: str, first: date, last: date, unit_word: str) -> Period:
    weeks = _weeks_with_thursday_in(first, last)
    start = date.fromisocalendar(*map(int, weeks[0].split("-W")), 1)
    end = date.fromisocalendar(*map(int, weeks[-1].split("-W")), 7)
    return Period(spec, label, start, end, weeks, calendar=(first, last), unit_word=unit_word)


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
            return _whole_weeks(f"{year}-{month:02d}", f"Tháng {month}/{year}", first, last,
                                "tháng")
        if m := re.fullmatch(r"(\d{4})-Q([1-4])", text):
            year, quarter = int(m[1]), int(m[2])
            first = date(year, 3 * quarter - 2, 1)
            last = (date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
                    ) - timedelta(days=1)
            return _whole_weeks(f"{year}-Q{quarter}", f"Quý {ROMAN[quarter]}/{year}", first,
                                last, "quý")
        if m := re.fullmatch(r"(\d{4})-H([12])", text):
            year, half = int(m[1]), int(m[2])
            first, last = ((date(year, 1, 1), date(year, 6, 30)) if half == 1
                           else (date(year, 7, 1), date(year, 12, 31)))
            label = f"6 tháng {'đầu' if half == 1 else 'cuối'} năm {year}"
            return _whole_weeks(f"{year}-H{half}", label, first, last, "kỳ 6 tháng")
        if m := re.fullmatch(r"(\d{4})", text):
            year = int(m[1])
            return _whole_weeks(str(year), f"Năm {year}", date(year, 1, 1), date(year, 12, 31),
                                "năm")
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
