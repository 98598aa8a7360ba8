"""/xuat lets the office choose the Word báo cáo, the Excel figures, or both."""
from __future__ import annotations

from docx import Document
from openpyxl import load_workbook

from exports.letterhead import Letterhead
from exports.report_docx import chat_report_exporter
from exports.rollup import chat_exporter
from tests.support import Person, run_script


def text_of(path) -> str:
    return "\n".join(p.text for p in Document(path).paragraphs)


async def test_office_chooses_word_excel_or_both(services, org, tmp_path):
    services.env_admins = (("telegram", "900"),)
    services.export_workbook = chat_exporter(services.media.root, tmp_path / "exports")
    services.export_report = chat_report_exporter(Letterhead(place="Vĩnh Long"),
                                                  tmp_path / "exports")
    cadre = Person(services, "100", "Nguyễn Văn An")
    await run_script(cadre, [(f"/start {org['CD-A1'].join_code}", "Chi đoàn ấp 1"),
                             ("/baocao", "nhiệm vụ nào"), ("tap:NV3", "Đồng chí đã làm gì"),
                             ("Dọn vệ sinh {{ 7*7 }} & <b>", "bao nhiêu người"), ("12", "ảnh"),
                             ("xong", "Khó khăn"), ("tap:Không có", "kiểm tra"),
                             ("tap:Gửi", "Mã biên nhận")])
    office = Person(services, "900", "Văn phòng Tỉnh đoàn")
    await office.say("/xuat")
    replies = await office.tap("Tuần này")
    assert [c.label for c in replies[0].choices] == ["Báo cáo (Word)", "Số liệu (Excel)",
                                                      "Cả hai"]
    assert "Tuần này (2026-W47)" in office.text() and replies[0].document is None
    replies = await office.tap("Cả hai")
    documents = [r.document for r in replies]
    assert [d.suffix for d in documents] == [".docx", ".xlsx"]
    report = text_of(documents[0])
    assert "tuần 47 (16/11 – 22/11/2026)" in report
    assert "Dọn vệ sinh {{ 7*7 }} & <b>" in report
    assert "Báo cáo «30 phút hành động»" in replies[0].text and "Word" in replies[0].text
    assert load_workbook(documents[1])["Chi tiết"].max_row > 1

    await office.say("/xuat 2026-W46")
    replies = await office.tap("Báo cáo (Word)")
    assert len(replies) == 1 and replies[0].document.suffix == ".docx"
    assert "tuần 46 (09/11 – 15/11/2026)" in text_of(replies[0].document)
    await office.say("/xuat 2026-W46")
    replies = await office.tap("Số liệu (Excel)")
    assert len(replies) == 1 and replies[0].document.suffix == ".xlsx"

    replies = await office.say("/xuat tuần 99")
    assert "không hợp lệ" in office.text() and not replies[0].choices


async def test_a_stranger_cannot_press_the_format_button(services, org, tmp_path):
    made = []
    services.export_report = lambda *a, **k: made.append(a) or tmp_path / "x.docx"
    services.export_workbook = lambda *a, **k: made.append(a) or tmp_path / "x.xlsx"
    stranger = Person(services, "555", "Người lạ")
    await stranger.send(stranger.message("choice", choice="xuat:tuan_nay:both"))
    assert "chỉ dành cho cán bộ Văn phòng" in stranger.text() and made == []
