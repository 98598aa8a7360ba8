"""The one deadline rule: when a week's reports are due, which week a report belongs to, and
whether a week is still open. Reminders, /trangthai, the digest, the dialog and every export
ask this module, nothing else.

A week runs Monday–Sunday, Asia/Ho_Chi_Minh. Its reports are due at the unit's deadline slot
(default Sunday 21:00; `schedule set --deadline`). From that deadline until the grace end (default
the next Monday 12:00) a cadre may still be reporting last week's activity, so the dialog asks
which week; outside that window a report belongs to the week it is sent in. A week is "open"
("đang mở") until its deadline has passed and is never counted as missed while open.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from datetime import date, datetime, time, timedelta
from typing import Optional

from sqlalchemy import bindparam, literal, union_all
from sqlmodel import Session, select

from storage.clock import LOCAL_TZ, iso_week, to_local, week_bounds
from storage.driver import DriverStatement


DAY_NAMES = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


@dataclass(frozen=True, order=True)
class Slot:
    """A weekly moment: weekday (0 = Monday) and local wall time."""

    day: int
    at: time

    @property
    def key(self) -> str:
        """Stable text form, stored in the database and used in job ids: '4 16:30'."""
        return f"{self.day} {self.at:%H:%M}"

    def label(self) -> str:
        return f"{DAY_NAMES[self.day]} {self.at:%H:%M}"

    @classmethod
    def from_key(cls, key: str) -> "Slot":
        day, hhmm = key.split()
        hour, minute = hhmm.split(":")
        return cls(int(day), time(int(hour), int(minute)))


DEFAULT_DEADLINE = Slot(6, time(21, 0))  # Sunday 21:00 of the week
DEFAULT_GRACE = Slot(0, time(12, 0))  # Monday 12:00 of the FOLLOWING week


def shift_week(period: str, weeks: int) -> str:
    monday, _ = week_bounds(period)
    return iso_week(datetime.combine(monday + timedelta(weeks=weeks), time(12), LOCAL_TZ))


def week_dates(period: str) -> str:
    """'23/11–29/11' for buttons and summaries."""
    monday, sunday = week_bounds(period)
    return f"{monday:%d/%m}–{sunday:%d/%m}"


def week_name(period: str) -> str:
    """'Tuần 48 (23/11–29/11)': how a cadre sees a week on a button or a receipt."""
    return f"Tuần {int(period.split('-W')[1])} ({week_dates(period)})"


@lru_cache(maxsize=8192)
def _slot_in_week(slot: Slot, period: str, weeks_later: int) -> datetime:
    """The aware local instant of `slot` in week `period` (or that many weeks later); cached,
    as a year's export asks for each unit's deadline every week."""
    monday, _ = week_bounds(period)
    return datetime.combine(monday + timedelta(days=7 * weeks_later + slot.day), slot.at,
                            LOCAL_TZ)


@dataclass(frozen=True)
class WeekRule:
    """One unit's deadline and grace window."""

    deadline_slot: Slot = DEFAULT_DEADLINE
    grace_slot: Slot = DEFAULT_GRACE

    def deadline(self, period: str) -> datetime:
        """The aware local instant week `period`'s reports are due."""
        return _slot_in_week(self.deadline_slot, period, 0)

    def grace_end(self, period: str) -> datetime:
        """Until when a report sent after the deadline may still be for `period`."""
        return max(_slot_in_week(self.grace_slot, period, 1), self.deadline(period))

    def is_on_time(self, period: str, created_at: datetime) -> bool:
        return to_local(created_at) < self.deadline(period)

    def is_open(self, period: str, now: datetime) -> bool:
        """True while the week's deadline is ahead: nobody has missed it yet."""
        return to_local(now) < self.deadline(period)

    def weeks_to_choose(self, now: datetime) -> tuple[str, ...]:
        """The weeks a report sent at `now` may belong to, oldest first: last week and this
        week inside last week's grace window (when the new week has begun), else this week."""
        current = iso_week(now)
        previous = shift_week(current, -1)
        local = to_local(now)
        if self.deadline(previous) <= local < self.grace_end(previous):
            return (previous, current)
        return (current,)

    def editable_weeks(self, now: datetime) -> tuple[str, ...]:
        """Weeks whose reports /sua may still reopen: this week, and last week until this
        week's deadline."""
        current = iso_week(now)
        if to_local(now) < self.deadline(current):
            return (shift_week(current, -1), current)
        return (current,)


DEFAULT_RULE = WeekRule()


class WeekRules:
    """Each unit's WeekRule, resolved once from the stored schedules (nearest subtree wins)."""

    def __init__(self, specs_for_unit, default: WeekRule = DEFAULT_RULE):
        self._specs_for_unit = specs_for_unit
        self._cache: dict[Optional[int], WeekRule] = {}
        self.default = default

    def for_unit(self, unit_id: Optional[int]) -> WeekRule:
        if unit_id not in self._cache:
            self._cache[unit_id] = rule_from_specs(self._specs_for_unit(unit_id))
        return self._cache[unit_id]

    def deadline(self, unit_id: Optional[int], period: str) -> datetime:
        return self.for_unit(unit_id).deadline(period)

    def is_on_time(self, unit_id: Optional[int], period: str, created_at: datetime) -> bool:
        return self.for_unit(unit_id).is_on_time(period, created_at)

    def is_open(self, unit_id: Optional[int], period: str, now: datetime) -> bool:
        return self.for_unit(unit_id).is_open(period, now)


def rule_from_specs(specs: dict) -> WeekRule:
    """A unit's rule from its effective schedule specs ('off' or unset: the default)."""
    deadline, grace = specs.get("deadline"), specs.get("grace")
    return WeekRule(
        Slot.from_key(deadline) if deadline and deadline != "off" else DEFAULT_DEADLINE,
        Slot.from_key(grace) if grace and grace != "off" else DEFAULT_GRACE)


def load_week_rule(s: Session, unit_id: int) -> WeekRule:
    """One unit's rule, read from its ancestor chain only (a dialog step must not read every
    unit and schedule of a national tree): one query, whatever the tree's size."""
    from storage import reminders as store

    rows: dict = {}
    chain: list[int] = []
    for row in _chain_schedules_statement().rows(s.connection(), {"unit_id": unit_id}):
        if row.depth > MAX_DEPTH:
            rows[None] = row  # the whole tree's schedule
        elif row.unit_id not in chain and len(chain) == row.depth:  # stops at a parent cycle
            chain.append(row.unit_id)
            rows[row.unit_id] = row
    return rule_from_specs(store.effective_specs(rows, chain or [unit_id]))


MAX_DEPTH = 32  # far deeper than any union tree; stops a corrupted parent cycle


def ancestor_chain(s: Session, unit_id: int) -> list[int]:
    """The unit, its parent, ... up to the root, in one recursive query."""
    chain: list[int] = []
    for ancestor in s.exec(_ancestors_statement(), params={"unit_id": unit_id}):
        if ancestor in chain:
            break
        chain.append(ancestor)
    return chain or [unit_id]


def ancestors_cte():
    """The recursive CTE of the unit (bindparam unit_id) and its ancestors, with their depth."""
    from storage.models import Unit

    up = (select(Unit.id, Unit.parent_id, literal(0).label("depth"))
          .where(Unit.id == bindparam("unit_id")).cte("up", recursive=True))
    return up.union_all(select(Unit.id, Unit.parent_id, up.c.depth + 1)
                        .where(Unit.id == up.c.parent_id, up.c.depth < MAX_DEPTH))


@lru_cache(maxsize=1)
def _ancestors_statement():
    """Built once: constructing a recursive CTE costs more than running it."""
    up = ancestors_cte()
    return select(up.c.id).order_by(up.c.depth)


@lru_cache(maxsize=1)
def _chain_schedules_statement():
    """The ancestor chain, each unit with its schedule columns (NULL: none), then the whole
    tree's schedule row (depth past MAX_DEPTH); built once."""
    from storage.reminders import SLOT_COLUMNS, ReminderSchedule

    schedule = ReminderSchedule.__table__
    slots = [schedule.c[name] for name in SLOT_COLUMNS]
    up = ancestors_cte()
    chain = (select(up.c.id.label("unit_id"), up.c.depth.label("depth"), *slots)
             .select_from(up.outerjoin(schedule, schedule.c.unit_id == up.c.id)))
    tree = (select(schedule.c.unit_id, literal(MAX_DEPTH + 1).label("depth"), *slots)
            .where(schedule.c.unit_id.is_(None)))
    both = union_all(chain, tree).subquery()
    return DriverStatement(select(both).order_by(both.c.depth))


def load_week_rules(s: Session) -> WeekRules:
    """The rules of every unit, read in two queries (schedules and the parent map)."""
    from storage import reminders as store  # the schedule tables live with the reminders

    return week_rules_from(store.schedule_rows(s), store.parent_map(s))


def week_rules_from(rows: dict, parents: dict) -> WeekRules:
    """The rules from schedule rows and the parent map already read (the reminders' calendar)."""
    from storage import reminders as store

    def specs(unit_id: Optional[int]) -> dict:
        chain = store.ancestors(parents, unit_id) if unit_id is not None else []
        return store.effective_specs(rows, chain)
    return WeekRules(specs)


def local_date(moment: datetime) -> date:
    return to_local(moment).date()
