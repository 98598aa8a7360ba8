"""Chi tiết (every report) and Khó khăn – Đề xuất (what units asked of the office)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Optional

from exports.periods import week_label
from exports.print_layout import RECEIPT_WIDTH
from exports.sheet import Column, Heading, Link, Sheet, locate
from storage.clock import to_local
from storage.models import Unit
from storage.reporting import ReportLine
from storage.review import STATUS_LABELS, Guidance

DETAIL = "Chi tiết"
ISSUES = "Khó khăn – Đề xuất"
PLATFORMS = {"telegram": "Telegram", "zalo": "Zalo"}

# Widths keep each sheet readable when printed one A4 landscape page wide; longer text wraps.
DETAIL_COLUMNS = [
    Column("Mã biên nhận", RECEIPT_WIDTH), Column("Thời gian", 16, "datetime"), Column("Tuần", 8),
    Column("Đơn vị", 24), Column("Đơn vị cấp trên", 18), Column("Người báo cáo", 16),
    Column("Nền tảng", 9), Column("Nhiệm vụ", 19), Column("Nội dung", 34, "wrap"),
    Column("Số người tham gia", 8), Column("Khó khăn", 24, "wrap"),
    Column("Đề xuất", 24, "wrap"), Column("Số ảnh (bấm để xem)", 8, "link"), Column("Đúng hạn / Trễ hạn", 9),
    Column("Tình trạng duyệt", 10),
]
ON_TIME, LATE = "Đúng hạn", "Trễ hạn"
ISSUE_COLUMNS = [
    Column("STT", 5), Column("Đơn vị", 24), Column("Mã biên nhận", RECEIPT_WIDTH),
    Column("Ngày", 11, "date"), Column("Nhiệm vụ", 18), Column("Khó khăn", 40, "wrap"),
    Column("Đề xuất", 40, "wrap"), Column("Ý kiến trả lời của Văn phòng", 34, "wrap"),
]


@dataclass(frozen=True)
class Issue:
    report_id: int
    unit_id: int
    receipt_code: str
    day: datetime
    task: str
    difficulties: Optional[str]
    proposals: Optional[str]


class DetailWriter:
    """Takes report rows one at a time (they are streamed) and writes Chi tiết as they come;
    keeps the few with difficulties or proposals for their own sheet."""

    def __init__(self, book, heading: Heading, units: dict[int, Unit], task_names: dict[int, str],
                 first_photo: dict[int, int], evidence_title: str,
                 deadline_of: Optional[Callable[[int, str], datetime]] = None):
        """`deadline_of(unit id, week)`: the unit's deadline by the one rule (storage.weeks);
        each report is marked on time or late against it (a report sent in the grace window
        for last week is late)."""
        self.sheet = Sheet(book, DETAIL, "CHI TIẾT CÁC BÁO CÁO «30 PHÚT HÀNH ĐỘNG»",
                           DETAIL_COLUMNS, heading, freeze_col=2,
                           align_wrapped_rows=False)  # the big sheet: see Sheet
        self.task_names, self.first_photo = task_names, first_photo
        self.evidence_title = evidence_title
        self.names = {uid: (u.name, units[u.parent_id].name if u.parent_id in units else "")
                      for uid, u in units.items()}
        self.week_labels: dict[str, str] = {}
        self.deadline_of = deadline_of
        self._deadlines: dict[tuple[int, str], datetime] = {}
        self.issues: list[Issue] = []
        self.count = 0

    def add(self, r: ReportLine) -> None:
        unit_name, parent_name = self.names[r.unit_id]
        created = to_local(r.created_at).replace(tzinfo=None)
        week = self.week_labels.get(r.period)
        if week is None:
            week = self.week_labels[r.period] = week_label(r.period)
        photos = r.photo_count
        index = self.first_photo.get(r.id) if photos else None
        if index is not None:  # the count opens the report's first row in Minh chứng
            title, row = locate(self.evidence_title, index)
            photos = Link(photos, location=f"'{title}'!A{row}")
        task = self.task_names.get(r.task_id, "?")
        timing = None
        if self.deadline_of is not None:
            key = (r.unit_id, r.period)
            due = self._deadlines.get(key)
            if due is None:
                due = self._deadlines[key] = self.deadline_of(r.unit_id, r.period)
            timing = ON_TIME if r.created_at < due else LATE
        self.sheet.append([
            r.receipt_code, created, week, unit_name, parent_name,
            r.reporter_name, PLATFORMS.get(r.platform, r.platform), task, r.content,
            r.participants, r.difficulties, r.proposals, photos, timing,
            STATUS_LABELS.get(r.review_status, r.review_status)])
        self.count += 1
        if r.difficulties or r.proposals:
            self.issues.append(Issue(r.id, r.unit_id, r.receipt_code, created, task, r.difficulties,
                                     r.proposals))

    def close(self) -> None:
        self.sheet.close()


def guidance_text(given: list[Guidance]) -> Optional[str]:
    """The office's answers to one report, oldest first, each with who gave it and when."""
    return "\n".join(f"{g.text} ({g.actor_name}, {to_local(g.created_at):%d/%m/%Y %H:%M})"
                     for g in given) or None


def write_issues(book, heading: Heading, issues: list[Issue], units: dict[int, Unit],
                 position: dict[int, int],
                 guidance: Optional[dict[int, list[Guidance]]] = None) -> Sheet:
    """Grouped by the reporting unit's parent (the union that answers), in tree order;
    `guidance` (report id -> storage.review.guidance_for) fills the office's answer."""
    guidance = guidance or {}
    sheet = Sheet(book, ISSUES, "TỔNG HỢP KHÓ KHĂN, VƯỚNG MẮC VÀ ĐỀ XUẤT", ISSUE_COLUMNS,
                  heading, freeze_col=3)
    groups: dict[int, list[Issue]] = {}
    for issue in issues:
        unit = units[issue.unit_id]
        owner = unit.parent_id if unit.parent_id in units else unit.id
        groups.setdefault(owner, []).append(issue)
    number = 0
    for owner in sorted(groups, key=lambda uid: position[uid]):
        items = sorted(groups[owner], key=lambda i: (position[i.unit_id], i.day))
        sheet.append(["", f"{units[owner].name} ({len(items)} ý kiến)"] +
                     [""] * (len(ISSUE_COLUMNS) - 2), variant="group")
        for issue in items:
            number += 1
            sheet.append([number, units[issue.unit_id].name, issue.receipt_code, issue.day,
                          issue.task, issue.difficulties, issue.proposals,
                          guidance_text(guidance.get(issue.report_id, []))])
    if not groups:
        sheet.append([None, "Không có khó khăn, đề xuất nào trong kỳ."])
    sheet.close()
    return sheet
