"""A period's figures for one subtree, as the báo cáo needs them.

`gather_figures` is the ONE place the report gets numbers from. For now it adds them up with
the workbook's own code (exports.stats.Rollup over storage.reporting's rows, the same unit
selection as exports.rollup), so every figure equals the workbook's. When exports/figures.py
lands, this function is re-pointed at it; tests/test_report_docx.py compares each figure with
the workbook read back, so the re-pointing is checked.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Optional

from sqlmodel import Session

from exports.periods import Period, parse_period, period_between
from exports.stats import Rollup
from exports.summary import ordered_tasks
from storage import repo
from storage.clock import to_local
from storage.reporting import (all_tasks, any_children, iter_report_lines, local_day_bounds,
                               units_with_reports)

TOP_ACTIVITIES = 5


class FiguresError(ValueError):
    """The report cannot be made as asked; the message is for the office (Vietnamese)."""


@dataclass(frozen=True)
class Headline:
    """The figures the report compares with the previous period."""
    units_expected: int  # units that owed at least one week
    units_reported: int  # of those, units that reported at least one owed week
    weeks_due: int  # unit-weeks owed (a week: = units_expected)
    weeks_reported: int
    weeks_late: int
    reports: int
    participants: int
    photos: int

    @property
    def rate(self) -> Optional[float]:
        return self.weeks_reported / self.weeks_due if self.weeks_due else None


@dataclass(frozen=True)
class TaskFigures:
    code: str
    label: str
    reports: int
    units: int
    participants: int


@dataclass(frozen=True)
class Remark:
    """A difficulty or proposal as a unit wrote it."""
    kind: str  # "difficulty" | "proposal"
    task: str  # "NV3 Nông thôn mới"
    unit: str
    text: str


@dataclass(frozen=True)
class Activity:
    unit: str
    task: str
    day: date
    participants: int
    photos: int
    receipt_code: str
    content: str


@dataclass(frozen=True)
class Missing:
    unit: str
    weeks_missed: int


@dataclass
class PeriodFigures:
    period: Period
    organisation: str  # the subtree's root name, or the tree's
    weeks: int  # weeks in the period
    headline: Headline
    units_full: int  # units that reported every owed week
    units_with_reports: int  # units that sent any report (owed or not)
    tasks: list[TaskFigures]  # plan order; tasks without reports included (reports == 0)
    remarks: list[Remark]  # in report order
    activities: list[Activity]  # the period's largest, most participants first
    missing: list[tuple[str, list[Missing]]]  # (parent name, units), tree order
    previous: Optional[Headline] = None
    previous_period: Optional[Period] = None


def previous_period(period: Period) -> Optional[Period]:
    """The period of the same length just before: last week, last month, last quarter..."""
    spec = period.spec
    try:
        if period.literal_range:
            length = period.date_to - period.date_from
            end = period.date_from - timedelta(days=1)
            return period_between(end - length, end)
        if "-W" in spec:
            year, week = map(int, spec.split("-W"))
            monday = date.fromisocalendar(year, week, 1) - timedelta(days=7)
            iso = monday.isocalendar()
            return parse_period(f"{iso[0]}-W{iso[1]:02d}")
        if "-Q" in spec:
            year, q = int(spec[:4]), int(spec[-1])
            return parse_period(f"{year}-Q{q - 1}" if q > 1 else f"{year - 1}-Q4")
        if "-H" in spec:
            year, h = int(spec[:4]), int(spec[-1])
            return parse_period(f"{year}-H1" if h == 2 else f"{year - 1}-H2")
        if "-" in spec:
            year, month = map(int, spec.split("-"))
            return parse_period(f"{year}-{month - 1:02d}" if month > 1 else f"{year - 1}-12")
        return parse_period(str(int(spec) - 1))
    except ValueError:
        return None


def next_period(period: Period) -> Period:
    """The period of the same kind just after: next week, next month, next year..."""
    spec = period.spec
    if period.literal_range:
        length = period.date_to - period.date_from
        return period_between(period.date_to + timedelta(days=1),
                              period.date_to + timedelta(days=1) + length)
    if "-W" in spec:
        year, week = map(int, spec.split("-W"))
        iso = (date.fromisocalendar(year, week, 1) + timedelta(days=7)).isocalendar()
        return parse_period(f"{iso[0]}-W{iso[1]:02d}")
    if "-Q" in spec:
        year, q = int(spec[:4]), int(spec[-1])
        return parse_period(f"{year}-Q{q + 1}" if q < 4 else f"{year + 1}-Q1")
    if "-H" in spec:
        year, h = int(spec[:4]), int(spec[-1])
        return parse_period(f"{year}-H2" if h == 1 else f"{year + 1}-H1")
    if "-" in spec:
        year, month = map(int, spec.split("-"))
        return parse_period(f"{year}-{month + 1:02d}" if month < 12 else f"{year + 1}-01")
    return parse_period(str(int(spec) + 1))


class _Scope:
    """The units of a subtree the workbook would list, in tree order (as exports.rollup)."""

    def __init__(self, s: Session, period: Period, unit_code: Optional[str]):
        self.root = None
        if unit_code:
            self.root = repo.unit_by_code(s, unit_code)
            if self.root is None:
                raise FiguresError(f"Không có đơn vị mã «{unit_code}».")
        self.ids = repo.subtree_ids(s, self.root.id) if self.root else None
        start, end = local_day_bounds(period.date_from, period.date_to)
        reporting = units_with_reports(s, start, end)
        units = [u for u in repo.all_units(s, include_retired=True)
                 if (self.ids is None or u.id in self.ids) and (u.active or u.id in reporting)]
        self.ordered = repo.tree_order(units)
        self.units = {u.id: u for u, _ in self.ordered}
        self.start, self.end = start, end

    def organisation(self) -> str:
        if self.root is not None:
            return self.root.name
        roots = [u.name for u, depth in self.ordered if depth == 0]
        return roots[0] if len(roots) == 1 else "Các đơn vị"


def _headline(rollup: Rollup, members) -> tuple[Headline, int]:
    t = rollup.totals(members)
    expected = [uid for uid in members if rollup.due[uid]]
    reported = sum(1 for uid in expected
                   if rollup.due[uid] & rollup.figures[uid].week_first.keys())
    full = sum(1 for uid in expected
               if rollup.due[uid] <= rollup.figures[uid].week_first.keys())
    return Headline(len(expected), reported, t.weeks_due, t.weeks_reported, t.weeks_late,
                    t.reports, t.participants, t.photos), full


def _rollup_only(s: Session, period: Period, unit_code: Optional[str], as_of: datetime
                 ) -> Headline:
    scope = _Scope(s, period, unit_code)
    units = [u for u, _ in scope.ordered]
    rollup = Rollup(period, units, any_children(units), as_of=as_of)
    for line in iter_report_lines(s, scope.start, scope.end, scope.ids):
        rollup.add(line)
    return _headline(rollup, list(scope.units))[0]


def gather_figures(s: Session, period: Period, unit_code: Optional[str], as_of: datetime
                   ) -> PeriodFigures:
    """Every figure of the report for `period` and the subtree of `unit_code` (None: all)."""
    scope = _Scope(s, period, unit_code)
    units = [u for u, _ in scope.ordered]
    rollup = Rollup(period, units, any_children(units), as_of=as_of)
    tasks = all_tasks(s)
    task_names = {t.id: f"{t.code} {t.label}" for t in tasks.values()}
    participants: dict[int, int] = {}
    task_units: dict[int, set[int]] = {}
    remarks: list[Remark] = []
    biggest: list[tuple] = []  # a min-heap of the largest activities
    for line in iter_report_lines(s, scope.start, scope.end, scope.ids):
        rollup.add(line)
        participants[line.task_id] = participants.get(line.task_id, 0) + (line.participants or 0)
        task_units.setdefault(line.task_id, set()).add(line.unit_id)
        if line.difficulties or line.proposals:
            unit_name = scope.units[line.unit_id].name
            task = task_names.get(line.task_id, "?")
            for kind, text in (("difficulty", line.difficulties), ("proposal", line.proposals)):
                if text and text.strip():
                    remarks.append(Remark(kind, task, unit_name, text))
        if len(biggest) < TOP_ACTIVITIES or (line.participants or 0) >= biggest[0][0][0]:
            key = (line.participants or 0, line.photo_count, -line.id)
            if len(biggest) < TOP_ACTIVITIES:
                heapq.heappush(biggest, (key, line))
            elif key > biggest[0][0]:
                heapq.heapreplace(biggest, (key, line))
    plan = repo.active_plan(s)
    task_list = [TaskFigures(t.code, t.label, rollup.tasks_seen[t.id],
                             len(task_units.get(t.id, ())), participants.get(t.id, 0))
                 for t in ordered_tasks(tasks, set(rollup.tasks_seen), plan.id if plan else None)]
    activities = [Activity(scope.units[line.unit_id].name, task_names.get(line.task_id, "?"),
                           to_local(line.created_at).date(), line.participants or 0,
                           line.photo_count, line.receipt_code, line.content)
                  for _, line in sorted(biggest, reverse=True)]
    headline, full = _headline(rollup, list(scope.units))
    previous = previous_period(period)
    return PeriodFigures(
        period=period, organisation=scope.organisation(), weeks=len(period.weeks),
        headline=headline, units_full=full,
        units_with_reports=sum(1 for uf in rollup.figures.values() if uf.reports), tasks=task_list, remarks=remarks,
        activities=activities, missing=_missing(rollup, scope),
        previous=_rollup_only(s, previous, unit_code, as_of) if previous else None,
        previous_period=previous)


def _missing(rollup: Rollup, scope: _Scope) -> list[tuple[str, list[Missing]]]:
    """Units that owed a week and sent nothing for it, grouped by parent in tree order."""
    missed: dict[int, int] = {}
    for _, uid in rollup.missing([u.id for u, _ in scope.ordered]):
        missed[uid] = missed.get(uid, 0) + 1
    groups: dict[Optional[int], list[Missing]] = {}
    for unit, _ in scope.ordered:
        if unit.id in missed:
            parent = unit.parent_id if unit.parent_id in scope.units else None
            groups.setdefault(parent, []).append(Missing(unit.name, missed[unit.id]))
    order = {u.id: i for i, (u, _) in enumerate(scope.ordered)}
    return [(scope.units[p].name if p is not None else scope.organisation(), items)
            for p, items in sorted(groups.items(), key=lambda kv: order.get(kv[0], -1))]


__all__ = ["gather_figures", "PeriodFigures", "Headline", "FiguresError", "previous_period",
           "next_period"]
