"""Figures per unit, task and week, gathered in one pass over the report rows."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, Iterator, Optional

from exports.periods import Period
from storage.models import Unit
from storage.reporting import ReportLine, is_on_time, must_report, week_start


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
    reports: int
    participants: int
    photos: int
    tasks: int
    first: Optional[datetime]
    last: Optional[datetime]
    weeks_reported: int  # weeks a report was due and came
    weeks_due: int
    weeks_late: int  # of those, weeks whose first report came after the deadline

    @property
    def rate(self) -> Optional[float]:
        return self.weeks_reported / self.weeks_due if self.weeks_due else None


class Rollup:
    def __init__(self, period: Period, units: Iterable[Unit], parents: set[int],
                 as_of: datetime):
        """`as_of`: weeks that have not begun by then owe nothing yet (a month exported
        mid-month); the current week does, so the office sees whom to remind."""
        self.period = period
        begun = [w for w in period.weeks if week_start(w) <= as_of]
        self.units = {u.id: u for u in units}
        self.figures: dict[int, UnitFigures] = {uid: UnitFigures() for uid in self.units}
        self.by_task: Counter = Counter()  # (unit id, task id) -> reports
        self.tasks_seen: Counter = Counter()  # task id -> reports
        self.due: dict[int, frozenset[str]] = {
            uid: frozenset(w for w in begun if must_report(u, w, uid in parents))
            for uid, u in self.units.items()}

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

    def totals(self, members: Iterable[int]) -> Totals:
        reports = participants = photos = reported = due = late = 0
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
            for week in self.due[uid]:
                due += 1
                came = f.week_first.get(week)
                if came is not None:
                    reported += 1
                    late += not is_on_time(week, came)
        return Totals(reports, participants, photos, len(tasks), first, last, reported, due, late)

    def week_rate(self, members: Iterable[int], week: str) -> Optional[float]:
        due = reported = 0
        for uid in members:
            if week in self.due[uid]:
                due += 1
                reported += week in self.figures[uid].week_first
        return reported / due if due else None

    def missing(self, ordered_ids: list[int]) -> Iterator[tuple[str, int]]:
        """(week, unit id) for every week a unit owed a report and sent none, week by week."""
        for week in self.period.weeks:
            for uid in ordered_ids:
                if week in self.due[uid] and week not in self.figures[uid].week_first:
                    yield week, uid
