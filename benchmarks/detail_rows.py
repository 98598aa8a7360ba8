"""The flat detail list (issue 2's first export), kept only as export_rollup.py's bare baseline:
one query, one row per report (with the office's review status, as Chi tiết has it), no
styling. The product's exports live in exports/."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable, Optional

from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from storage.catalog import task_name
from storage.models import Report, ReportPhoto, Task, Unit
from storage.reporting import local_day_bounds
from storage.review import PENDING, STATUS_LABELS, ReportReview


@dataclass(frozen=True)
class DetailRow:
    receipt_code: str
    created_at: datetime  # aware UTC
    period: str
    unit_code: str
    unit_name: str
    parent_name: str
    reporter: str
    platform: str
    task: str
    content: str
    participants: Optional[int]
    difficulties: Optional[str]
    proposals: Optional[str]
    photo_count: int
    review_status: str  # the office's review, as Chi tiết's «Tình trạng duyệt» shows it


def detail_rows(s: Session, date_from: date, date_to: date,
                unit_ids: Optional[Iterable[int]] = None) -> list[DetailRow]:
    start, end = local_day_bounds(date_from, date_to)
    parent = aliased(Unit)
    photos = (select(ReportPhoto.report_id, func.count().label("n"))
              .group_by(ReportPhoto.report_id).subquery())
    query = (
        select(Report, Unit.code, Unit.name, parent.name, Task.code, Task.label, photos.c.n,
               ReportReview.status)
        .join(Unit, Unit.id == Report.unit_id)
        .outerjoin(parent, parent.id == Unit.parent_id)
        .join(Task, Task.id == Report.task_id)
        .outerjoin(photos, photos.c.report_id == Report.id)
        .outerjoin(ReportReview, ReportReview.report_id == Report.id)
        .where(Report.created_at >= start, Report.created_at < end)
        .order_by(Report.created_at, Report.id)
    )
    if unit_ids is not None:
        query = query.where(Report.unit_id.in_(list(unit_ids)))
    return [
        DetailRow(r.receipt_code, r.created_at, r.period, ucode, uname, pname or "",
                  r.reporter_name, r.platform, task_name(tcode, tlabel), r.content, r.participants,
                  r.difficulties, r.proposals, n or 0,
                  STATUS_LABELS.get(status or PENDING, status))
        for r, ucode, uname, pname, tcode, tlabel, n, status in s.exec(query)
    ]
