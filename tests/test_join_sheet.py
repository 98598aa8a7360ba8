"""`fieldreport units codes`: the join sheet the office prints or sends, checked as a reader would.

The PDF is rendered with pdftoppm and every card's QR codes are decoded with zbarimg; the
workbook's QR images are decoded too. Without those programs the tests say so and skip.
"""
from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image

from exports.join_sheet import CARD_H, CARD_W, card_box
from tests.support import ORG_ROWS

ZALO_LINK = "https://zalo.me/s/1459232241454765289/"
DPI = 150
needs_poppler = pytest.mark.skipif(not (shutil.which("pdftoppm") and shutil.which("pdftotext")),
                                   reason="pdftoppm/pdftotext missing: apt-get install poppler-utils")
needs_zbar = pytest.mark.skipif(not shutil.which("zbarimg"),
                                reason="zbarimg missing: apt-get install zbar-tools")


def decode(image: Image.Image, tmp_path: Path) -> list[str]:
    """Every QR code zbarimg finds in the image (empty when none)."""
    path = tmp_path / "decode.png"
    image.save(path)
    run = subprocess.run(["zbarimg", "-q", "--raw", str(path)], capture_output=True, text=True)
    return sorted(line for line in run.stdout.splitlines() if line)


def mm(value: float, dpi: int) -> int:
    return round(value / 25.4 * dpi)


def read_csv(cli, folder: Path) -> list[list[str]]:
    out = folder / "codes.csv"
    assert cli("units", "codes", "--out", str(out)).exit_code == 0
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    out.unlink()
    return rows


@needs_poppler
@needs_zbar
def test_pdf_has_one_card_per_unit_whose_qr_codes_open_its_links(cli, org, tmp_path, monkeypatch):
    monkeypatch.setenv("ZALO_BOT_LINK", ZALO_LINK)
    units = read_csv(cli, tmp_path)[1:]  # in tree order, as the cards are
    out = tmp_path / "ma-tham-gia.pdf"
    result = cli("units", "codes", "--out", str(out))
    assert result.exit_code == 0 and f"Đã ghi {len(ORG_ROWS)} đơn vị" in result.output
    assert out.read_bytes().startswith(b"%PDF")
    subprocess.run(["pdftoppm", "-r", str(DPI), "-png", str(out), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 2  # 7 units, 6 cards a page
    for index, (code, name, join, *_links) in enumerate(units):
        page, left, top = card_box(index)
        image = Image.open(pages[page])
        card = image.crop((mm(left, DPI), mm(top, DPI), mm(left + CARD_W, DPI),
                           mm(top + CARD_H, DPI)))
        assert decode(card, tmp_path) == sorted(
            [f"https://t.me/doan_baocao_bot?start={join}", ZALO_LINK]), code
        text = card_text(out, page, left, top)
        assert name in text and join in text, text
        assert f"gửi cho bot mã {join}" in text and "mã chung cho mọi đơn vị" in text


def card_text(pdf: Path, page: int, left: float, top: float) -> str:
    """The card's text as pdftotext extracts it: proves the embedded font maps back to Vietnamese."""
    run = subprocess.run(
        ["pdftotext", "-f", str(page + 1), "-l", str(page + 1), "-r", "72",
         "-x", str(mm(left, 72)), "-y", str(mm(top, 72)), "-W", str(mm(CARD_W, 72)),
         "-H", str(mm(CARD_H, 72)), str(pdf), "-"], capture_output=True, text=True, check=True)
    return " ".join(run.stdout.split())


@needs_zbar
def test_workbook_has_vietnamese_headers_qr_images_and_says_why_a_column_is_empty(
        cli, org, tmp_path, monkeypatch):
    monkeypatch.delenv("ZALO_BOT_LINK", raising=False)
    out = tmp_path / "ma-tham-gia.xlsx"
    result = cli("units", "codes", "--out", str(out))
    assert result.exit_code == 0 and "ZALO_BOT_LINK" in result.output
    sheet = load_workbook(out).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header_at = next(i for i, r in enumerate(rows) if r[0] == "Mã đơn vị")
    assert rows[header_at][:5] == ["Mã đơn vị", "Tên đơn vị", "Mã tham gia", "Liên kết Telegram",
                                   "Liên kết Zalo"]
    above = " ".join(str(r[0]) for r in rows[:header_at] if r[0])
    assert "ZALO_BOT_LINK" in above and "«Liên kết Zalo» để trống" in above
    data = {r[0]: r for r in rows[header_at + 1:]}
    assert set(data) == {r[0] for r in ORG_ROWS}
    assert all(r[4] in (None, "") for r in data.values())
    images = {image.anchor._from.row + 1: image for image in sheet._images}
    assert len(images) == len(ORG_ROWS)  # Telegram only: Zalo has no link to draw
    for row_number, image in images.items():
        code, _name, join, telegram = [c.value for c in sheet[row_number]][:4]
        assert telegram == f"https://t.me/doan_baocao_bot?start={join}"
        assert decode(Image.open(image.ref), tmp_path) == [telegram], code


def test_csv_keeps_working_with_vietnamese_headers(cli, org, tmp_path, monkeypatch):
    monkeypatch.setenv("ZALO_BOT_LINK", ZALO_LINK)
    rows = read_csv(cli, tmp_path)
    assert rows[0] == ["Mã đơn vị", "Tên đơn vị", "Mã tham gia", "Liên kết Telegram",
                       "Liên kết Zalo"]
    assert [r[0] for r in rows[1:]] == ["TD", "HD-A", "CD-A1", "CD-A2", "HD-B", "CD-B1", "CD-B2"]
    assert all(r[4] == ZALO_LINK for r in rows[1:])
    assert rows[3][3] == f"https://t.me/doan_baocao_bot?start={rows[3][2]}"


@pytest.mark.parametrize("name", ["ma-tham-gia.xls", "ma-tham-gia.docx", "ma-tham-gia"])
def test_unknown_suffix_is_refused_in_vietnamese_and_writes_nothing(cli, org, tmp_path, name):
    result = cli("units", "codes", "--out", str(tmp_path / name))
    assert result.exit_code == 1
    assert "không được hỗ trợ" in result.output and ".pdf" in result.output
    assert list(tmp_path.glob("ma-tham-gia*")) == [] and list(tmp_path.glob(".ma-tham-gia*")) == []
