"""The báo cáo (`fieldreport report`): the document form, figures equal to the workbook's,
grouped difficulties, literal cadre text, empty periods, the office's own template."""
from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from exports.letterhead import Letterhead
from exports.report_docx import ReportError, write_report
from exports.report_docx.render import write_default_template
from exports.rollup import export_rollup
from storage.db import session_scope
from storage.models import Unit
from tests.test_export import add_report, local

AS_OF = datetime(2026, 12, 2, 3, 0, tzinfo=timezone.utc)  # Wednesday of week 49, 10:00 local
LETTERHEAD = Letterhead(issuer="BCH TỈNH VĨNH LONG", place="Vĩnh Long",
                        signer_name="Nguyễn Văn Bí Thư")
needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext")
                                   is None, reason="LibreOffice (soffice) and poppler-utils "
                                                   "(pdftotext) are needed to render the report")


@pytest.fixture
def weeks(engine, org, services):
    """Week 47: CD-A1 reports. Week 48: CD-A1 and CD-A2 on time, CD-B1 late, CD-B2 not."""
    media = services.media
    with session_scope(engine) as s:
        u = {code: s.get(Unit, unit.id) for code, unit in org.items()}
        add_report(s, media, u["CD-A1"], "NV3", local(19, 17), participants=8)  # week 47
        add_report(s, media, u["CD-A1"], "NV3", local(24, 17), participants=20, photos=[1, 2],
                   content="Trồng 30 cây xanh trên tuyến đường ấp",
                   difficulties="Thiếu kinh phí mua cây giống")
        add_report(s, media, u["CD-A2"], "NV3", local(25, 9), participants=12,
                   difficulties="thieu  KINH PHI mua cay giong.")
        add_report(s, media, u["CD-A2"], "ĐP2", local(26, 19), participants=31, photos=[3],
                   content="Hỗ trợ người dân làm thủ tục trực tuyến tại bộ phận một cửa")
        # Sunday 22:30, after the 21:00 deadline: late
        add_report(s, media, u["CD-B1"], "NV3", local(29, 22, 30), participants=7,
                   difficulties="Thiếu kinh phí mua cây giống", proposals="Hỗ trợ cây giống")
    return org


def report_text(path: Path) -> str:
    doc = Document(path)
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


def pdf_pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def make(engine, tmp_path, period, name="bao-cao.docx", unit=None, **kwargs):
    return write_report(engine, tmp_path / name, period, unit, letterhead=LETTERHEAD,
                        as_of=kwargs.pop("as_of", AS_OF), **kwargs)


# --- the workbook, read back ------------------------------------------------------------------

def workbook_figures(path: Path) -> dict:
    book = load_workbook(path, read_only=True)
    out = {}
    rows = list(book["Tổng hợp"].iter_rows(values_only=True))
    header = next(r for r in rows if "Số người tham gia" in r)
    total = next(r for r in rows if "TỔNG CỘNG" in r)

    def column(start: str) -> int:  # headers may say more: "Số tuần phải báo cáo (đã hết hạn)"
        return next(i for i, name in enumerate(header) if name and name.startswith(start))
    for key, name in (("reports", "Số hoạt động"), ("participants", "Số người tham gia"),
                      ("photos", "Số ảnh minh chứng"), ("weeks_reported", "Số tuần đã báo cáo"),
                      ("weeks_due", "Số tuần phải báo cáo"), ("weeks_late", "Số tuần trễ hạn"),
                      ("rate", "Tỷ lệ hoàn thành"), ("weeks_open", "Số tuần đang mở")):
        out[key] = total[column(name)]
    rows = list(book["Theo nhiệm vụ"].iter_rows(values_only=True))
    header = next(r for r in rows if "Tổng cộng" in r)
    total = next(r for r in rows if "TỔNG CỘNG" in r)
    out["tasks"] = {h.split("\n")[0]: total[i] for i, h in enumerate(header)
                    if h and "\n" in h}
    rows = list(book["Chưa báo cáo"].iter_rows(values_only=True))
    name = next(r for r in rows if "Mã đơn vị" in r).index("Đơn vị")
    missing = [r for r in rows if isinstance(r[0], int)]
    out["missing_weeks"] = len(missing)
    out["missing_units"] = sorted({r[name] for r in missing})
    rows = list(book["Khó khăn – Đề xuất"].iter_rows(values_only=True))
    column = next(r for r in rows if "Mã biên nhận" in r).index("Khó khăn")
    out["difficulties"] = sum(1 for r in rows if isinstance(r[0], int) and r[column])
    book.close()
    return out


def vn(number) -> str:
    return f"{number:,}".replace(",", ".")


@pytest.mark.parametrize("period,unit", [("2026-W48", None), ("2026-11", None),
                                         ("2026-11", "HD-A"),
                                         ((local(16, 0).date(), local(29, 0).date()), None)])
def test_every_figure_equals_the_workbooks(engine, weeks, tmp_path, period, unit):
    book = export_rollup(engine, tmp_path / "so-lieu.xlsx", period, unit, generated_at=AS_OF).path
    expected = workbook_figures(book)
    result = make(engine, tmp_path, period, unit=unit)
    f = result.context["figures"]
    assert f["reports"] == vn(expected["reports"])
    assert f["participants"] == vn(expected["participants"])
    assert f["photos"] == vn(expected["photos"])
    assert f["weeks_due"] == vn(expected["weeks_due"])
    assert f["weeks_reported"] == vn(expected["weeks_reported"])
    assert f["weeks_late"] == vn(expected["weeks_late"])
    assert f["weeks_missing"] == vn(expected["missing_weeks"])
    assert f["weeks_open"] == vn(expected["weeks_open"])
    rate = expected["rate"]
    assert f["rate"] == (f"{rate * 100:.1f}".replace(".", ",").removesuffix(",0") + "%")
    rows = {row["code"]: row for row in result.context["task_rows"]}
    for code, count in expected["tasks"].items():
        if count:
            assert rows[code]["activities"] == vn(count), code
        else:
            assert code not in rows
    missing = [u for group in result.context["missing"] for u in
               re.sub(r" \(\d+ tuần\)", "", group["units"]).split(", ")]
    assert sorted(missing) == expected["missing_units"]
    listed = sum(len(item["unit_list"]) for g in result.context["difficulties"]
                 for item in g["remarks"] if item["kind"] == "difficulty")
    assert listed == expected["difficulties"]
    # and the document says them
    text = report_text(result.path)
    assert f"{f['reports']} hoạt động" in text and f"{f['participants']} lượt" in text


def test_week_sections_say_what_happened(engine, weeks, tmp_path):
    text = report_text(make(engine, tmp_path, "2026-W48").path)
    assert "BÁO CÁO" in text
    assert "Kết quả thực hiện «30 phút hành động» tuần 48 (23/11 – 29/11/2026)" in text
    assert "Có 3/4 đơn vị báo cáo, đạt 75%; trong đó 2 đơn vị báo cáo đúng hạn, 1 đơn vị " \
           "báo cáo trễ hạn; 1 đơn vị chưa báo cáo." in text
    assert "So với tuần trước, số đơn vị báo cáo tăng 2 đơn vị (1 → 3), số hoạt động tăng " \
           "3 hoạt động (1 → 4), số lượt người tham gia tăng 62 lượt (8 → 70); tỷ lệ báo " \
           "cáo đạt 75% (tuần trước: 25%)." in text
    # tasks with nothing reported: one sentence, not rows of zeros
    assert re.search(r"chưa có đơn vị nào báo cáo hoạt động thuộc các nhiệm vụ: NV1 [^\n]*"
                     r"ĐP1 [^\n]* và Khác\.", text)
    assert "NV1" not in [row.cells[1].text.split()[0] for row in Document(
        tmp_path / "bao-cao.docx").tables[1].rows[1:-1]]
    # largest activity first, with unit and receipt code
    assert text.index("Chi đoàn ấp 2 (ĐP2") < text.index("Chi đoàn ấp 1 (NV3")
    # one difficulty, three units (accents, case, spacing, final dot ignored)
    assert text.count("hiếu kinh phí mua cây giống") == 1
    assert "(Chi đoàn ấp 1, Chi đoàn ấp 2 và Chi đoàn khóm 1)" in text
    assert "Đề xuất: Hỗ trợ cây giống (Chi đoàn khóm 1)" in text
    assert "Huyện đoàn B (1 đơn vị): Chi đoàn khóm 2." in text
    assert "trước 21:00 Chủ nhật, 06/12/2026" in text
    assert "Nguyễn Văn Bí Thư" in text and "- Lưu VP." in text


def test_commended_activities_are_the_good_practices(engine, weeks, tmp_path):
    """Once the office commends a report («Biểu dương»), section III quotes the commended ones
    instead of the largest activities."""
    from sqlmodel import select

    from storage import review
    from storage.models import Report
    with session_scope(engine) as s:
        small = s.exec(select(Report).where(Report.participants == 12)).one()  # CD-A2, NV3
        review.reset_for_revision(s, small)
        assert review.transition(s, small.id, small.revision, [review.PENDING],
                                 review.COMMENDED, "telegram:1", "Văn phòng", AS_OF)
        receipt = small.receipt_code
    text = report_text(make(engine, tmp_path, "2026-W48").path)
    section = text[text.index("III. MÔ HÌNH"):text.index("IV. KHÓ KHĂN")]
    assert "Các hoạt động được Văn phòng biểu dương, nhân rộng trong tuần:" in section
    assert receipt in section and "Chi đoàn ấp 2 (NV3" in section
    assert "ĐP2" not in section  # the largest activity, not commended, is not quoted here


def test_a_report_made_before_the_deadline_says_its_figures_may_change(engine, weeks, tmp_path):
    early = datetime(2026, 11, 27, 3, 0, tzinfo=timezone.utc)  # Friday of week 48, 10:00
    text = report_text(make(engine, tmp_path, "2026-W48", as_of=early).path)
    assert "Số liệu tính đến 10:00 ngày 27/11/2026; hạn báo cáo của tuần cuối trong kỳ là " \
           "21:00 Chủ nhật, 29/11/2026, nên số liệu còn thay đổi." in text
    assert "còn thay đổi" not in report_text(make(engine, tmp_path, "2026-W48").path)


def test_a_month_counts_weeks_missed(engine, weeks, tmp_path):
    text = report_text(make(engine, tmp_path, "2026-11").path)
    assert "tháng 11/2026" in text
    assert "Chi đoàn khóm 2 (4 tuần)" in text or "Chi đoàn khóm 2 (5 tuần)" in text
    assert "đơn vị báo cáo đủ tất cả các tuần" in text
    assert "Tháng tới (" in text and "(hạn báo cáo tuần đầu)" in text


def test_an_empty_week_says_so_in_each_section(engine, org, tmp_path):
    text = report_text(make(engine, tmp_path, "2026-W40").path)
    assert "Có 0/4 đơn vị báo cáo, đạt 0%" in text
    assert "Trong tuần, chưa có nhiệm vụ nào được báo cáo." in text
    assert "Trong tuần, chưa có hoạt động nào được báo cáo." in text
    assert "Trong tuần, không có đơn vị nào phản ánh khó khăn" in text
    assert "Huyện đoàn A (2 đơn vị): Chi đoàn ấp 1, Chi đoàn ấp 2." in text
    assert "STT" not in text  # no table of zeros


# PostgreSQL stores no NUL; the other control characters reach the report from the database.
CADRE_TEXT = 'Hát {{ 7*7 }} {% for x in y %} <b>đậm</b> & "ngoặc" \'đơn\'\x07\x1b xong'


def test_cadres_words_are_printed_not_run(engine, org, services, tmp_path):
    with session_scope(engine) as s:
        add_report(s, services.media, s.get(Unit, org["CD-A1"].id), "NV1", local(24, 9),
                   content=CADRE_TEXT, difficulties=CADRE_TEXT, participants=5)
    text = report_text(make(engine, tmp_path, "2026-W48").path)
    literal = 'Hát {{ 7*7 }} {% for x in y %} <b>đậm</b> & "ngoặc" \'đơn\' xong'
    assert text.count(literal) == 2  # the activity and the difficulty
    # Not "49" anywhere: a random receipt code (BC-7MB49M) may hold those digits.
    assert "Hát 49" not in text and "\x07" not in text


def test_nul_and_control_characters_are_dropped_not_fatal(tmp_path):
    from datetime import date

    from exports.figures import Activity, Headline, IssueRow, PeriodFigures
    from exports.periods import parse_period
    from exports.report_docx.context import context_from_figures
    from exports.report_docx.render import render_docx
    words = "Dọn\x00 đường {{ x }}\x0b\x1f & <i>"
    figures = PeriodFigures(
        period=parse_period("2026-W48"), organisation="Tỉnh đoàn\x00 Vĩnh Long", as_of=AS_OF,
        headline=Headline(1, 1, 1, 1, 0, 0, 0, 0, 1.0, 5, 0, 1, units_due=1, units_reported=1,
                          units_full=1, units_active=1),
        tasks=(), missing=(),
        issues=(IssueRow("difficulty", "CD-1", "Chi đoàn\x00 1", "", "NV1 Chống suy thoái", words,
                         "BC-1", AS_OF),),
        largest=(Activity("Chi đoàn 1", "NV1", date(2026, 11, 24), "2026-W48", 5, 0, "BC-1",
                          words),))
    out = render_docx(context_from_figures(figures, AS_OF, LETTERHEAD), tmp_path / "r.docx")
    text = report_text(out)
    assert text.count("Dọn đường {{ x }} & <i>") == 2 and "Tỉnh đoàn Vĩnh Long" in text


# --- the rendered document (LibreOffice) -----------------------------------------------------

def word_boxes(pdf: Path) -> list[tuple[str, float, float]]:
    """(word, x, y) of page 1's words, from pdftotext's bounding boxes."""
    html = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-bbox", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    return [(w, float(x), float(y)) for x, y, w in
            re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>', html)]


@needs_soffice
def test_rendered_week_has_the_unions_document_form(engine, weeks, tmp_path):
    pdf = make(engine, tmp_path, "2026-W48", name="tuan-48.pdf").path
    assert pdf.read_bytes().startswith(b"%PDF") and pdf_pages(pdf) <= 3
    words = word_boxes(pdf)
    first = {w: (x, y) for w, x, y in reversed(words)}  # first occurrence of each word
    right_cell = (30 + 68) / 25.4 * 72 - 5  # left margin + left column, in points
    assert first["BCH"][0] < right_cell < first["ĐOÀN"][0]
    assert first["Số:"][0] < right_cell and first["Số:"][1] > first["BCH"][1]
    assert first["Vĩnh"][0] > right_cell and first["Vĩnh"][1] > first["ĐOÀN"][1]  # date below
    assert first["BÁO"][1] > first["Vĩnh"][1]
    text = pdf_text(pdf)
    assert "tuần 48 (23/11 – 29/11/2026)" in text
    assert "Nơi nhận:" in text and "TM. BAN THƯỜNG VỤ" in text
    # page numbers from page 2: none at the top of page 1
    pages = text.split("\f")
    assert pages[1].strip().startswith("2")
    assert not pages[0].strip().startswith("1")


@needs_soffice
def test_a_year_for_500_units_fits_about_15_pages(engine, tmp_path):
    from tests.report_data import seed_province
    seed_province(engine, units=500, reports=8000)
    pdf = make(engine, tmp_path, "2026", name="nam.pdf",
               as_of=datetime(2027, 1, 10, tzinfo=timezone.utc)).path
    assert 2 <= pdf_pages(pdf) <= 16
    text = " ".join(pdf_text(pdf).split())
    assert "Kết quả thực hiện «30 phút hành động» năm 2026 (" in text
    assert "đoàn viên đi làm ăn xa" in text.lower()
    assert text.lower().count("đi làm ăn xa, khó tập trung") <= 10  # once for each task


@needs_soffice
def test_literal_syntax_survives_libreoffice(engine, org, services, tmp_path):
    with session_scope(engine) as s:
        add_report(s, services.media, s.get(Unit, org["CD-A1"].id), "NV1", local(24, 9),
                   content=CADRE_TEXT, participants=5)
    text = " ".join(pdf_text(make(engine, tmp_path, "2026-W48", name="r.pdf").path).split())
    assert "{{ 7*7 }}" in text and "{% for x in y %}" in text and "<b>đậm</b> &" in text


# --- the office's template ------------------------------------------------------------------

def edit_template(path: Path, replace: dict[str, str], append: str = "") -> None:
    doc = Document(path)
    for paragraph in doc.paragraphs:
        for old, new in replace.items():
            if old in paragraph.text:
                text = paragraph.text.replace(old, new)
                for run in paragraph.runs[1:]:
                    run.text = ""
                paragraph.runs[0].text = text
    if append:
        doc.add_paragraph(append)
    doc.save(path)


def test_a_custom_template_is_used_and_never_overwritten(engine, weeks, tmp_path):
    template = write_default_template(tmp_path / "mau-bao-cao.docx")
    edit_template(template, {"Ban Thường vụ đề nghị": "Văn phòng Tỉnh đoàn nhắc"},
                  append="Tổng số người tham gia: {{ figures.participants }} ({{ organisation }}).")
    before = template.read_bytes()
    text = report_text(make(engine, tmp_path, "2026-W48", template=template).path)
    assert "Văn phòng Tỉnh đoàn nhắc các cơ sở Đoàn" in text
    assert "Tổng số người tham gia: 70 (Tỉnh đoàn Vĩnh Long)." in text
    with pytest.raises(ReportError, match="trùng với tệp mẫu"):
        write_report(engine, template, "2026-W48", letterhead=LETTERHEAD, template=template)
    assert template.read_bytes() == before
    with pytest.raises(Exception, match="không ghi đè"):
        write_default_template(template)


@pytest.mark.parametrize("broken,named", [
    ("Kính gửi {{ subject", "«{{ subject"),
    ("Đơn vị: {{ ten_don_vi }}", "«{{ ten_don_vi }}»"),
    ("{% for x in general %} thiếu endfor", "{% for x in general %}"),
])
def test_a_broken_template_is_named_and_makes_no_report(engine, weeks, tmp_path, broken, named):
    template = write_default_template(tmp_path / "mau.docx")
    edit_template(template, {}, append=broken)
    out = tmp_path / "bao-cao.docx"
    with pytest.raises(ReportError) as caught:
        write_report(engine, out, "2026-W48", letterhead=LETTERHEAD, template=template)
    assert named in str(caught.value) and "Chưa lập báo cáo" in str(caught.value)
    assert not out.exists()
    assert list(tmp_path.glob("*.docx")) == [template]


@needs_soffice
def test_custom_and_broken_templates_through_the_cli(cli, engine, weeks, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli("report", "--write-template", "mau.docx").exit_code == 0
    again = cli("report", "--write-template", "mau.docx")
    assert again.exit_code == 1 and "không ghi đè" in again.output
    edit_template(tmp_path / "mau.docx", {"BÁO CÁO": "BÁO CÁO NHANH"})
    monkeypatch.setenv("REPORT_TEMPLATE", str(tmp_path / "mau.docx"))
    from bot.settings import get_settings
    get_settings.cache_clear()
    done = cli("report", "--period", "2026-W48", "--out", "tuan.pdf")
    assert done.exit_code == 0, done.output
    assert "BÁO CÁO NHANH" in pdf_text(tmp_path / "tuan.pdf")
    edit_template(tmp_path / "mau.docx", {}, append="{{ so_lieu }}")
    broken = cli("report", "--period", "2026-W48", "--out", "hong.pdf")
    assert broken.exit_code == 1 and "«{{ so_lieu }}»" in broken.output
    assert not (tmp_path / "hong.pdf").exists()


def test_cli_periods_pdf_without_libreoffice_and_bad_suffix(cli, engine, weeks, tmp_path,
                                                            monkeypatch):
    monkeypatch.chdir(tmp_path)
    done = cli("report", "--from", "2026-11-16", "--to", "2026-11-29", "--unit", "HD-A")
    assert done.exit_code == 0, done.output
    assert (tmp_path / "bao-cao-20261116-20261129-HD-A.docx").is_file()
    assert "Từ 16/11/2026 đến 29/11/2026" in done.output
    assert cli("report", "--period", "2026-W99").exit_code == 2
    assert "Không có đơn vị mã «XX»" in cli("report", "--period", "2026-W48", "--unit",
                                            "XX").output
    monkeypatch.setattr("exports.report_docx.pdf.soffice", lambda: None)
    no_pdf = cli("report", "--period", "2026-W48", "--out", "tuan.pdf")
    assert no_pdf.exit_code == 1 and "Cần cài LibreOffice" in no_pdf.output
    assert "đuôi .docx hoặc .pdf" in cli("report", "--period", "2026-W48", "--out",
                                         "tuan.xlsx").output
    assert not list(tmp_path.glob("tuan.*"))


@needs_soffice
def test_an_empty_week_renders_short_and_says_so(engine, org, tmp_path):
    pdf = make(engine, tmp_path, "2026-W40", name="trong.pdf").path
    assert pdf_pages(pdf) <= 2
    text = " ".join(pdf_text(pdf).split())
    assert "Trong tuần, không có đơn vị nào phản ánh khó khăn, vướng mắc hay đề xuất." in text
    assert "Trong tuần, chưa có hoạt động nào được báo cáo." in text


# --- issue 14's rules in the report ------------------------------------------------------------

def test_a_month_is_titled_with_its_calendar_dates(engine, weeks, tmp_path):
    text = report_text(make(engine, tmp_path, "2026-11").path)
    assert "Kết quả thực hiện «30 phút hành động» tháng 11/2026 (01/11 – 30/11/2026)" in text
    assert "Tuần được tính vào tháng có ngày thứ Năm của tuần" in text


def test_on_time_is_judged_by_the_units_own_deadline(engine, weeks, tmp_path):
    from storage import reminders as store
    with session_scope(engine) as s:  # Huyện đoàn B's units report by Sunday 23:00
        store.set_schedule(s, weeks["HD-B"].id, {"deadline": "6 23:00"})
    text = report_text(make(engine, tmp_path, "2026-W48").path)
    assert "trong đó 3 đơn vị báo cáo đúng hạn, 0 đơn vị báo cáo trễ hạn" in text
    # the next week's deadline differs between units: the report does not pretend otherwise
    assert "theo hạn của từng đơn vị, chậm nhất 23:00 Chủ nhật, 06/12/2026" in text


def test_an_open_week_is_not_missed(engine, weeks, tmp_path):
    result = make(engine, tmp_path, "2026-W49")  # Wednesday of week 49
    text = report_text(result.path)
    assert result.context["figures"]["weeks_open"] == "4"
    assert result.context["figures"]["weeks_missing"] == "0"
    assert "Tuần đang mở (chưa đến hạn báo cáo): đã có 0/4 đơn vị báo cáo" in text
    assert "đơn vị chưa báo cáo;" not in text and not result.context["missing"]
    assert "Chưa đến hạn báo cáo, nên chưa có đơn vị nào bị tính là chưa báo cáo." in text
    assert "hạn báo cáo của tuần cuối trong kỳ là 21:00 Chủ nhật, 06/12/2026" in text
