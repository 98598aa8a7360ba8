"""The rollup workbook, read back with openpyxl and checked against the database."""
from __future__ import annotations

import re
import shutil
import zipfile
from datetime import datetime, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import func
from sqlmodel import select

from exports import sheet as sheet_module
from exports.periods import PeriodError, parse_period
from exports.rollup import ExportError, export_rollup, write_rollup
from exports.safe import CUT_MARK, EXCEL_CELL_LIMIT
from storage import repo
from storage.clock import LOCAL_TZ, iso_week
from storage.db import session_scope
from storage.models import Media, Report, ReportPhoto, Task, Unit
from tests.support import photo_bytes

SHEETS = ["Tổng hợp", "Theo nhiệm vụ", "Theo tuần", "Chi tiết", "Minh chứng", "Chưa báo cáo",
          "Khó khăn – Đề xuất"]
HEADER = 6
NOW = datetime(2026, 11, 18, 10, 0, tzinfo=timezone.utc)  # Wednesday of week 47, 17:00 local


def local(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=LOCAL_TZ)


def add_report(s, media, unit: Unit, task_code: str, when: datetime, content="Dọn vệ sinh",
               participants=10, difficulties=None, proposals=None, photos=(),
               reporter="Nguyễn Văn An") -> Report:
    task = s.exec(select(Task).where(Task.code == task_code)).first()
    report = Report(receipt_code=repo.new_receipt_code(s), unit_id=unit.id, task_id=task.id,
                    platform="telegram", reporter_id="1", reporter_name=reporter, content=content,
                    participants=participants, difficulties=difficulties, proposals=proposals,
                    period=iso_week(when), created_at=when, updated_at=when)
    s.add(report)
    s.flush()
    for position, seed in enumerate(photos):
        stored = media.save(photo_bytes(seed))
        if s.get(Media, stored.sha256) is None:
            s.add(Media(sha256=stored.sha256, path=stored.path, thumb_path=stored.thumb_path,
                        width=stored.width, height=stored.height, size_bytes=stored.size_bytes))
            s.flush()
        s.add(ReportPhoto(report_id=report.id, sha256=stored.sha256, position=position))
    return report


@pytest.fixture
def month(engine, org, services):
    """November 2026 so far (weeks 45-47 due, 48 not begun); CD-A1 reported every week."""
    media = services.media
    with session_scope(engine) as s:
        u = {code: s.get(Unit, unit.id) for code, unit in org.items()}
        u["CD-A2"].contact = "0909 123 456"
        repo.join_unit(s, "telegram", "500", u["CD-A2"], "Lê Thị Bí Thư", "500", role="secretary")
        add_report(s, media, u["CD-A1"], "NV3", local(11, 17), participants=20, photos=[1, 2],
                   difficulties="Thiếu dụng cụ", proposals="Cấp thêm bao tay")
        add_report(s, media, u["CD-A1"], "NV6", local(17, 16, 30), participants=15, photos=[3])
        add_report(s, media, u["CD-A1"], "NV3", local(5, 19), participants=12)
        add_report(s, media, u["CD-B1"], "NV3", local(5, 9), participants=None)
        add_report(s, media, u["CD-B1"], "NV1", local(15, 22, 15))  # Sunday after 21:00: late
        add_report(s, media, u["CD-B2"], "NV1", local(18, 8), difficulties="Mưa lớn")
        add_report(s, media, u["HD-A"], "NV5", local(16, 10), participants=3)
        add_report(s, media, u["CD-A1"], "NV3", local(30, 10, month=10))  # before the month
    return org


def first_data_row(ws) -> int:
    """Under the frozen header row (Tổng hợp has the document header above its table)."""
    return int(re.sub(r"\D", "", ws.freeze_panes))


def rows_of(ws):
    return [list(r) for r in ws.iter_rows(min_row=first_data_row(ws), values_only=True)]


def by_code(ws) -> dict:
    return {r[1]: r for r in rows_of(ws) if r[1]}


def by_label(ws) -> dict:
    return {r[2]: r for r in rows_of(ws) if r[2]}


def test_month_workbook_sheets_totals_and_layout(engine, month, services, tmp_path):
    out = write_rollup(engine, tmp_path / "thang.xlsx", "2026-11", media_root=services.media.root,
                       generated_at=NOW)
    book = load_workbook(out)
    assert book.sheetnames == SHEETS
    summary = book["Tổng hợp"]
    top = [c for row in summary.iter_rows(max_row=first_data_row(summary) - 2, values_only=True)
           for c in row if c]
    # No issuer set: the exported tree's name, under it *** and the number left blank.
    assert top[:5] == ["TỈNH ĐOÀN VĨNH LONG", "ĐOÀN TNCS HỒ CHÍ MINH", "***", "Số:        -BC/TĐTN",
                       "Ngày 18 tháng 11 năm 2026"]
    assert "Kỳ báo cáo: Tháng 11/2026 (01/11/2026 – 30/11/2026)" in top
    assert ("Tuần được tính vào tháng có ngày thứ Năm của tuần (4 tuần, từ 02/11/2026 đến "
            "29/11/2026).") in top
    assert "Số liệu tính đến 17:00 ngày 18/11/2026" in top
    assert book["Chi tiết"]["A5"].value == "Lập lúc: 18/11/2026 17:00"
    for ws in book.worksheets:  # bold frozen header, filter, printed with the header on each page
        header = first_data_row(ws) - 1
        assert ws.cell(header, 1).font.b and (ws.title == "Tổng hợp" or header == HEADER)
        assert ws.auto_filter.ref.startswith(f"A{header}:")
        assert ws.print_title_rows == f"${header}:${header}"
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1

    start, end = datetime(2026, 11, 2, tzinfo=LOCAL_TZ), datetime(2026, 11, 30, tzinfo=LOCAL_TZ)
    with session_scope(engine) as s:
        in_month = (Report.created_at >= start) & (Report.created_at < end)
        db_reports = s.exec(select(func.count(Report.id)).where(in_month)).one()
        db_people = s.exec(select(func.sum(Report.participants)).where(in_month)).one()
        db_photos = s.exec(select(func.count(ReportPhoto.id)).join(Report).where(in_month)).one()
    total = by_label(summary)["TỔNG CỘNG"]
    assert total[3:7] == [db_reports, db_people, 4, db_photos] == [7, 70, 4, 3]
    a1 = by_code(summary)["CD-A1"]
    assert a1[2] == "Chi đoàn ấp 1" and a1[3:7] == [3, 47, 2, 3]
    assert a1[7] == datetime(2026, 11, 5, 19, 0) and a1[8] == datetime(2026, 11, 17, 16, 30)
    # weeks 45-46 owed; 47 is open (its deadline is Sunday 22/11 21:00); 48 has not begun
    assert a1[9:15] == [2, 2, 0, 1, "Đúng hạn", 1]
    b1 = by_code(summary)["CD-B1"]
    assert b1[9:14] == [2, 2, 1, 1, "Trễ hạn 1 tuần"]  # week 46 came late
    a2_row = next(r for r in summary.iter_rows(min_row=first_data_row(summary))
                  if r[1].value == "CD-A2")
    assert a2_row[13].value == "Chưa báo cáo" and a2_row[2].fill.fgColor.rgb.endswith("FFC7CE")
    assert a2_row[2].alignment.indent == 2  # branch under district under province
    district = by_label(summary)["Huyện đoàn A"]  # a parent is a subtotal, not a unit with zeros
    assert district[1] is None and district[3:7] == [4, 50, 3, 3]
    assert district[12] == 0.5 and district[13] == "1 đơn vị chưa báo cáo đủ"  # 2 of 4 unit-weeks
    own = by_code(summary)["HD-A"]
    assert own[2] == "Huyện đoàn A (hoạt động của cơ quan)" and own[3] == 1 and own[10] == 0
    assert "Tỉnh đoàn Vĩnh Long" not in by_label(summary)  # the single root is TỔNG CỘNG
    assert total[12] == 4 / 8

    tasks = book["Theo nhiệm vụ"]
    header = [c.value for c in tasks[HEADER]]
    nv3 = header.index("NV3\nNông thôn mới")
    assert by_label(tasks)["TỔNG CỘNG"][nv3] == 3 and by_label(tasks)["TỔNG CỘNG"][-1] == 7
    assert len(tasks._charts) == 1

    weeks = book["Theo tuần"]
    header = [c.value for c in weeks[HEADER]]
    assert header[3:7] == [f"Tuần {n}/2026\n{d}" for n, d in
                           [(45, "02/11–08/11"), (46, "09/11–15/11"), (47, "16/11–22/11"),
                            (48, "23/11–29/11")]]
    assert by_code(weeks)["CD-A1"][3:7] == [1, 1, 1, None]
    assert by_code(weeks)["CD-A2"][3:7] == ["Chưa", "Chưa", "Đang mở", None]
    assert by_label(weeks)["TỔNG CỘNG"][3:7] == [0.5, 0.5, "Đang mở", None]
    assert len(weeks._charts) == 1

    detail = book["Chi tiết"]
    assert [c.value for c in detail[HEADER]] == [
        "Mã biên nhận", "Thời gian", "Tuần", "Đơn vị", "Đơn vị cấp trên", "Người báo cáo",
        "Nền tảng", "Nhiệm vụ", "Nội dung", "Số người tham gia", "Khó khăn", "Đề xuất",
        "Số ảnh (bấm để xem)", "Đúng hạn / Trễ hạn", "Tình trạng duyệt"]
    rows = rows_of(detail)
    assert len(rows) == db_reports
    first = rows[0]
    assert first[1:10] == [datetime(2026, 11, 5, 9, 0), "45/2026", "Chi đoàn khóm 1",
                           "Huyện đoàn B", "Nguyễn Văn An", "Telegram", "NV3 Nông thôn mới",
                           "Dọn vệ sinh", None]
    assert detail.cell(HEADER + 1, 2).number_format == "dd/mm/yyyy hh:mm"
    with_photos = next(r for r in detail.iter_rows(min_row=HEADER + 1) if r[12].value == 2)
    assert with_photos[10].value == "Thiếu dụng cụ" and with_photos[11].value == "Cấp thêm bao tay"
    evidence = book["Minh chứng"]
    target = with_photos[12].hyperlink.location  # the count opens the first photo's row
    sheet_name, cell = target.rsplit("!", 1)
    assert sheet_name == "'Minh chứng'"
    assert evidence[cell].offset(0, 2).value == with_photos[0].value

    assert len(rows_of(evidence)) == 3 and len(evidence._images) == 3
    assert rows_of(evidence)[0][7] == "Mở ảnh gốc"
    assert evidence.cell(HEADER + 1, 8).hyperlink.target.startswith("file://")

    missing = rows_of(book["Chưa báo cáo"])
    assert [(r[1], r[2]) for r in missing] == [
        ("45/2026 (02/11–08/11)", "CD-A2"), ("45/2026 (02/11–08/11)", "CD-B2"),
        ("46/2026 (09/11–15/11)", "CD-A2"), ("46/2026 (09/11–15/11)", "CD-B2")]
    assert missing[0][5:7] == ["0909 123 456", "Lê Thị Bí Thư (Telegram)"]

    issues = rows_of(book["Khó khăn – Đề xuất"])
    assert [r[1] for r in issues] == ["Huyện đoàn A (1 ý kiến)", "Chi đoàn ấp 1",
                                      "Huyện đoàn B (1 ý kiến)", "Chi đoàn khóm 2"]
    assert issues[1][5:7] == ["Thiếu dụng cụ", "Cấp thêm bao tay"]


def test_week_has_no_week_sheet_and_subtree_export(engine, month, services, tmp_path):
    result = export_rollup(engine, tmp_path / "tuan.xlsx", "2026-W46", unit_code="HD-B",
                           generated_at=NOW)
    assert result.reports == 1 and result.units == 3
    book = load_workbook(result.path)
    assert book.sheetnames == [s for s in SHEETS if s != "Theo tuần"]
    summary = book["Tổng hợp"]
    assert summary["A1"].value == "HUYỆN ĐOÀN B"  # the issuer, when no REPORT_ISSUER is set
    assert list(by_code(summary)) == ["CD-B1", "CD-B2"]
    assert by_code(summary)["CD-B1"][11:14] == [1, 1, "Trễ hạn"]
    assert by_label(summary)["TỔNG CỘNG"][3] == 1
    with pytest.raises(ExportError, match="ZZ"):
        write_rollup(engine, tmp_path / "x.xlsx", "2026-W46", unit_code="ZZ")
    with pytest.raises(PeriodError):
        parse_period("2026-W60")


def test_user_text_is_never_a_formula(engine, org, services, tmp_path):
    tricky = ["=1+1", "=HYPERLINK(\"http://evil.example\",\"bấm\")", "+84 909 123 456", "-5 người",
              "@SUM(A1)", "#N/A", "=", "\tthụt đầu dòng"]
    with session_scope(engine) as s:
        unit = s.get(Unit, org["CD-A1"].id)
        for i, text in enumerate(tricky):
            add_report(s, services.media, unit, "NV1", local(17, 8 + i), content=text,
                       reporter=text, difficulties=text, proposals=text)
    out = write_rollup(engine, tmp_path / "f.xlsx", "2026-W47", generated_at=NOW)
    book = load_workbook(out)
    detail = book["Chi tiết"]
    for row, text in zip(detail.iter_rows(min_row=HEADER + 1), tricky):
        for cell in (row[5], row[8], row[10], row[11]):
            assert (cell.value, cell.data_type) == (text, "s")
    for row, text in zip(book["Khó khăn – Đề xuất"].iter_rows(min_row=HEADER + 2), tricky):
        assert (row[5].value, row[5].data_type) == (text, "s")


def test_over_long_text_is_cut_with_a_mark(engine, org, services, tmp_path):
    with session_scope(engine) as s:
        add_report(s, services.media, s.get(Unit, org["CD-A1"].id), "NV1", local(17, 8),
                   content="x" * 40_000)
    book = load_workbook(write_rollup(engine, tmp_path / "l.xlsx", "2026-W47", generated_at=NOW))
    value = book["Chi tiết"].cell(HEADER + 1, 9).value
    assert len(value) == EXCEL_CELL_LIMIT and value.endswith(CUT_MARK)


def test_full_sheets_continue_on_a_second_sheet(engine, org, services, tmp_path, monkeypatch):
    monkeypatch.setattr(sheet_module, "MAX_SHEET_ROWS", HEADER + 3)  # three data rows a sheet
    with session_scope(engine) as s:
        unit = s.get(Unit, org["CD-A1"].id)
        for i in range(7):
            add_report(s, services.media, unit, "NV1", local(16, 8 + i), content=f"Hoạt động {i}",
                       photos=[10 + i])
    book = load_workbook(write_rollup(engine, tmp_path / "s.xlsx", "2026-W47",
                                      media_root=services.media.root, generated_at=NOW))
    names = book.sheetnames
    assert names[names.index("Chi tiết"):names.index("Chưa báo cáo")] == [
        "Chi tiết", "Chi tiết (2)", "Chi tiết (3)", "Minh chứng", "Minh chứng (2)",
        "Minh chứng (3)"]
    parts = [book[n] for n in ("Chi tiết", "Chi tiết (2)", "Chi tiết (3)")]
    assert [p.cell(HEADER, 1).value for p in parts] == ["Mã biên nhận"] * 3
    assert "tiếp theo, phần 2" in parts[1]["A3"].value
    contents = [r[8] for p in parts for r in rows_of(p)]
    assert contents == [f"Hoạt động {i}" for i in range(7)]
    for part in parts:  # every photo link lands on its own report's row, whichever sheet
        for row in part.iter_rows(min_row=HEADER + 1):
            target = row[12].hyperlink.location
            sheet_name, cell = target.rsplit("!", 1)
            assert book[sheet_name.strip("'")][cell].offset(0, 2).value == row[0].value


def test_with_media_writes_a_zip_the_links_point_into(engine, month, services, tmp_path):
    result = export_rollup(engine, tmp_path / "goi.xlsx", "2026-11", with_media=True,
                           media_root=services.media.root, generated_at=NOW)
    assert result.path == tmp_path / "goi.zip" and not (tmp_path / "goi.xlsx").exists()
    with zipfile.ZipFile(result.path) as archive:
        names = archive.namelist()
        assert names[0] == "goi.xlsx"
        photos = sorted(n for n in names if n.startswith("photos/"))
        assert len(photos) == 3 and all(n.endswith(".jpg") for n in photos)
        archive.extractall(tmp_path / "giai-nen")
    book = load_workbook(tmp_path / "giai-nen" / "goi.xlsx")
    targets = sorted(c.hyperlink.target for c in book["Minh chứng"]["H"][HEADER:] if c.hyperlink)
    assert targets == photos
    with session_scope(engine) as s:
        originals = {(services.media.root / m.path).read_bytes() for m in s.exec(select(Media))}
    assert {(tmp_path / "giai-nen" / p).read_bytes() for p in photos} <= originals


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_shows_typed_text_not_formulas(engine, org, services, tmp_path):
    import csv
    import subprocess
    tricky = ["=1+1", "+84 909", "-5", "@SUM(A1)"]
    with session_scope(engine) as s:
        unit = s.get(Unit, org["CD-A1"].id)
        for i, text in enumerate(tricky):
            add_report(s, services.media, unit, "NV1", local(17, 8 + i), content=text)
    out = write_rollup(engine, tmp_path / "lo.xlsx", "2026-W47", generated_at=NOW)
    # Sheet 3 (Chi tiết of a one-week book), cell text as shown, formulas evaluated if any.
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,"
                    "false,false,3", "--outdir", str(tmp_path / "csv"), str(out)],
                   check=True, capture_output=True, timeout=180)
    with open(tmp_path / "csv" / "lo-Chi tiết.csv", encoding="utf-8") as f:
        shown = [row[8] for row in csv.reader(f)][HEADER:]
    assert shown == tricky
