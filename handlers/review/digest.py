"""The Monday digest's «Điển hình» section: reports the office commended since the last one."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from handlers.review.actions import quote
from storage import review as store
from storage.catalog import task_display
from storage.models import Report, Task, Unit

MAX_LINES = 10


def commended_since(s: Session, unit_ids: list[int], since: datetime) -> list[dict]:
    rows = s.exec(select(Report, Task, Unit)
                  .join(store.ReportReview, store.ReportReview.report_id == Report.id)
                  .join(Task, Task.id == Report.task_id).join(Unit, Unit.id == Report.unit_id)
                  .where(Report.unit_id.in_(unit_ids),
                         store.ReportReview.status == store.COMMENDED,
                         store.ReportReview.acted_at >= since)
                  .order_by(store.ReportReview.acted_at).limit(MAX_LINES)).all()
    return [dict(unit=unit.name, task=task_display(task),
                 content=quote(report.content)[:100], receipt=report.receipt_code)
            for report, task, unit in rows]
