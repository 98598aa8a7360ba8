"""The rollup workbook as it prints: rendered by LibreOffice to PDF, read back with poppler."""
from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from exports.letterhead import Letterhead
from exports.rollup import export_rollup, write_rollup
from storage.db import session_scope
from storage.models import Report, Unit
from tests.test_export import NOW, add_report, local, month  # noqa: F401 (fixture)

LETTERHEAD = Letterhead(issuer="BCH TỈNH VĨNH LONG", place="Vĩnh Long",
                        signer_name="Nguyễn Thị Ký Tên")
LONG_UNIT = "Chi đoàn ấp Tân Thạnh Đông thuộc Đoàn xã Tân Phú Đông huyện Long Hồ mở rộng"
LONG_CONTENT = ("Ra quân dọn vệ sinh tuyến đường liên ấp, phát quang bụi rậm, khơi thông cống "
                "rãnh, thu gom rác thải nhựa và hướng dẫn bà con phân loại rác tại nguồn; kết "
                "hợp tuyên truyền cài đặt và sử dụng VNeID mức độ 2 cho người dân trong ấp. ") * 3
LONG_DIFFICULTY = "Thời tiết mưa nhiều, đoàn viên đi làm ăn xa nên khó tập trung đông đủ"
LONG_PROPOSAL = "Đề nghị Huyện đoàn hỗ trợ thêm kinh phí mua dụng cụ lao động và áo đoàn"

needs_office = pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None
    or shutil.which("pdftoppm") is None,
    reason="LibreOffice (soffice) and poppler-utils (pdftotext, pdftoppm) are needed to render "
           "the workbook; install libreoffice-calc-nogui poppler-utils")


def render(book: Path, tmp_path: Path) -> Path:
    """The workbook as LibreOffice prints it (every sheet), as PDF; pages also as PNG."""
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"), str(book)],
                   check=True, capture_output=True, timeout=300)
    pdf = tmp_path / "pdf" / book.with_suffix(".pdf").name
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(tmp_path / "pdf" / "page")],
                   check=True, timeout=120)
    return pdf


def page_texts(pdf: Path, layout: bool = True) -> list[str]:
    """Text per page; without layout each cell's lines come together (reading order)."""
    args = ["pdftotext"] + (["-layout"] if layout else []) + [str(pdf), "-"]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return out.split("\f")[:-1]


class Words(HTMLParser):
    """pdftotext -bbox output: per page, (word, x_min, y_min, x_max, y_max)."""

    def __init__(self):
        super().__init__()
        self.pages: list[list[tuple]] = []
        self._box = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "page":
            self.pages.append([])
        elif tag == "word":
            self._box = tuple(float(a[k]) for k in ("xmin", "ymin", "xmax", "ymax"))

    def handle_data(self, data):
        if self._box is not None:
            self.pages[-1].append((data, *self._box))
            self._box = None


def page_words(pdf: Path) -> list[list[tuple]]:
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True,
                         capture_output=True, text=True).stdout
    parser = Words()
    parser.feed(out)
    return parser.pages


def find(words, text: str) -> tuple:
    """Box of the first run of words spelling `text`."""
    wanted = text.split()
    for i in range(len(words)):
        if [w[0] for w in words[i:i + len(wanted)]] == wanted:
            run = words[i:i + len(wanted)]
            return (min(w[1] for w in run), min(w[2] for w in run), max(w[3] for w in run),
                    max(w[4] for w in run))
    raise AssertionError(f"{text!r} is not on the page")


def shown_in_full(words, text: str) -> bool:
    """Whether the words of `text` are on the page, in order, in a cell starting where its
    first two words are (tried at each place they occur): the lines of a wrapped cell all
    start at the same x."""
    wanted = text.split()
    for i in range(len(words) - 1):
        if [w[0] for w in words[i:i + 2]] != wanted[:2]:
            continue
        x0, y0 = words[i][1], words[i][2]
        in_cell = sorted((w for w in words if w[2] >= y0 - 1 and w[1] >= x0 - 1),
                         key=lambda w: (round(w[2]), w[1]))
        shown = iter(w[0] for w in in_cell)
        if all(any(word == seen for seen in shown) for word in wanted):
            return True
    return False


def overprinted(words) -> list:
    """Pairs of words whose boxes overlap (text printed over text)."""
    clashes = []
    for i, a in enumerate(words):
        for b in words[i + 1:]:
            width = min(a[3], b[3]) - max(a[1], b[1])
            height = min(a[4], b[4]) - max(a[2], b[2])
            # Lines of one cell touch a little (tall Vietnamese marks): half a line is a clash.
            if width > 1 and height > 0.5 * min(a[4] - a[2], b[4] - b[2]):
                clashes.append((a[0], b[0]))
    return clashes


def widest_receipt_codes(engine) -> list[str]:
    """Give every report one of the widest receipt codes (W and M only): printing must keep
    the worst case whole, not only whatever the random codes happened to be."""
    codes = []
    with session_scope(engine) as s:
        for n, report in enumerate(s.exec(select(Report).order_by(Report.id)).all()):
            report.receipt_code = "BC-" + "".join("WM"[(n >> bit) & 1] for bit in range(6))
            codes.append(report.receipt_code)
    return codes


@pytest.fixture
def long_texts(engine, month, services):
    with session_scope(engine) as s:
        unit = s.get(Unit, month["CD-A2"].id)
        unit.name = LONG_UNIT
        add_report(s, services.media, unit, "NV6", local(17, 9), content=LONG_CONTENT,
                   difficulties=LONG_DIFFICULTY, proposals=LONG_PROPOSAL,
                   reporter="Nguyễn Trần Hoàng Phương Thảo Nguyên")
    return month


@needs_office
def test_rendered_workbook_is_a_document_to_sign(engine, long_texts, services, tmp_path):
    codes = widest_receipt_codes(engine)
    out = write_rollup(engine, tmp_path / "bao-cao.xlsx", "2026-11",
                       media_root=services.media.root, generated_at=NOW, letterhead=LETTERHEAD)
    pdf = render(out, tmp_path)
    texts = page_texts(pdf)
    words = page_words(pdf)
    # Tổng hợp: 2 pages (the signature block does not fit under the table on the first one);
    # by task and by week: the table, then the chart; one page each for the four others.
    assert len(texts) == 10, [t.strip().splitlines()[:3] for t in texts]

    # The header's two columns: issuer, *** and the number on the left; the Union's heading
    # over the place and date on the right, the date on the number's line.
    first = words[0]
    issuer, stars, number = (find(first, t) for t in ("BCH TỈNH VĨNH LONG", "***", "Số:"))
    union, day = find(first, "ĐOÀN TNCS HỒ CHÍ MINH"), find(first, "Vĩnh Long, ngày 18 tháng 11")
    page_width = 842  # A4 landscape, points
    assert issuer[2] < page_width / 2 < union[0]
    assert issuer[1] < stars[1] < number[1] and union[1] < day[1]
    assert abs(day[1] - number[1]) < 3
    assert abs((issuer[0] + issuer[2]) / 2 - (stars[0] + stars[2]) / 2) < 10  # centred block
    title = find(first, "BÁO CÁO KẾT QUẢ THỰC HIỆN «30 PHÚT HÀNH ĐỘNG»")
    assert number[3] < title[1] and abs((title[0] + title[2]) / 2 - page_width / 2) < 80
    # Recipients bottom left, the signature block bottom right, under the table, on one page
    # with the table's last rows (a signature page never stands alone).
    closing = words[1]
    total = find(closing, "TỔNG CỘNG")
    recipients, on_behalf = find(closing, "Nơi nhận:"), find(closing, "TM. BAN THƯỜNG VỤ")
    signer, lwu = find(closing, "Nguyễn Thị Ký Tên"), find(closing, "- Lưu VP.")
    assert total[3] < recipients[1] and recipients[2] < page_width / 2 < on_behalf[0]
    assert signer[1] - on_behalf[3] > 50  # room to sign
    assert lwu[3] < 595 - 56  # above the bottom margin: nothing cut off
    assert "Trang 1/10" in texts[0] and "Trang 2/10" in texts[1]

    # Chi tiết: every text shown in full (not cut by the next cell or the row's bottom), and
    # no word printed over another.
    detail = next(i for i, t in enumerate(texts) if "CHI TIẾT CÁC BÁO CÁO" in t)
    for text in (LONG_CONTENT.strip(), LONG_DIFFICULTY, LONG_PROPOSAL, LONG_UNIT,
                 "Nguyễn Trần Hoàng Phương Thảo Nguyên"):
        assert shown_in_full(words[detail], text), text
    printed = {w[0] for w in words[detail] if w[0].startswith("BC-")}
    assert printed and printed <= set(codes), printed  # each receipt code on one line
    for page in (0, 1, detail):
        assert not overprinted(words[page]), overprinted(words[page])

    # The chart of each by-task and by-week sheet starts a page of its own after the table.
    for chart_title, table_title in (("Số hoạt động theo nhiệm vụ",
                                      "SỐ HOẠT ĐỘNG (BÁO CÁO) THEO NHIỆM VỤ"),
                                     ("Tỷ lệ đơn vị báo cáo theo tuần",
                                      "TÌNH HÌNH BÁO CÁO THEO TUẦN")):
        table_page = next(i for i, t in enumerate(texts) if table_title in t)
        chart_page = next(i for i, t in enumerate(texts) if chart_title in t)
        assert chart_page == table_page + 1
        assert "TỔNG CỘNG" not in texts[chart_page]


def test_row_heights_fit_the_wrapped_text(engine, long_texts, services, tmp_path):
    book = load_workbook(write_rollup(engine, tmp_path / "b.xlsx", "2026-11", generated_at=NOW))
    detail = book["Chi tiết"]
    row = next(r for r in detail.iter_rows(min_row=7) if r[8].value == LONG_CONTENT)
    width = detail.column_dimensions["I"].width
    # 11 pt Times New Roman needs about 14 pt a line; LibreOffice fits about 1.2 characters
    # of this text per width unit on a line (60 in the 50-wide Nội dung column).
    lines_needed = len(LONG_CONTENT) / (width * 1.2)
    assert detail.row_dimensions[row[0].row].height >= 14 * lines_needed
    assert row[8].alignment.wrap_text and row[3].alignment.wrap_text  # the long unit name


def test_every_sheet_prints_on_a4_with_the_guides_margins(engine, month, services, tmp_path):
    book = load_workbook(write_rollup(engine, tmp_path / "p.xlsx", "2026-11",
                                      media_root=services.media.root, generated_at=NOW))
    for ws in book.worksheets:
        assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
        margins = ws.page_margins
        assert [round(v * 25.4) for v in (margins.top, margins.bottom, margins.left,
                                          margins.right)] == [20, 20, 30, 20]
        assert not ws.print_options.gridLines
        assert ws.oddFooter.center.text == "Trang &P/&N"
        header_row = int(re.sub(r"\D", "", ws.freeze_panes)) - 1
        assert ws.print_title_rows == f"${header_row}:${header_row}"
        assert ws.cell(header_row, 1).font.name == "Times New Roman"
    summary = book["Tổng hợp"]
    assert summary["A1"].font.name == "Times New Roman"


def test_photo_links_in_the_zip_are_relative_and_the_book_says_where_photos_are(
        engine, month, services, tmp_path):
    result = export_rollup(engine, tmp_path / "goi.xlsx", "2026-11", with_media=True,
                           media_root=services.media.root, generated_at=NOW)
    with zipfile.ZipFile(result.path) as archive:
        archive.extractall(tmp_path / "khac-may")
        inner = zipfile.ZipFile(tmp_path / "khac-may" / "goi.xlsx")
        rels = [inner.read(n).decode() for n in inner.namelist() if n.endswith(".xml.rels")]
    targets = [t for r in rels for t in re.findall(r'Target="([^"]+)" TargetMode="External"', r)]
    assert targets and all(t.startswith("photos/") for t in targets)
    for target in targets:  # each opens from the unzipped folder, wherever it is
        assert (tmp_path / "khac-may" / target).is_file()
    assert "photos/" in load_workbook(tmp_path / "khac-may" / "goi.xlsx")["Minh chứng"]["A5"].value

    plain = write_rollup(engine, tmp_path / "x.xlsx", "2026-11", media_root=services.media.root,
                         generated_at=NOW)
    note = load_workbook(plain)["Minh chứng"]["A5"].value
    assert str(services.media.root.resolve()) in note and "--with-media" in note
