"""The office's review in the workbook, beside what the other sheets already carry (each report's
status is a column of Chi tiết, the guidance given is in Khó khăn – Đề xuất, the per-unit
target figures are columns of Tổng hợp):

- «Lịch sử duyệt»: the reports the office returned, each with its story (returned and why,
  revised, then approved or commended), one row per action;
- «Điển hình»: the commended reports with their photos;
- «Chỉ tiêu»: targets, done and rate per unit and task.

Each sheet is written only when it has something to show, so a workbook of a product without
review stays as it was. Target progress is computed once (`target_progress`) for both «Chỉ
tiêu» and Tổng hợp.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterable, Optional, Sequence

from openpyxl import Workbook
from sqlmodel import Session, select

from exports.evidence import EVIDENCE, ROW_HEIGHT_PT, FileImage, _anchor, _display_size
from exports.print_layout import RECEIPT_WIDTH
from exports.sheet import Column, Heading, Link, Sheet, locate
from storage import repo
from storage import review as store
from storage.catalog import task_name
from storage.clock import to_local
from storage.models import Report, Task, Unit
from storage.reporting import PhotoLine

HISTORY = "Lịch sử duyệt"
COMMENDED = "Điển hình"
TARGETS = "Chỉ tiêu"

ACTION_LABELS = {"revise": "Đã sửa", "approve": "Duyệt", "return": "Trả lại",
                 "commend": "Biểu dương", "share": "Chia sẻ để nhân rộng"}

HISTORY_COLUMNS = [
    Column("STT", 6, "center"), Column("Thời gian", 16, "datetime"),
    Column("Mã biên nhận", RECEIPT_WIDTH),
    Column("Đơn vị", 28, "wrap"), Column("Nhiệm vụ", 22, "wrap"), Column("Việc", 14, "wrap"),
    Column("Người thực hiện", 20, "wrap"), Column("Lý do trả lại / ghi chú", 45, "wrap"),
    Column("Tình trạng hiện nay", 12),
]
THUMBS_PER_REPORT = 2  # side by side in «Ảnh»; every photo is in Minh chứng
COMMENDED_COLUMNS = [
    Column("STT", 6, "center"), Column("Ảnh", 36), Column("Mã biên nhận", RECEIPT_WIDTH),
    Column("Đơn vị", 24, "wrap"),
    Column("Nhiệm vụ", 20, "wrap"), Column("Nội dung", 44, "wrap"),
    Column("Số người tham gia", 10, "int"), Column("Số ảnh (bấm để xem)", 9, "link"),
    Column("Biểu dương bởi", 18, "wrap"), Column("Thời gian", 16, "datetime"),
]
TARGET_COLUMNS = [
    Column("Đơn vị", 34, "tree"), Column("Nhiệm vụ", 22), Column("Chỉ tiêu", 10, "int"),
    Column("Đã thực hiện", 12, "int"), Column("Tỷ lệ", 9, "percent"),
]


def _local(moment: Optional[datetime]):
    return to_local(moment).replace(tzinfo=None) if moment else None


# --- targets: computed once, shown in «Chỉ tiêu» (per task) and Tổng hợp (per unit) ---------

@dataclass(frozen=True)
class TaskTarget:
    task_code: str
    target: int  # activities in the year
    done: int  # activities of the unit and its subtree, from the year's start

    @property
    def rate(self) -> Optional[float]:
        return self.done / self.target if self.target else None


@dataclass
class TargetProgress:
    """The targets of the units in scope for the year of the period's last week, against the
    reports of each unit's subtree from the year's start up to that week."""
    year: int
    until: str  # the period's last week, e.g. 2026-W47
    by_unit: dict[int, list[TaskTarget]] = field(default_factory=dict)
    root_id: Optional[int] = None  # the single top unit of the scope, shown on the total line

    def unit_sum(self, unit_id: Optional[int]) -> Optional[tuple[int, int, Optional[float]]]:
        """(target, done, rate) over the unit's tasks that have a target; None without one."""
        rows = self.by_unit.get(unit_id) if unit_id is not None else None
        if not rows:
            return None
        target, done = sum(r.target for r in rows), sum(r.done for r in rows)
        return target, done, (done / target if target else None)


def target_progress(s: Session, units: dict[int, Unit], last_week: str) -> TargetProgress:
    """One query for the targets and one for the activities done, however many units have
    targets (a target set by level gives every branch one); each unit's subtree is added up
    here, as storage.review.done_counts adds up the subtree /trangthai asks about."""
    year = int(last_week[:4])
    tops = [u.id for u in units.values() if u.parent_id not in units]
    progress = TargetProgress(year, last_week, root_id=tops[0] if len(tops) == 1 else None)
    rows = store.targets(s, year, list(units))
    if not rows:
        return progress
    children: dict[Optional[int], list[int]] = {}
    for unit_id, parent_id in s.exec(select(Unit.id, Unit.parent_id)).all():
        children.setdefault(parent_id, []).append(unit_id)

    def subtree(root: int) -> set[int]:  # retired units included, as repo.subtree_ids
        found, todo = set(), [root]
        while todo:
            unit_id = todo.pop()
            if unit_id not in found:
                found.add(unit_id)
                todo.extend(children.get(unit_id, []))
        return found

    subtrees = {unit_id: subtree(unit_id) for unit_id in {t.unit_id for t in rows}}
    everyone = set().union(*subtrees.values())
    own = store.done_by_unit(s, everyone, year, until=last_week)
    done = {unit_id: store.add_up(own, ids) for unit_id, ids in subtrees.items()}
    for t in rows:
        progress.by_unit.setdefault(t.unit_id, []).append(
            TaskTarget(t.task_code, t.activities, done[t.unit_id].get(t.task_code, (0, 0))[0]))
    return progress


def write_targets(book, heading: Heading, progress: TargetProgress,
                  units: dict[int, Unit]) -> None:
    """Per unit (tree order) and task: the year's target, done up to the period's last week."""
    if not progress.by_unit:
        return
    sheet = Sheet(book, TARGETS, f"CHỈ TIÊU NĂM {progress.year} VÀ KẾT QUẢ THỰC HIỆN",
                  TARGET_COLUMNS, heading, freeze_col=2)
    for unit, depth in repo.tree_order(units.values()):
        for t in progress.by_unit.get(unit.id, []):
            sheet.append([unit.name, t.task_code, t.target, t.done, t.rate], indent=depth)
    sheet.close()


# --- review history and commended reports ---------------------------------------------------

def _in_period(query, weeks: Iterable[str], scope: Optional[set[int]]):
    query = query.where(Report.period.in_(list(weeks)))  # by activity week, as every sheet
    if scope is not None:
        query = query.where(Report.unit_id.in_(list(scope)))
    return query


def write_review_sheets(book: Workbook, heading: Heading, s: Session, weeks: Iterable[str],
                        scope: Optional[set[int]], units: dict[int, Unit],
                        progress: TargetProgress, photos: Sequence[PhotoLine] = (),
                        first_photo: Optional[dict[int, int]] = None,
                        media_root: Optional[Path] = None) -> None:
    """All three sheets, each only when it has rows. `photos` and `first_photo` are the
    rollup's Minh chứng rows (storage.reporting.photo_lines) and each report's first index.
    Only the few reports each sheet shows are read (a year holds 100,000 reviews)."""
    weeks = list(weeks)
    _write_history(book, heading, s, weeks, scope, units)
    commended = s.exec(_in_period(
        select(Report, store.ReportReview, Task)
        .join(store.ReportReview, store.ReportReview.report_id == Report.id)
        .join(Task, Task.id == Report.task_id)
        .where(store.ReportReview.status == store.COMMENDED), weeks, scope)
        .order_by(Report.created_at, Report.id)).all()
    if commended:
        _write_commended(book, heading, commended, units, photos, first_photo or {}, media_root)
    write_targets(book, heading, progress, units)


def _write_history(book, heading, s: Session, weeks: list[str], scope: Optional[set[int]],
                   units: dict[int, Unit]) -> None:
    """The reports the office returned, each with its whole story: returned (why), revised,
    then approved or commended. A report approved at once has no story: its status is in
    Chi tiết."""
    returned = _in_period(select(store.ReviewAction.report_id)
                          .join(Report, Report.id == store.ReviewAction.report_id)
                          .where(store.ReviewAction.action == "return"), weeks, scope)
    action = store.ReviewAction
    rows = s.exec(select(action.action, action.detail, action.actor_name, action.created_at,
                         Report.receipt_code, Report.unit_id, Task.code, Task.label,
                         store.ReportReview.status)
                  .join(Report, Report.id == store.ReviewAction.report_id)
                  .join(store.ReportReview, store.ReportReview.report_id == Report.id)
                  .join(Task, Task.id == Report.task_id)
                  .where(store.ReviewAction.report_id.in_(returned.scalar_subquery()),
                         store.ReviewAction.action.in_(list(ACTION_LABELS)))
                  .order_by(Report.created_at, Report.id, store.ReviewAction.created_at,
                            store.ReviewAction.id)).all()
    if not rows:
        return
    sheet = Sheet(book, HISTORY, "CÁC BÁO CÁO BỊ TRẢ LẠI VÀ QUÁ TRÌNH XỬ LÝ", HISTORY_COLUMNS,
                  heading, freeze_col=4)
    for number, (verb, detail, actor, at, receipt, unit_id, code, task, status) in enumerate(
            rows, start=1):
        label, note = ACTION_LABELS[verb], detail or ""
        if verb == "revise":
            label, note = (f"{label} ({note})" if note else label), ""
        elif verb == "share":
            note = f"Đã gửi {note}" if note else ""
        unit = units.get(unit_id)
        sheet.append([number, _local(at), receipt, unit.name if unit else "?",
                      task_name(code, task), label, actor, note, store.STATUS_LABELS[status]])
    sheet.close()


def _write_commended(book, heading, commended, units: dict[int, Unit],
                     photos: Sequence[PhotoLine], first_photo: dict[int, int],
                     media_root: Optional[Path]) -> None:
    wanted = {r.id for r, _, _ in commended}
    shown: dict[int, list[PhotoLine]] = {}
    for photo in photos:
        if photo.report_id in wanted:
            shown.setdefault(photo.report_id, []).append(photo)
    sheet = Sheet(book, COMMENDED, "CÁC HOẠT ĐỘNG ĐIỂN HÌNH ĐƯỢC BIỂU DƯƠNG", COMMENDED_COLUMNS,
                  heading, freeze_col=4)
    for number, (report, review, task) in enumerate(commended, start=1):
        report_photos = shown.get(report.id, [])
        thumbs = [(p, media_root / p.thumb_path) for p in report_photos[:THUMBS_PER_REPORT]
                  if media_root is not None and (media_root / p.thumb_path).is_file()]
        count: object = len(report_photos)
        if report.id in first_photo:  # the count opens the report's photos in Minh chứng
            title, row = locate(EVIDENCE, first_photo[report.id])
            count = Link(len(report_photos), location=f"'{title}'!A{row}")
        picture_note = (None if thumbs else
                        "(không có ảnh)" if not report_photos else "(không có ảnh thu nhỏ)")
        unit = units.get(report.unit_id)
        _, row = sheet.append(
            [number, picture_note, report.receipt_code, unit.name if unit else "?",
             task_name(task.code, task.label), report.content, report.participants, count,
             review.acted_by_name, _local(review.acted_at)],
            height=ROW_HEIGHT_PT if thumbs else None)
        left = 4
        for photo, path in thumbs:
            size = _display_size(photo)
            image = FileImage(path, *size)
            image.anchor = _anchor(row, size, left)
            sheet.ws.add_image(image)
            left += size[0] + 6
    sheet.close()
