"""The office's review in the workbook: «Duyệt – Ý kiến» (status of every report, who decided,
the reason of a return, the guidance given and when), «Điển hình» (commended reports) and
«Chỉ tiêu» (targets, done, rate per unit and task). Each sheet is written only when it has
something to show, so a workbook of a product without review stays as it was."""
from __future__ import annotations

from datetime import datetime
from typing import Iterable, Optional

from openpyxl import Workbook
from sqlmodel import Session, select

from exports.sheet import Column, Heading, Sheet
from storage import review as store
from storage.catalog import task_name
from storage.clock import to_local
from storage.models import Report, Task, Unit

REVIEW = "Duyệt – Ý kiến"
COMMENDED = "Điển hình"
TARGETS = "Chỉ tiêu"

REVIEW_COLUMNS = [
    Column("Mã biên nhận", 13), Column("Đơn vị", 28), Column("Nhiệm vụ", 22),
    Column("Tình trạng", 12), Column("Người xử lý", 20), Column("Thời gian xử lý", 16, "datetime"),
    Column("Lý do trả lại", 32, "wrap"), Column("Ý kiến chỉ đạo", 45, "wrap"),
    Column("Thời gian cho ý kiến", 16, "datetime"),
]
COMMENDED_COLUMNS = [
    Column("STT", 6), Column("Mã biên nhận", 13), Column("Đơn vị", 28), Column("Nhiệm vụ", 22),
    Column("Nội dung", 50, "wrap"), Column("Số người tham gia", 11), Column("Số ảnh", 8),
    Column("Biểu dương bởi", 20), Column("Thời gian", 16, "datetime"),
]
TARGET_COLUMNS = [
    Column("Đơn vị", 34, "tree"), Column("Nhiệm vụ", 22), Column("Chỉ tiêu", 10, "int"),
    Column("Đã thực hiện", 12, "int"), Column("Tỷ lệ", 9, "percent"),
]


def _local(moment: Optional[datetime]):
    return to_local(moment).replace(tzinfo=None) if moment else None


def _reports(s: Session, weeks: Iterable[str], scope: Optional[set[int]]):
    query = (select(Report, store.ReportReview, Task)
             .join(store.ReportReview, store.ReportReview.report_id == Report.id)
             .join(Task, Task.id == Report.task_id)
             .where(Report.period.in_(list(weeks))))  # by activity week, as every sheet
    if scope is not None:
        query = query.where(Report.unit_id.in_(list(scope)))
    return s.exec(query.order_by(Report.created_at, Report.id)).all()


def write_review_sheets(book: Workbook, heading: Heading, s: Session, weeks: Iterable[str],
                        scope: Optional[set[int]], units: dict[int, Unit], last_week: str) -> None:
    """All three sheets, each only when it has rows."""
    rows = _reports(s, weeks, scope)
    if rows:
        _write_review(book, heading, s, rows, units)
        _write_commended(book, heading, s, rows, units)
    write_targets(book, heading, s, units, last_week)


def _write_review(book, heading, s, rows, units) -> None:
    sheet = Sheet(book, REVIEW, "TÌNH TRẠNG DUYỆT VÀ Ý KIẾN CHỈ ĐẠO CỦA VĂN PHÒNG",
                  REVIEW_COLUMNS, heading, freeze_col=2)
    guidance = store.guidance_for(s, [r.id for r, _, _ in rows])
    for report, review, task in rows:
        given = guidance.get(report.id, [])
        sheet.append([
            report.receipt_code, units[report.unit_id].name if report.unit_id in units else "?",
            task_name(task.code, task.label), store.STATUS_LABELS[review.status],
            review.acted_by_name if review.status != store.PENDING else "",
            _local(review.acted_at) if review.status != store.PENDING else None,
            review.reason if review.status == store.RETURNED else "",
            "\n".join(f"{g.text} ({g.actor_name})" for g in given),
            _local(given[-1].created_at) if given else None])
    sheet.close()


def _write_commended(book, heading, s, rows, units) -> None:
    commended = [(r, v, t) for r, v, t in rows if v.status == store.COMMENDED]
    if not commended:
        return
    sheet = Sheet(book, COMMENDED, "CÁC HOẠT ĐỘNG ĐIỂN HÌNH ĐƯỢC BIỂU DƯƠNG", COMMENDED_COLUMNS,
                  heading, freeze_col=3)
    from storage import repo
    for number, (report, review, task) in enumerate(commended, start=1):
        sheet.append([number, report.receipt_code, units[report.unit_id].name,
                      task_name(task.code, task.label), report.content, report.participants,
                      len(repo.report_photos(s, report.id)), review.acted_by_name,
                      _local(review.acted_at)])
    sheet.close()


def write_targets(book, heading, s: Session, units: dict[int, Unit], last_week: str) -> None:
    """Per unit (tree order) and task: the year's target, done up to the period's last week."""
    from storage import repo
    year = int(last_week[:4])
    targets = store.targets(s, year, list(units))
    if not targets:
        return
    by_unit: dict[int, list[store.Target]] = {}
    for t in targets:
        by_unit.setdefault(t.unit_id, []).append(t)
    sheet = Sheet(book, TARGETS, f"CHỈ TIÊU NĂM {year} VÀ KẾT QUẢ THỰC HIỆN", TARGET_COLUMNS,
                  heading, freeze_col=2)
    for unit, depth in repo.tree_order(units.values()):
        if unit.id not in by_unit:
            continue
        done = store.done_counts(s, repo.subtree_ids(s, unit.id), year, until=last_week)
        for t in by_unit[unit.id]:
            n = done.get(t.task_code, (0, 0))[0]
            sheet.append([unit.name, t.task_code, t.activities, n,
                          n / t.activities if t.activities else None], indent=depth)
    sheet.close()
