"""The join sheet the office sends to its units: a printable A4 PDF of cut-out cards, or a table.

Each card holds a unit's name, its join code and, per channel (a chat platform, named by the
caller), a QR code of the link that opens the bot with one line saying what to scan and send.
QR codes come from segno; the PDF from fpdf2 with DejaVu Sans embedded (exports/fonts), so
Vietnamese diacritics print on a machine without fonts. This module knows links, not chats.
"""
from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import segno

FONTS = Path(__file__).with_name("fonts")
SUFFIXES = (".pdf", ".xlsx", ".csv")
TITLE = "MÃ THAM GIA BOT BÁO CÁO «30 PHÚT HÀNH ĐỘNG»"
HEADER = ["Mã đơn vị", "Tên đơn vị", "Mã tham gia"]

# A4 portrait, millimetres: 2 x 3 cards under a title band.
PAGE_W, PAGE_H, MARGIN, BAND = 210.0, 297.0, 10.0, 16.0
COLUMNS, ROWS = 2, 3
CARD_W = (PAGE_W - 2 * MARGIN) / COLUMNS
CARD_H = (PAGE_H - 2 * MARGIN - BAND) / ROWS
PAD = 5.0
QR_SIZE = 32.0


class JoinSheetError(ValueError):
    """The sheet cannot be written as asked; the message is for the office, in Vietnamese."""


@dataclass(frozen=True)
class Channel:
    """A way to reach the bot. `instruction` is one line; "{join_code}" is filled per card."""

    name: str
    instruction: str
    shared: bool = False  # one link for every unit: the card's join code does the joining


@dataclass(frozen=True)
class JoinCard:
    code: str
    name: str
    join_code: str
    links: tuple[str, ...]  # one per channel of the sheet; "" where that channel is not set up


@dataclass
class JoinSheet:
    channels: list[Channel]
    cards: list[JoinCard]
    warnings: list[str] = field(default_factory=list)  # e.g. why a link column is empty


def check_suffix(path: Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        shown = f"«{suffix}»" if suffix else "không có đuôi"
        raise JoinSheetError(f"Không ghi được {Path(path).name}: đuôi tệp {shown} không được hỗ "
                             "trợ. Dùng .pdf (phiếu in, mỗi đơn vị một thẻ có mã QR), .xlsx "
                             "hoặc .csv. Chưa có tệp nào được ghi.")
    return suffix


def write_join_sheet(path: Path, sheet: JoinSheet) -> None:
    """Write by suffix; the file appears whole or not at all."""
    path = Path(path)
    writer = {".pdf": _write_pdf, ".xlsx": _write_xlsx, ".csv": _write_csv}[check_suffix(path)]
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.part")
    try:
        writer(partial, sheet)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def card_box(index: int) -> tuple[int, float, float]:
    """(page number from 0, left, top) in mm of the card at `index`: tests crop cards with it."""
    page, slot = divmod(index, COLUMNS * ROWS)
    row, column = divmod(slot, COLUMNS)
    return page, MARGIN + column * CARD_W, MARGIN + BAND + row * CARD_H


def qr_code(link: str) -> segno.QRCode:
    # Level M survives a smudged printout; the quiet zone is part of the drawing.
    return segno.make(link, error="m", micro=False, boost_error=False)


def _table_rows(sheet: JoinSheet) -> tuple[list[str], list[list[str]]]:
    header = HEADER + [f"Liên kết {c.name}" for c in sheet.channels]
    return header, [[card.code, card.name, card.join_code, *card.links] for card in sheet.cards]


# --- CSV ------------------------------------------------------------------------------------

def _write_csv(path: Path, sheet: JoinSheet) -> None:
    header, rows = _table_rows(sheet)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


# --- Excel ----------------------------------------------------------------------------------

def _write_xlsx(path: Path, sheet: JoinSheet) -> None:
    from openpyxl import Workbook
    from openpyxl.drawing.image import Image
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    ws = book.active
    ws.title = "Mã tham gia"
    ws.append([TITLE])
    ws["A1"].font = Font(bold=True, size=13)
    for warning in sheet.warnings:
        ws.append([f"⚠ {warning}"])
        ws.cell(ws.max_row, 1).font = Font(bold=True, color="C00000")
    for channel in sheet.channels:
        ws.append([f"{channel.name}: " + channel.instruction.format(join_code="«mã tham gia»")])
    ws.append([])
    header, rows = _table_rows(sheet)
    qr_columns = [f"Mã QR {c.name}" for c in sheet.channels]
    ws.append(header + qr_columns)
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    first_qr_column = len(header) + 1
    for row in rows:
        ws.append(row)
        r = ws.max_row
        for cell in ws[r]:
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        if any(row[len(HEADER):]):
            ws.row_dimensions[r].height = 84  # points: fits a 104 px QR image
        for offset, link in enumerate(row[len(HEADER):]):
            if not link:
                continue
            image = Image(io.BytesIO(_qr_png(link, pixels=104)))
            image.width = image.height = 104
            ws.add_image(image, ws.cell(r, first_qr_column + offset).coordinate)
    ws.freeze_panes = f"A{header_row + 1}"
    widths = [12, 34, 14] + [44] * len(sheet.channels) + [16] * len(sheet.channels)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    book.save(path)


def _qr_png(link: str, pixels: int) -> bytes:
    code = qr_code(link)
    width = code.symbol_size(scale=1, border=4)[0]
    out = io.BytesIO()
    code.save(out, kind="png", scale=max(2, pixels // width), border=4)
    return out.getvalue()


# --- PDF ------------------------------------------------------------------------------------

def _write_pdf(path: Path, sheet: JoinSheet) -> None:
    from fpdf import FPDF

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_title("Mã tham gia bot báo cáo")
    pdf.set_creator("fieldreport")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pages = max(1, -(-len(sheet.cards) // (COLUMNS * ROWS)))
    per_page = COLUMNS * ROWS
    for page in range(pages):
        pdf.add_page()
        _page_band(pdf, page + 1, pages)
        on_page = min(per_page, len(sheet.cards) - page * per_page)
        _cut_lines(pdf, rows=max(1, -(-on_page // COLUMNS)))
    for index, card in enumerate(sheet.cards):
        page, left, top = card_box(index)
        pdf.page = page + 1
        _card(pdf, sheet.channels, card, left, top)
    pdf.page = pages
    pdf.output(str(path))


def _page_band(pdf, page: int, pages: int) -> None:
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("DejaVu", "B", 12)
    pdf.set_xy(MARGIN, MARGIN)
    pdf.cell(PAGE_W - 2 * MARGIN, 6, TITLE, align="C")
    pdf.set_font("DejaVu", "", 8)
    pdf.set_text_color(90, 90, 90)
    pdf.set_xy(MARGIN, MARGIN + 6.5)
    pdf.cell(PAGE_W - 2 * MARGIN, 4, "Cắt theo đường nét đứt; gửi mỗi đơn vị đúng thẻ của mình. "
             f"Trang {page}/{pages}", align="C")


def _cut_lines(pdf, rows: int) -> None:
    """Dashed lines around the card rows in use, a pair of scissors where each cut starts."""
    pdf.set_draw_color(150, 150, 150)
    pdf.set_line_width(0.2)
    pdf.set_dash_pattern(dash=2, gap=1.5)
    top = MARGIN + BAND
    bottom = top + rows * CARD_H
    for column in range(COLUMNS + 1):
        x = MARGIN + column * CARD_W
        pdf.line(x, top, x, bottom)
    for row in range(rows + 1):
        y = top + row * CARD_H
        pdf.line(MARGIN, y, PAGE_W - MARGIN, y)
    pdf.set_dash_pattern()
    pdf.set_font("DejaVu", "", 9)
    pdf.set_text_color(150, 150, 150)
    for row in range(rows + 1):
        pdf.set_xy(MARGIN - 4.5, top + row * CARD_H - 2)
        pdf.cell(4, 4, "✂")


def _card(pdf, channels: list[Channel], card: JoinCard, left: float, top: float) -> None:
    inner_w = CARD_W - 2 * PAD
    x, y = left + PAD, top + PAD
    pdf.set_text_color(0, 0, 0)
    y = _fitted_lines(pdf, card.name, x, y, inner_w, sizes=(12, 10, 9), max_lines=2, style="B")
    pdf.set_font("DejaVu", "", 8)
    pdf.set_text_color(90, 90, 90)
    pdf.set_xy(x, y)
    pdf.cell(inner_w, 4, f"Mã đơn vị: {card.code}", align="C")
    y += 6
    pdf.set_xy(x, y)
    pdf.cell(inner_w, 4, "MÃ THAM GIA", align="C")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("DejaVu", "B", 20)
    pdf.set_xy(x, y + 4)
    pdf.cell(inner_w, 9, card.join_code, align="C")
    y += 15
    shown = [(c, link) for c, link in zip(channels, card.links) if link]
    if not shown:
        pdf.set_font("DejaVu", "", 8)
        pdf.set_xy(x, y)
        pdf.multi_cell(inner_w, 4, "Chưa có liên kết bot: gửi mã tham gia này cho bot báo cáo "
                       "của Đoàn.", align="C")
        return
    column_w = inner_w / len(shown)
    for number, (channel, link) in enumerate(shown):
        cx = x + number * column_w
        draw_qr(pdf, link, cx + (column_w - QR_SIZE) / 2, y, QR_SIZE)
        pdf.set_font("DejaVu", "B", 9)
        pdf.set_xy(cx, y + QR_SIZE + 0.5)
        pdf.cell(column_w, 4, channel.name, align="C")
        pdf.set_font("DejaVu", "", 7.5)
        pdf.set_xy(cx + 1, y + QR_SIZE + 5)
        pdf.multi_cell(column_w - 2, 3.3, channel.instruction.format(join_code=card.join_code),
                       align="C")


def _fitted_lines(pdf, text: str, x: float, y: float, width: float, sizes, max_lines: int,
                  style: str = "") -> float:
    """Write `text` centred in at most `max_lines` lines, shrinking the font first; new y."""
    for size in sizes:
        pdf.set_font("DejaVu", style, size)
        lines = pdf.multi_cell(width, size * 0.45, text, dry_run=True, output="LINES")
        if len(lines) <= max_lines:
            break
    lines = lines[:max_lines]
    height = size * 0.45
    bottom = y + max_lines * sizes[0] * 0.45  # one-line names take the same room as two
    y += (bottom - y - len(lines) * height) / 2
    for line in lines:
        pdf.set_xy(x, y)
        pdf.cell(width, height, line, align="C")
        y += height
    return bottom + 1


def draw_qr(pdf, link: str, left: float, top: float, size: float) -> None:
    """The QR code as filled rectangles: sharp at any printer resolution, quiet zone included."""
    width, runs = _qr_runs(link)
    module = size / width
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(left, top, size, size, style="F")
    pdf.set_fill_color(0, 0, 0)
    for r, start, length in runs:
        pdf.rect(left + start * module, top + r * module, length * module, module, style="F")


@lru_cache(maxsize=16)  # the shared Zalo link is on every card: encode it once
def _qr_runs(link: str) -> tuple[int, tuple[tuple[int, int, int], ...]]:
    """Modules across (quiet zone included) and the dark runs as (row, start, length)."""
    rows = [list(row) for row in qr_code(link).matrix_iter(scale=1, border=4)]
    return len(rows), tuple((r, start, length) for r, row in enumerate(rows)
                            for start, length in _dark_runs(row))


def _dark_runs(row) -> Iterator[tuple[int, int]]:
    start = None
    for i, dark in enumerate([*row, False]):
        if dark and start is None:
            start = i
        elif not dark and start is not None:
            yield start, i - start
            start = None
