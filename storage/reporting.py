"""Read models for exports: report rows, photos and units of a date range, plus the two rules
the rollup judges units by (the weekly deadline and who must report)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Iterable, Iterator, NamedTuple, Optional

from sqlalchemy import func
from sqlmodel import Session, select

from storage.clock import LOCAL_TZ, to_local, week_bounds
from storage.models import Media, Member, Report, ReportPhoto, Task, Unit

# A week's reports are due on its Sunday at 21:00 local time. The reminders feature may make
# this configurable; until then every caller asks `deadline`/`is_on_time`, nothing else.
DEADLINE_WEEKDAY_OFFSET = 6  # days after Monday
DEADLINE_TIME = time(21, 0)


def week_start(period: str) -> datetime:
    """The aware instant a week begins (Monday 00:00 Asia/Ho_Chi_Minh)."""
    return datetime.combine(week_bounds(period)[0], time.min, LOCAL_TZ)


@lru_cache(maxsize=1024)
def deadline(period: str) -> datetime:
    """The aware instant a week's report is due (Sunday 21:00 Asia/Ho_Chi_Minh)."""
    monday, _ = week_bounds(period)
    return datetime.combine(monday + timedelta(days=DEADLINE_WEEKDAY_OFFSET), DEADLINE_TIME,
                            LOCAL_TZ)


def is_on_time(period: str, created_at: datetime) -> bool:
    """Whether a report of week `period` created at `created_at` (aware) met its deadline."""
    return created_at < deadline(period)


def must_report(unit: Unit, period: str, has_children: bool) -> bool:
    """Grassroots units (no children) report every week while they exist at its deadline;
    union levels above them are judged by their subtree, not by reports of their own."""
    if has_children:
        return False
    if unit.active:
        return True
    return unit.retired_at is not None and to_local(unit.retired_at) > deadline(period)


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


def _in_range(query, start: datetime, end: datetime, unit_ids: Optional[Iterable[int]]):
    query = query.where(Report.created_at >= start, Report.created_at < end)
    if unit_ids is not None:
        query = query.where(Report.unit_id.in_(list(unit_ids)))
    return query


def count_reports(s: Session, start: datetime, end: datetime,
                  unit_ids: Optional[Iterable[int]] = None) -> int:
    return s.exec(_in_range(select(func.count(Report.id)), start, end, unit_ids)).one()


def iter_report_lines(s: Session, start: datetime, end: datetime,
                      unit_ids: Optional[Iterable[int]] = None, batch: int = 2000
                      ) -> Iterator[ReportLine]:
    """Reports created in [start, end) by time, streamed in batches (a year is 100k rows)."""
    photos = _photo_counts()
    query = _in_range(
        select(Report.id, Report.receipt_code, Report.created_at, Report.period, Report.unit_id,
               Report.task_id, Report.platform, Report.reporter_name, Report.content,
               Report.participants, Report.difficulties, Report.proposals,
               func.coalesce(photos.c.n, 0))
        .outerjoin(photos, photos.c.report_id == Report.id), start, end, unit_ids,
    ).order_by(Report.created_at, Report.id)
    for row in s.execute(query.execution_options(yield_per=batch)):
        yield ReportLine._make(row)


def photo_lines(s: Session, start: datetime, end: datetime,
                unit_ids: Optional[Iterable[int]] = None) -> list[PhotoLine]:
    """Photos of those reports, in the same order as `iter_report_lines`, then by position."""
    query = _in_range(
        select(Report.id, Report.receipt_code, Report.created_at, Report.unit_id, Report.task_id,
               ReportPhoto.position, ReportPhoto.reused_from, Media.path, Media.thumb_path,
               Media.width, Media.height)
        .join(ReportPhoto, ReportPhoto.report_id == Report.id)
        .join(Media, Media.sha256 == ReportPhoto.sha256), start, end, unit_ids,
    ).order_by(Report.created_at, Report.id, ReportPhoto.position, ReportPhoto.id)
    return [PhotoLine._make(row) for row in s.execute(query)]


def units_with_reports(s: Session, start: datetime, end: datetime) -> set[int]:
    return set(s.exec(select(Report.unit_id).distinct()
                      .where(Report.created_at >= start, Report.created_at < end)))


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
