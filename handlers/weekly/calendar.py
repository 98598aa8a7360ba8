"""When reminders are due: weekly slots, public holidays and office days off, quiet hours.

Pure functions of a schedule and a set of days off; no database, no clock of its own. The
deadline and grace window come from the one rule in storage/weeks.py (exports use it too and
must not import handlers); `WeeklySchedule.rule` hands it this schedule's slots.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Optional

import holidays

from handlers.textutil import fold
from storage.clock import LOCAL_TZ, iso_week, week_bounds
from storage.reminders import DeliveryKind
from storage.weeks import DAY_NAMES, DEFAULT_DEADLINE, DEFAULT_GRACE, Slot, WeekRule

KINDS = (DeliveryKind.REMINDER, DeliveryKind.FOLLOWUP, DeliveryKind.DIGEST)  # scheduled ones
QUIET_START, QUIET_END = time(21, 30), time(6, 30)  # local; nothing is sent in between
MOSTLY_OFF = 3  # a week with this many of its five working days off gets no reminders

# What office staff may type for a weekday (accents and case ignored).
_DAY_WORDS = {
    **{f"t{n}": n - 2 for n in range(2, 8)}, "cn": 6,
    **{f"thu {n}": n - 2 for n in range(2, 8)}, **{f"thu{n}": n - 2 for n in range(2, 8)},
    "thu hai": 0, "thu ba": 1, "thu tu": 2, "thu nam": 3, "thu sau": 4, "thu bay": 5,
    "chu nhat": 6,
}


class SlotError(ValueError):
    """A slot written in a way we cannot read; the message is for office staff."""


def parse_slot(text: str) -> Slot:
    """'T6 16:30', 'thứ 6 16:30', 'Thứ Sáu 16h30', 'CN 9:00' -> Slot."""
    match = re.match(r"^(.*?)\s*(\d{1,2})[:h](\d{2})$", fold(text))
    if not match or match.group(1).strip() not in _DAY_WORDS:
        raise SlotError(f"Không đọc được «{text}». Ví dụ đúng: «T6 16:30», «CN 09:00».")
    hour, minute = int(match.group(2)), int(match.group(3))
    if hour > 23 or minute > 59:
        raise SlotError(f"Giờ «{text}» không hợp lệ.")
    return Slot(_DAY_WORDS[match.group(1).strip()], time(hour, minute))


@dataclass(frozen=True)
class WeeklySchedule:
    """A unit's weekly schedule. None for reminder/followup/digest means that one is off."""

    reminder: Optional[Slot] = Slot(4, time(16, 30))
    followup: Optional[Slot] = Slot(6, time(9, 0))
    deadline: Slot = DEFAULT_DEADLINE
    digest: Optional[Slot] = Slot(0, time(7, 30))
    grace: Slot = DEFAULT_GRACE  # a slot of the FOLLOWING week

    def slot(self, kind: str) -> Optional[Slot]:
        return getattr(self, kind)

    @property
    def rule(self) -> WeekRule:
        """The one deadline rule (storage.weeks) this schedule sets."""
        return WeekRule(self.deadline, self.grace)


DEFAULT_SCHEDULE = WeeklySchedule()


@lru_cache(maxsize=8)
def _public_holidays(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("VN", years=year, language="vi"))


class DaysOff:
    """Vietnamese public holidays (Tết included, from the `holidays` library) plus office days."""

    def __init__(self, extra: Optional[dict[date, str]] = None):
        self.extra = dict(extra or {})

    def reason(self, day: date) -> Optional[str]:
        return self.extra.get(day) or _public_holidays(day.year).get(day)

    def is_off(self, day: date) -> bool:
        return self.reason(day) is not None

    def week_skipped(self, period: str) -> bool:
        """True when most working days (Mon–Fri) of the ISO week are days off."""
        monday, _ = week_bounds(period)
        return sum(self.is_off(monday + timedelta(d)) for d in range(5)) >= MOSTLY_OFF

    def reasons_in(self, period: str) -> list[tuple[date, str]]:
        monday, _ = week_bounds(period)
        days = (monday + timedelta(d) for d in range(7))
        return [(d, self.reason(d)) for d in days if self.is_off(d)]


def out_of_quiet_hours(local: datetime) -> datetime:
    """The same moment, or 06:30 local when it falls in the 21:30–06:30 quiet hours."""
    local = local.astimezone(LOCAL_TZ)
    if local.time() >= QUIET_START:
        return datetime.combine(local.date() + timedelta(days=1), QUIET_END, LOCAL_TZ)
    if local.time() < QUIET_END:
        return datetime.combine(local.date(), QUIET_END, LOCAL_TZ)
    return local


def is_quiet(moment: datetime) -> bool:
    return out_of_quiet_hours(moment) != moment.astimezone(LOCAL_TZ)


def shift_period(period: str, weeks: int) -> str:
    monday, _ = week_bounds(period)
    return iso_week(datetime.combine(monday + timedelta(weeks=weeks), time(12), LOCAL_TZ))


def deadline_of(plan: WeeklySchedule, period: str) -> datetime:
    """The week's reporting deadline (aware, local): the one rule in storage.weeks."""
    return plan.rule.deadline(period)


def due_at(kind: str, slot: Slot, period: str, days_off: DaysOff,
           plan: WeeklySchedule = DEFAULT_SCHEDULE) -> Optional[datetime]:
    """When `kind` for `period` goes out (aware UTC), or None when it does not go out at all.

    Reminders and follow-ups move to an earlier day of the same week when their day is off (so
    they still come before the deadline); the digest, which looks back on the week, moves later.
    A mostly-holiday week gets nothing; a follow-up that would land after the deadline is dropped.
    """
    if days_off.week_skipped(period):
        return None
    monday, _ = week_bounds(period)
    if kind == DeliveryKind.DIGEST:
        day = monday + timedelta(weeks=1, days=slot.day)
        for _ in range(14):
            if not days_off.is_off(day):
                break
            day += timedelta(days=1)
    else:
        day = monday + timedelta(days=slot.day)
        while day >= monday and days_off.is_off(day):
            day -= timedelta(days=1)
        if day < monday:
            return None
    moment = out_of_quiet_hours(datetime.combine(day, slot.at, LOCAL_TZ))
    if kind == DeliveryKind.FOLLOWUP and moment >= deadline_of(plan, period):
        return None
    return moment.astimezone(timezone.utc)


def occurrences(kind: str, slot: Slot, around: datetime, days_off: DaysOff,
                weeks_back: int = 2, weeks_ahead: int = 3) -> list[tuple[str, datetime]]:
    """(period, due instant) pairs near `around`, oldest first."""
    here = iso_week(around)
    out = []
    for offset in range(-weeks_back, weeks_ahead + 1):
        period = shift_period(here, offset)
        moment = due_at(kind, slot, period, days_off)
        if moment is not None:
            out.append((period, moment))
    return sorted(out, key=lambda pair: pair[1])


def next_due(kind: str, slot: Slot, after: datetime, days_off: DaysOff
             ) -> Optional[tuple[str, datetime]]:
    """The first (period, instant) strictly after `after`; skipped weeks are passed over."""
    for weeks in (3, 12, 60):  # a long run of days off pushes it further away
        for period, moment in occurrences(kind, slot, after, days_off, weeks_ahead=weeks):
            if moment > after:
                return period, moment
    return None


def latest_due(kind: str, slot: Slot, now: datetime, days_off: DaysOff
               ) -> Optional[tuple[str, datetime]]:
    """The newest (period, instant) at or before `now`, looking back two weeks."""
    past = [(p, m) for p, m in occurrences(kind, slot, now, days_off) if m <= now]
    return past[-1] if past else None


def period_of(kind: str, slot: Slot, moment: datetime, days_off: DaysOff) -> Optional[str]:
    """The period whose `kind` is due exactly at `moment` (inverse of due_at)."""
    for period, due in occurrences(kind, slot, moment, days_off):
        if due == moment:
            return period
    return None


def late_by(due: datetime, now: datetime) -> timedelta:
    """How late a message due at `due` is at `now`, not counting quiet hours (when waiting is
    the rule, not a delay)."""
    if now <= due:
        return timedelta(0)
    quiet = timedelta(0)
    day = due.astimezone(LOCAL_TZ).date() - timedelta(days=1)
    last = now.astimezone(LOCAL_TZ).date()
    while day <= last:
        start = datetime.combine(day, QUIET_START, LOCAL_TZ)
        end = datetime.combine(day + timedelta(days=1), QUIET_END, LOCAL_TZ)
        overlap = min(end, now) - max(start, due)
        if overlap > timedelta(0):
            quiet += overlap
        day += timedelta(days=1)
    return (now - due) - quiet
