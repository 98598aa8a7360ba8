"""How every sheet prints: A4 with the Union guide's margins (Hướng dẫn 29-HD/TWĐTN-VP: top and
bottom 20 mm, left 30 mm, right 20 mm), Times New Roman, no gridlines but bordered tables,
"Trang 1/5" in the footer, and the row heights wrapped text needs.

openpyxl does not autofit rows, and Excel and LibreOffice only fit rows they load without a
height; write-only rows get their height here, estimated from column width and text length.
"""
from __future__ import annotations

import math
from copy import copy

from openpyxl.chart.text import RichText
from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties
from openpyxl.drawing.text import Font as DrawingFont
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Border, Font, Side
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.dimensions import SheetFormatProperties
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

FONT = "Times New Roman"
BODY_SIZE = 11
LINE_PT = 14.0  # one line of 11 pt Times New Roman, with the leading both programs add
PAD_PT = 3.0
# A receipt code on one line: "BC-WWWWWW", the widest, is 81 pt in 11 pt Times New Roman
# (LibreOffice wraps it at width 15; 16 keeps it whole).
RECEIPT_WIDTH = 16
DEFAULT_ROW_PT = 15.0
WORD_CHARS = 5  # room left at a line's end by a word that went to the next line
MM = 1 / 25.4  # page margins are given in inches
MARGINS = dict(top=20 * MM, bottom=20 * MM, left=30 * MM, right=20 * MM,
               header=8 * MM, footer=8 * MM)
A4_MM = (210, 297)
THIN = Side(style="thin", color="808080")
TABLE_BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def font(**kwargs) -> Font:
    """A Times New Roman font (a Font without a name is shown in the reader's default)."""
    return Font(name=FONT, **{"size": BODY_SIZE, **kwargs})


def use_document_font(book) -> None:
    """Make Times New Roman the workbook's default font, so the many cells written without a
    style (the fast path of big exports) print in it too. openpyxl has no public setting for
    the default font: it is the first font of the book and the Normal style's font."""
    base = font()
    book._fonts = IndexedList([base])
    normal = next(s for s in book._named_styles if s.name == "Normal")
    normal.font = copy(base)


def set_print_layout(ws, landscape: bool) -> None:
    """A4, the guide's margins, one page wide, page numbers in the footer, no printed grid.
    Must run before the first row is written (the row format goes at the top of the sheet)."""
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins = PageMargins(**MARGINS)
    ws.print_options.gridLines = False
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "Trang &P/&N"
    ws.oddFooter.center.font = f"{FONT},Regular"
    ws.oddFooter.center.size = 10
    # Rows without a height of their own are exactly this tall in every reader, which is what
    # the page-break estimate below counts on.
    ws.sheet_format = SheetFormatProperties(defaultRowHeight=DEFAULT_ROW_PT, customHeight=True)


def add_table_borders(ws, ref: str) -> None:
    """Thin borders on every cell of the table, as one conditional format: a border style per
    cell would take the big exports off their fast path."""
    ws.conditional_formatting.add(ref, FormulaRule(formula=["TRUE"], border=TABLE_BORDER))


def chars_per_line(width: float, indent: int = 0) -> float:
    """Characters of ordinary Vietnamese text that fit on one line of a column `width` wide
    (Excel width units: digits of the default font). Kept on the safe side: a row one line too
    tall looks fine, a row one line too short hides text."""
    return max(width - 1.5 - 2 * indent, 1) * 1.2


def text_lines(text: str, width: float, indent: int = 0) -> int:
    """Lines `text` wraps to in a column `width` wide. Wrapping word by word loses on average
    half a word at each line end; counting a line as `per_line - WORD` characters allows for
    that without walking the words (this runs for every long cell of a 100,000-row export)."""
    per_line = chars_per_line(width, indent)
    if len(text) <= per_line and "\n" not in text:
        return 1
    usable = max(per_line - WORD_CHARS, per_line / 2)
    return sum(max(1, math.ceil(len(p) / usable)) for p in text.split("\n"))


def row_height(lines: int) -> float:
    return LINE_PT * lines + PAD_PT


def column_points(width: float) -> float:
    """Printed width of a column, as Excel converts width units (7-pixel digits) to points."""
    return math.trunc(width * 7 + 5) * 0.75


def _usable(landscape: bool) -> tuple[float, float]:
    short, long = (d / 25.4 * 72 for d in A4_MM)
    page_w, page_h = (long, short) if landscape else (short, long)
    return (page_w - (MARGINS["left"] + MARGINS["right"]) * 72,
            page_h - (MARGINS["top"] + MARGINS["bottom"]) * 72)


def print_scale(landscape: bool, widths) -> float:
    """How much the readers shrink a sheet to fit it one page wide."""
    return min(1.0, _usable(landscape)[0] / sum(column_points(w) for w in widths))


def page_body_points(landscape: bool, widths) -> float:
    """Height of the printable area, in sheet points, once the sheet is scaled to one page
    wide."""
    return _usable(landscape)[1] / print_scale(landscape, widths)


def chart_text() -> RichText:
    """Chart text (title, axes) in the document's font; readers fall back to a sans font."""
    props = CharacterProperties(latin=DrawingFont(typeface=FONT), sz=1000)
    return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=props), endParaRPr=props)])
