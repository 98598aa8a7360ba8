"""Read models for exports: report rows and photos of a period's weeks (a report belongs to its
activity week, `Report.period`), and who must report which week. The deadline itself is the
one rule in storage.weeks."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Iterable, Iterator, NamedTuple, Optional

from sqlalchemy import func
from sqlmodel import Session, select

from storage.clock import LOCAL_TZ, to_local, week_bounds
from storage.models import Media, Member, Report, ReportPhoto, Task, Unit
from storage.review import PENDING, ReportReview
from storage.weeks import WeekRule

def week_start(period: str) -> datetime:
    """The aware instant a week begins (Monday 00:00 Asia/Ho_Chi_Minh)."""
    return datetime.combine(week_bounds(period)[0], time.min, LOCAL_TZ)


def expected_weeks(unit: Unit, weeks: Iterable[str], has_children: bool,
                   rule: WeekRule) -> tuple[str, ...]:
    """The weeks of `weeks` a unit owes a report for.

    Grassroots units (no children) owe every week that begins at or after the unit was
    registered (Unit.created_at: from then on the office has handed out its join code, so a
    unit whose cadres never joined still shows as missing) and whose deadline came before the
    unit was retired. Union levels above them are judged by their subtree, not by reports of
    their own.
    """
    if has_children:
        return ()
    joined = to_local(unit.created_at) if unit.created_at is not None else None
    retired = to_local(unit.retired_at) if not unit.active and unit.retired_at else None
    if not unit.active and retired is None:
        return ()
    return tuple(w for w in weeks
                 if (joined is None or week_start(w) >= joined)
                 and (retired is None or retired > rule.deadline(w)))


def local_day_bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """UTC instants covering local dates date_from..date_to inclusive."""
    start = datetime.combine(date_from, time.min, LOCAL_TZ)
    end = datetime.combine(date_to + timedelta(days=1), time.min, LOCAL_TZ)
    return start, end


def _photo_counts():
    return (select(ReportPhoto.report_id, func.count().label("n"))
            .group_by(ReportPhoto.report_id).subquery())


# --- lean rows for the rollup (names come from the unit and task maps) -----------------------

class ReportLine(NamedTuple):
    id: int
    receipt_code: str
    created_at: datetime
    period: str
    unit_id: int
    task_id: int
    platform: str
    reporter_name: str
    content: str
    participants: Optional[int]
    difficulties: Optional[str]
    proposals: Optional[str]
    photo_count: int
    review_status: str  # storage.review status; "pending" for a report never reviewed


class PhotoLine(NamedTuple):
    report_id: int
    receipt_code: str
    created_at: datetime
    unit_id: int
    task_id: int
    position: int
    reused_from: Optional[str]
    path: str  # relative to MEDIA_DIR
    thumb_path: str
    width: int
    height: int


def _in_weeks(query, weeks: Iterable[str], unit_ids: Optional[Iterable[int]]):
    query = query.where(Report.period.in_(list(weeks)))
    if unit_ids is not None:
        query = query.where(Report.unit_id.in_(list(unit_ids)))
    return query


def count_reports(s: Session, weeks: Iterable[str],
                  unit_ids: Optional[Iterable[int]] = None) -> int:
    return s.exec(_in_weeks(select(func.count(Report.id)), weeks, unit_ids)).one()


def iter_report_lines(s: Session, weeks: Iterable[str],
                      unit_ids: Optional[Iterable[int]] = None, batch: int = 2000
                      ) -> Iterator[ReportLine]:
    """Reports of those activity weeks by time sent, streamed in batches (a year is 100k rows),
    each with the office's review status (one row per report, so the join adds no rows)."""
    photos = _photo_counts()
    query = _in_weeks(
        select(Report.id, Report.receipt_code, Report.created_at, Report.period, Report.unit_id,
               Report.task_id, Report.platform, Report.reporter_name, Report.content,
               Report.participants, Report.difficulties, Report.proposals,
               func.coalesce(photos.c.n, 0), func.coalesce(ReportReview.status, PENDING))
        .outerjoin(photos, photos.c.report_id == Report.id)
        .outerjoin(ReportReview, ReportReview.report_id == Report.id), weeks, unit_ids,
    ).order_by(Report.created_at, Report.id)
    for row in s.execute(query.execution_options(yield_per=batch)):
        yield ReportLine._make(row)


def photo_lines(s: Session, weeks: Iterable[str],
                unit_ids: Optional[Iterable[int]] = None) -> list[PhotoLine]:
    """Photos of those reports, in the same order as `iter_report_lines`, then by position."""
    query = _in_weeks(
        select(Report.id, Report.receipt_code, Report.created_at, Report.unit_id, Report.task_id,
               ReportPhoto.position, ReportPhoto.reused_from, Media.path, Media.thumb_path,
               Media.width, Media.height)
        .join(ReportPhoto, ReportPhoto.report_id == Report.id)
        .join(Media, Media.sha256 == ReportPhoto.sha256), weeks, unit_ids,
    ).order_by(Report.created_at, Report.id, ReportPhoto.position, ReportPhoto.id)
    return [PhotoLine._make(row) for row in s.execute(query)]


def units_with_reports(s: Session, weeks: Iterable[str]) -> set[int]:
    return set(s.exec(select(Report.unit_id).distinct().where(Report.period.in_(list(weeks)))))


def secretaries(s: Session) -> dict[int, str]:
    """Unit id -> names of its active secretaries, for chasing units that did not report."""
    rows = s.exec(select(Member.unit_id, Member.display_name, Member.platform)
                  .where(Member.role == "secretary", Member.active == True)  # noqa: E712
                  .order_by(Member.joined_at))
    out: dict[int, list[str]] = {}
    for unit_id, name, platform in rows:
        out.setdefault(unit_id, []).append(f"{name or '?'} ({platform.capitalize()})")
    return {unit_id: ", ".join(names) for unit_id, names in out.items()}


def all_tasks(s: Session) -> dict[int, Task]:
    """Every task of every plan: old reports keep tasks of earlier plans."""
    return {t.id: t for t in s.exec(select(Task))}


def any_children(units: Iterable[Unit]) -> set[int]:
    """Ids of units that are the parent of an active unit."""
    return {u.parent_id for u in units if u.parent_id is not None and u.active}
