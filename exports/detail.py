"""The detail workbook: one row per report."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from exports.safe import safe_text
from storage.clock import to_local
from storage.reporting import DetailRow

DETAIL_HEADER = ["Mã biên nhận", "Thời gian", "Đơn vị", "Đơn vị cấp trên", "Người báo cáo",
                 "Nhiệm vụ", "Nội dung", "Số người tham gia", "Khó khăn", "Số ảnh"]
WIDTHS = [14, 17, 28, 28, 22, 24, 60, 12, 40, 8]


def write_detail_workbook(out: Path, rows: Sequence[DetailRow], date_from: date, date_to: date
                          ) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "Chi tiết"
    sheet.append([f"Báo cáo «30 phút hành động» từ {date_from:%d/%m/%Y} đến {date_to:%d/%m/%Y}"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(DETAIL_HEADER)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for r in rows:
        sheet.append([r.receipt_code, to_local(r.created_at).replace(tzinfo=None), safe_text(r.unit_name),
                      safe_text(r.parent_name), safe_text(r.reporter), safe_text(r.task),
                      safe_text(r.content), r.participants, safe_text(r.difficulties),
                      r.photo_count])
        sheet.cell(row=sheet.max_row, column=2).number_format = "dd/mm/yyyy hh:mm"
    for i, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[sheet.cell(row=2, column=i).column_letter].width = width
    sheet.freeze_panes = "A3"
    sheet.auto_filter.ref = f"A2:{sheet.cell(row=2, column=len(DETAIL_HEADER)).column_letter}{max(sheet.max_row, 2)}"
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
