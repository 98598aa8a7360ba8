"""The period figures, for the workbook (exports/rollup.py) and the Word report (issue 15).

One function, `period_figures`, computed by the same code the workbook uses: both open a
`Scope` (units, tree lines, tasks and an empty stats.Rollup for the period) and feed it the
period's reports; the workbook while writing Chi tiết, `period_figures` on its own.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Iterable, Optional, Union

from sqlalchemy.engine import Engine
from sqlmodel import Session

from exports.periods import Period, as_period
from exports.stats import Rollup
from exports.tree import Line, tree_lines
from storage import repo
from storage.catalog import task_name
from storage.clock import to_local, utcnow
from storage.models import Task, Unit
from storage.review import COMMENDED
from storage.reporting import (ReportLine, all_tasks, any_children, iter_report_lines,
                               units_with_reports, week_start)
from storage.weeks import WeekRules, load_week_rules


class ExportError(ValueError):
    """The export cannot run as asked; the message is for the office (Vietnamese)."""


@dataclass
class Scope:
    """Everything the figures of one period and subtree are computed over."""
    period: Period
    root: Optional[Unit]
    unit_ids: Optional[set[int]]  # the subtree, None for the whole tree
    units: list[Unit]
    ordered: list[tuple[Unit, int]]  # tree order with depths
    tasks: dict[int, Task]
    plan_id: Optional[int]
    rules: WeekRules
    rollup: Rollup

    def lines(self) -> list[Line]:
        """Rows of the per-unit sheets; call once the reports are added (a parent's own
        activities get a row only when there are some)."""
        figures = self.rollup.figures
        return tree_lines(self.ordered, has_reports=lambda uid: figures[uid].reports > 0)

    @property
    def by_id(self) -> dict[int, Unit]:
        return self.rollup.units

    @property
    def organisation(self) -> str:
        if self.root is not None:
            return self.root.name
        roots = [u.name for u, depth in self.ordered if depth == 0]
        return roots[0] if len(roots) == 1 else "Các đơn vị"

    def ordered_tasks(self) -> list[Task]:
        """The active plan's tasks in plan order, then older plans' tasks the period used."""
        seen = set(self.rollup.tasks_seen)
        chosen = [t for t in self.tasks.values() if t.plan_id == self.plan_id or t.id in seen]
        return sorted(chosen, key=lambda t: (t.plan_id != self.plan_id, t.plan_id, t.position,
                                             t.id))

    def with_period(self, period: Period) -> "Scope":
        """The same units and rules over another period (for the previous period's figures)."""
        rollup = Rollup(period, self.units, any_children(self.units), self.rollup.as_of,
                        self.rules)
        return Scope(period, self.root, self.unit_ids, self.units, self.ordered, self.tasks, self.plan_id, self.rules, rollup)


def open_scope(s: Session, period, unit_code: Optional[str] = None,
               as_of: Optional[datetime] = None) -> Scope:
    """Units of the subtree (retired ones while they still owed or sent reports), in tree
    order, with an empty Rollup judged at `as_of` (now by default)."""
    period = as_period(period)
    as_of = as_of or utcnow()
    root = None
    if unit_code:
        root = repo.unit_by_code(s, unit_code)
        if root is None:
            raise ExportError(f"Không có đơn vị mã «{unit_code}».")
    unit_ids = repo.subtree_ids(s, root.id) if root else None
    reporting = units_with_reports(s, period.weeks)
    first_week = week_start(period.weeks[0])
    units = [u for u in repo.all_units(s, include_retired=True)
             if (unit_ids is None or u.id in unit_ids)
             and (u.active or u.id in reporting
                  or (u.retired_at is not None and u.retired_at > first_week))]
    ordered = repo.tree_order(units)
    plan = repo.active_plan(s)
    rules = load_week_rules(s)
    rollup = Rollup(period, units, any_children(units), as_of, rules)
    return Scope(period, root, unit_ids, units, ordered, all_tasks(s), plan.id if plan else None, rules, rollup)


LARGEST = 5  # activities the Word report shows under «Mô hình, cách làm hay»
COMMENDED_SHOWN = 10  # commended activities it quotes there, when the office commended some


class Largest:
    """The period's largest activities (most participants, then photos, then earliest) and the
    ones the office commended («Biểu dương»), kept while the reports stream past on their way
    into the Rollup."""

    def __init__(self, size: int = LARGEST, commended: int = COMMENDED_SHOWN):
        self.size = size
        self._heap: list[tuple[tuple, ReportLine]] = []
        self.commended_size = commended
        self.commended: list[ReportLine] = []  # in the order they were sent

    def add(self, line: ReportLine) -> None:
        if line.review_status == COMMENDED and len(self.commended) < self.commended_size:
            self.commended.append(line)
        key = (line.participants or 0, line.photo_count, -line.id)
        if len(self._heap) < self.size:
            heapq.heappush(self._heap, (key, line))
        elif key > self._heap[0][0]:
            heapq.heapreplace(self._heap, (key, line))

    def lines(self) -> list[ReportLine]:
        return [line for _, line in sorted(self._heap, key=lambda kv: kv[0], reverse=True)]


def fill(s: Session, scope: Scope, largest: Optional[Largest] = None) -> Scope:
    add = scope.rollup.add
    for line in iter_report_lines(s, scope.period.weeks, scope.unit_ids):
        add(line)
        if largest is not None:
            largest.add(line)
    return scope


# --- the plain result -------------------------------------------------------------------------

@dataclass(frozen=True)
class Headline:
    """Whether units reported, and what they did. Unit counts are unit-weeks: a unit counts
    once for each week it owed (for a one-week period, simply units)."""
    units: int  # units in the scope that owe reports at all (grassroots units)
    expected: int  # unit-weeks owed whose deadline has passed
    reported: int  # of those, reported (once per week, however many activities)
    on_time: int
    late: int
    not_reported: int
    open: int  # unit-weeks whose deadline is still ahead ("đang mở"), not in the rate
    open_reported: int  # of those, already reported
    completion_rate: Optional[float]  # reported / expected; None when nothing was owed yet
    participants: int
    photos: int
    activities: int  # reports
    # Units rather than unit-weeks (they differ for a period longer than a week):
    units_due: int = 0  # units that owed at least one week whose deadline has passed
    units_reported: int = 0  # of those, units that reported at least one owed week
    units_full: int = 0  # of those, units that reported every owed week
    units_active: int = 0  # units that sent any report in the period, owed or not
    units_sent: int = 0  # units that reported a week they owed or that is still open


@dataclass(frozen=True)
class Activity:
    """One report, as the Word report quotes it."""
    unit: str
    task: str  # "ĐP2 Cải cách hành chính"
    day: date  # the local day it was sent
    week: str  # its activity week
    participants: int
    photos: int
    receipt_code: str
    content: str


@dataclass(frozen=True)
class TaskFigures:
    code: str
    name: str  # "NV3 Nông thôn mới"
    activities: int
    units: int
    people: int


@dataclass(frozen=True)
class IssueRow:
    kind: str  # "difficulty" | "proposal"
    unit_code: str
    unit: str
    parent: str
    task: str
    text: str
    receipt_code: str
    created_at: datetime  # aware


@dataclass(frozen=True)
class MissingUnit:
    code: str
    name: str
    weeks: tuple[str, ...]  # ISO weeks owed and not reported

    @property
    def weeks_missed(self) -> int:
        return len(self.weeks)


@dataclass(frozen=True)
class MissingGroup:
    parent: str  # the parent unit's name ("" for a root)
    units: tuple[MissingUnit, ...]


@dataclass(frozen=True)
class PeriodFigures:
    period: Period
    organisation: str
    as_of: datetime
    headline: Headline
    tasks: tuple[TaskFigures, ...]  # plan order
    issues: tuple[IssueRow, ...]  # time order
    missing: tuple[MissingGroup, ...]  # tree order
    previous_period: Optional[Period] = None
    previous: Optional[Headline] = None
    largest: tuple[Activity, ...] = ()  # most participants first (LARGEST of them)
    commended: tuple[Activity, ...] = ()  # the office's «Biểu dương», in the order sent
    # Each unit's deadline (storage.weeks), distinct and in order, for the period's last week
    # and for the first week of the next period: the report says when figures become final
    # and by when the next reports are due.
    last_deadlines: tuple[datetime, ...] = ()
    next_deadlines: tuple[datetime, ...] = ()
    extra: dict = field(default_factory=dict)


def headline(rollup: Rollup, unit_ids: Iterable[int]) -> Headline:
    ids = list(unit_ids)
    t = rollup.totals(ids)
    open_reported = sum(1 for uid in ids for w in rollup.open[uid]
                        if w in rollup.figures[uid].week_first)
    units = sum(1 for uid in ids if rollup.due[uid] or rollup.open[uid])
    owing = [(rollup.due[uid], rollup.figures[uid].week_first.keys()) for uid in ids
             if rollup.due[uid]]
    return Headline(units, t.weeks_due, t.weeks_reported, t.weeks_on_time, t.weeks_late,
                    t.weeks_missed, t.weeks_open, open_reported, t.rate, t.participants,
                    t.photos, t.reports, units_due=len(owing),
                    units_reported=sum(1 for due, sent in owing if due & sent),
                    units_full=sum(1 for due, sent in owing if due <= sent),
                    units_active=sum(1 for uid in ids if rollup.figures[uid].reports),
                    units_sent=sum(1 for uid in ids if (rollup.due[uid] | rollup.open[uid])
                                   & rollup.figures[uid].week_first.keys()))


def summarise(scope: Scope, previous: Optional[Scope] = None,
              largest: Optional[Largest] = None) -> PeriodFigures:
    """The figures of a filled scope (and of the filled previous one, if given)."""
    rollup, units = scope.rollup, scope.by_id
    ids = [u.id for u, _ in scope.ordered]
    tasks = []
    for task in scope.ordered_tasks():
        reporting = sum(1 for uid in ids if rollup.by_task[uid, task.id])
        tasks.append(TaskFigures(task.code, task_name(task.code, task.label),
                                 rollup.tasks_seen[task.id], reporting,
                                 rollup.task_people[task.id]))
    names = {t.id: task_name(t.code, t.label) for t in scope.tasks.values()}

    def parent_name(unit: Unit) -> str:
        parent = units.get(unit.parent_id)
        return parent.name if parent else ""
    issues = []
    for line in sorted(rollup.issues, key=lambda i: (i.created_at, i.receipt_code)):
        unit = units[line.unit_id]
        for kind, text in (("difficulty", line.difficulties), ("proposal", line.proposals)):
            if text:
                issues.append(IssueRow(kind, unit.code, unit.name, parent_name(unit),
                                       names.get(line.task_id, "?"), text, line.receipt_code,
                                       line.created_at))
    missed: dict[int, list[str]] = {}
    for week, uid in rollup.missing(ids):
        missed.setdefault(uid, []).append(week)
    groups: dict[str, list[MissingUnit]] = {}
    for uid in ids:
        if uid in missed:
            unit = units[uid]
            groups.setdefault(parent_name(unit), []).append(
                MissingUnit(unit.code, unit.name, tuple(missed[uid])))
    def activity(line: ReportLine) -> Activity:
        return Activity(units[line.unit_id].name, names.get(line.task_id, "?"),
                        to_local(line.created_at).date(), line.period, line.participants or 0,
                        line.photo_count, line.receipt_code, line.content)
    activities = tuple(activity(line) for line in (largest.lines() if largest else ()))
    commended = tuple(activity(line) for line in (largest.commended if largest else ()))

    parents = any_children(scope.units)  # judged by their subtree: their deadline is not theirs

    def deadlines(week: str) -> tuple[datetime, ...]:
        return tuple(sorted({scope.rules.deadline(uid, week) for uid in ids
                             if uid not in parents} or {scope.rules.deadline(None, week)}))
    return PeriodFigures(
        scope.period, scope.organisation, rollup.as_of, headline(rollup, ids), tuple(tasks),
        tuple(issues), tuple(MissingGroup(p, tuple(u)) for p, u in groups.items()),
        previous.period if previous else None,
        headline(previous.rollup, ids) if previous else None,
        largest=activities, commended=commended, last_deadlines=deadlines(scope.period.weeks[-1]),
        next_deadlines=deadlines(scope.period.next().weeks[0]))


def period_figures(source: Union[Session, Engine], period, unit_code: Optional[str] = None,
                   *, as_of: Optional[datetime] = None) -> PeriodFigures:
    """The figures of one period for the whole tree or a subtree, as the workbook counts them.

    period: "2026-W48", "2026-11", "2026-Q4", "2026-H2", "2026", a (date_from, date_to) pair
        or an exports.periods.Period. Reports belong to their activity week (Report.period).
    unit_code: limit to that unit's subtree (ExportError when unknown).
    as_of: the moment the figures are judged at (aware; now by default): weeks whose deadline
        (each unit's, storage.weeks) is still ahead are open, not missed.

    Example (the case tests/test_figures.py builds: four branches; in week 48 CD-A1 sent two
    activities on time, CD-B1 one on Sunday 22:00, the others nothing):

        >>> f = period_figures(engine, "2026-W48",
        ...                    as_of=datetime(2026, 12, 1, 9, tzinfo=LOCAL_TZ))
        >>> h = f.headline
        >>> h.expected, h.reported, h.on_time, h.late, h.not_reported, h.open
        (4, 2, 1, 1, 2, 0)
        >>> h.completion_rate, h.activities, h.participants, h.photos
        (0.5, 3, 32, 1)
        >>> [(t.name, t.activities, t.units, t.people) for t in f.tasks][0]  # plan order
        ('NV1 Chống suy thoái', 2, 2, 12)
        >>> [(g.parent, [(u.code, u.weeks_missed) for u in g.units]) for g in f.missing]
        [('Huyện đoàn A', [('CD-A2', 1)]), ('Huyện đoàn B', [('CD-B2', 1)])]
        >>> i = f.issues[0]; (i.kind, i.unit, i.task, i.text, i.receipt_code)
        ('difficulty', 'Chi đoàn ấp 1', 'NV3 Nông thôn mới', 'Thiếu dụng cụ', 'BC-…')
        >>> f.previous_period.spec, f.previous.reported, f.previous.expected
        ('2026-W47', 1, 4)

    Also, from the same pass: `largest` (the period's largest activities, for the Word report's
    «Mô hình, cách làm hay»), per-task units and people, each missing unit's weeks, unit counts
    (Headline.units_*), and the units' deadlines for the last week and the next period.

    Headline unit counts are unit-weeks (for one week: units); a unit counts as reported once
    a week however many activities it sent, and activities are counted separately.
    """
    own = isinstance(source, Engine)
    s = Session(source) if own else source
    try:
        largest = Largest()
        scope = fill(s, open_scope(s, period, unit_code, as_of), largest)
        previous = fill(s, scope.with_period(scope.period.previous()))
        return summarise(scope, previous, largest)
    finally:
        if own:
            s.close()
