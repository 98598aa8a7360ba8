"""Progress against yearly targets, for /trangthai, the weekly reminder and the CLI."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from sqlmodel import Session

from handlers.review import texts
from storage import repo
from storage import review as store
from storage.models import Unit


@dataclass(frozen=True)
class TaskProgress:
    year: int
    task: str
    done: int
    target: int

    @property
    def ratio(self) -> float:
        return self.done / self.target if self.target else 1.0

    def line(self) -> str:
        return texts.TARGET_LINE.format(year=self.year, task=self.task, done=self.done,
                                        target=self.target)


def progress(s: Session, unit: Unit, year: int) -> list[TaskProgress]:
    """Each target of the unit that year, against the reports of the unit and its subtree."""
    rows = store.targets(s, year, [unit.id])
    if not rows:
        return []
    done = store.done_counts(s, repo.subtree_ids(s, unit.id), year)
    return [TaskProgress(year, t.task_code, done.get(t.task_code, (0, 0))[0], t.activities)
            for t in rows]


def status_lines(s: Session, unit: Unit, period: str) -> list[str]:
    """For /trangthai: «Năm 2026 – NV2: 7/12 hoạt động», one per target."""
    return [p.line() for p in progress(s, unit, int(period[:4]))]


def furthest_behind(s: Session, unit: Unit, period: str) -> Optional[str]:
    """For the weekly reminder: the unfinished target with the lowest share done."""
    behind = [p for p in progress(s, unit, int(period[:4])) if p.done < p.target]
    if not behind:
        return None
    worst = min(behind, key=lambda p: (p.ratio, p.task))
    return texts.REMINDER_TARGET.format(line=worst.line())


def behind_by_unit(s: Session, units: list[Unit], period: str) -> dict[int, str]:
    """Unit id -> its reminder line, for the units (of these) that have targets that year."""
    with_targets = {t.unit_id for t in store.targets(s, int(period[:4]), [u.id for u in units])}
    out = {}
    for unit in units:
        if unit.id in with_targets:
            line = furthest_behind(s, unit, period)
            if line:
                out[unit.id] = line
    return out
