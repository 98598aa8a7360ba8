"""Figures per unit, task and week, gathered in one pass over the report rows.

A report belongs to its activity week (`Report.period`). Per unit and week:
- owed ("due"): the unit was expected that week (storage.reporting.expected_weeks) and the
  unit's deadline (storage.weeks, the one rule) has passed at `as_of`;
- open ("đang mở"): expected, the week has begun and its deadline is still ahead: nobody has
  missed it yet, so it is left out of completion rates and missing lists;
- reported once per week however many activities came; on time when the week's first report
  was sent before that unit's deadline.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, Iterator, NamedTuple, Optional

from exports.periods import Period
from storage.models import Unit
from storage.reporting import ReportLine, expected_weeks, week_start
from storage.weeks import DEFAULT_RULE, WeekRules


@dataclass
class UnitFigures:
    reports: int = 0
    participants: int = 0
    photos: int = 0
    tasks: set = field(default_factory=set)
    first: Optional[datetime] = None
    last: Optional[datetime] = None
    week_first: dict = field(default_factory=dict)  # week -> earliest report time
    week_count: Counter = field(default_factory=Counter)


@dataclass
class Totals:
    """Figures of one line of a per-unit sheet (a unit, a subtree or everything)."""
    reports: int  # activities: every report counts
    participants: int
    photos: int
    tasks: int
    first: Optional[datetime]
    last: Optional[datetime]
    weeks_reported: int  # unit-weeks owed and reported (a unit counts once a week)
    weeks_due: int  # unit-weeks owed whose deadline has passed
    weeks_late: int  # of those reported, weeks whose first report came after the deadline
    weeks_open: int = 0  # unit-weeks expected whose deadline is still ahead

    @property
    def weeks_on_time(self) -> int:
        return self.weeks_reported - self.weeks_late

    @property
    def weeks_missed(self) -> int:
        return self.weeks_due - self.weeks_reported

    @property
    def rate(self) -> Optional[float]:
        return self.weeks_reported / self.weeks_due if self.weeks_due else None


class IssueLine(NamedTuple):
    """A difficulty or proposal as sent, for the figures and the report."""
    unit_id: int
    task_id: int
    receipt_code: str
    created_at: datetime
    difficulties: Optional[str]
    proposals: Optional[str]


class Rollup:
    def __init__(self, period: Period, units: Iterable[Unit], parents: set[int],
                 as_of: datetime, rules: Optional[WeekRules] = None):
        """`parents`: ids of units that have children (judged by their subtree). `rules`: each
        unit's deadline (storage.weeks.load_week_rules); the default rule when None."""
        self.period, self.as_of = period, as_of
        self.units = {u.id: u for u in units}
        self.figures: dict[int, UnitFigures] = {uid: UnitFigures() for uid in self.units}
        self.by_task: Counter = Counter()  # (unit id, task id) -> reports
        self.task_people: Counter = Counter()  # task id -> participants
        self.tasks_seen: Counter = Counter()  # task id -> reports
        self.issues: list[IssueLine] = []
        self.rule_of = rules.for_unit if rules is not None else (lambda _uid: DEFAULT_RULE)
        begun = [w for w in period.weeks if week_start(w) <= as_of]
        self.due: dict[int, frozenset[str]] = {}
        self.open: dict[int, frozenset[str]] = {}
        for uid, unit in self.units.items():
            rule = self.rule_of(uid)
            expected = expected_weeks(unit, begun, uid in parents, rule)
            self.due[uid] = frozenset(w for w in expected if not rule.is_open(w, as_of))
            self.open[uid] = frozenset(w for w in expected if rule.is_open(w, as_of))

    def add(self, line: ReportLine) -> None:
        f = self.figures[line.unit_id]
        f.reports += 1
        f.participants += line.participants or 0
        f.photos += line.photo_count
        f.tasks.add(line.task_id)
        created = line.created_at
        if f.first is None or created < f.first:
            f.first = created
        if f.last is None or created > f.last:
            f.last = created
        first_in_week = f.week_first.get(line.period)
        if first_in_week is None or created < first_in_week:
            f.week_first[line.period] = created
        f.week_count[line.period] += 1
        self.by_task[line.unit_id, line.task_id] += 1
        self.tasks_seen[line.task_id] += 1
        self.task_people[line.task_id] += line.participants or 0
        if line.difficulties or line.proposals:
            self.issues.append(IssueLine(line.unit_id, line.task_id, line.receipt_code,
                                         created, line.difficulties, line.proposals))

    def is_late(self, uid: int, week: str) -> bool:
        came = self.figures[uid].week_first.get(week)
        return came is not None and not self.rule_of(uid).is_on_time(week, came)

    def totals(self, members: Iterable[int]) -> Totals:
        reports = participants = photos = reported = due = late = open_weeks = 0
        tasks: set = set()
        first = last = None
        for uid in members:
            f = self.figures[uid]
            reports += f.reports
            participants += f.participants
            photos += f.photos
            tasks |= f.tasks
            if f.first is not None and (first is None or f.first < first):
                first = f.first
            if f.last is not None and (last is None or f.last > last):
                last = f.last
            open_weeks += len(self.open[uid])
            for week in self.due[uid]:
                due += 1
                if week in f.week_first:
                    reported += 1
                    late += self.is_late(uid, week)
        return Totals(reports, participants, photos, len(tasks), first, last, reported, due, late,
                      open_weeks)

    def week_rate(self, members: Iterable[int], week: str) -> Optional[float]:
        due = reported = 0
        for uid in members:
            if week in self.due[uid]:
                due += 1
                reported += week in self.figures[uid].week_first
        return reported / due if due else None

    def week_open(self, members: Iterable[int], week: str) -> bool:
        return any(week in self.open[uid] for uid in members)

    def missing(self, ordered_ids: list[int]) -> Iterator[tuple[str, int]]:
        """(week, unit id) for every week a unit owed a report and sent none, week by week.
        Open weeks owe nothing yet."""
        for week in self.period.weeks:
            for uid in ordered_ids:
                if week in self.due[uid] and week not in self.figures[uid].week_first:
                    yield week, uid
