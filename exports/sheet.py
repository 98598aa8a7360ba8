"""A streaming (write-only) sheet with the office's look: title block, bold frozen header,
autofilter, widths, print set-up, and a continuation sheet when Excel's row limit is reached.

Cells are written through one reusable template cell per column and row style, because
building a styled openpyxl cell per value is what makes large exports slow. User text is
stored as string cells, so it is never read as a formula or an error value.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional, Sequence

from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from exports.safe import safe_text

MAX_SHEET_ROWS = 1_048_576  # Excel's limit; tests lower it to see the continuation sheet
HEADER_ROW = 6  # rows 1-5 are the title block
FIRST_DATA_ROW = HEADER_ROW + 1

LINK_FONT = Font(color="0563C1", underline="single")
TOP_WRAP = Alignment(wrap_text=True, vertical="top")
# Row styles (fills use Excel's built-in "Bad" / "Neutral" colours the office will recognise).
VARIANTS: dict[str, dict[str, Any]] = {
    "plain": {},
    "bold": {"font": Font(bold=True)},
    "subtotal": {"font": Font(bold=True), "fill": PatternFill("solid", fgColor="DDEBF7")},
    "total": {"font": Font(bold=True), "fill": PatternFill("solid", fgColor="BDD7EE")},
    "missing": {"font": Font(color="9C0006"), "fill": PatternFill("solid", fgColor="FFC7CE")},
    "partial": {"font": Font(color="9C5700"), "fill": PatternFill("solid", fgColor="FFEB9C")},
    "group": {"font": Font(bold=True, color="1F4E78"),
              "fill": PatternFill("solid", fgColor="E2EFDA")},
}
# Rates inside subtotal and total rows of a column that otherwise holds counts.
VARIANTS["subtotal_pct"] = {**VARIANTS["subtotal"], "number_format": "0%"}
VARIANTS["total_pct"] = {**VARIANTS["total"], "number_format": "0%"}
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(bold=True, color="FFFFFF")


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    # text (no style, fastest) | wrap | int | datetime | date | percent | link | center
    # | tree (unit names indented by level)
    kind: str = "text"


@dataclass(frozen=True)
class Heading:
    """The title block every sheet starts with."""
    organisation: str
    period: str
    generated_at: datetime  # local wall time
    note: Optional[str] = None  # how weeks were counted into the period, one line


@dataclass(frozen=True)
class Link:
    """A cell that opens a file or web address (`target`) or a place in the book (`location`)."""
    text: Any  # what the cell shows: words or a number
    target: Optional[str] = None
    location: Optional[str] = None


class TemplateCell(Cell):
    """A styled cell reused for every row of a column.

    openpyxl first tries to store a handed-in cell as a value and formats the refusal with the
    cell's repr; a constant repr keeps that detour cheap on a hundred thousand rows.
    """
    __slots__ = ()

    def __repr__(self) -> str:
        return "<TemplateCell>"


class Marked:
    """A value shown in a row style of its own (a missing week inside an otherwise plain row)."""
    __slots__ = ("value", "variant")

    def __init__(self, value: Any, variant: str):
        self.value, self.variant = value, variant


def part_title(base: str, part: int) -> str:
    return base if part == 1 else f"{base} ({part})"


def locate(base: str, index: int) -> tuple[str, int]:
    """(sheet title, row) of the index-th data row (0-based) of a sheet written one row per item."""
    capacity = MAX_SHEET_ROWS - HEADER_ROW
    return part_title(base, index // capacity + 1), FIRST_DATA_ROW + index % capacity


def header_height(columns: Sequence[Column]) -> float:
    """Points for a wrapped header row: write-only rows are not fitted by every reader."""
    def lines(col: Column) -> int:
        per_line = max(col.width - 1, 1)
        parts = col.header.split("\n")
        return sum(math.ceil(max(len(part), 1) * 1.15 / per_line) for part in parts)
    return 15 * max(lines(c) for c in columns) + 3


def needs_guard(text: str) -> bool:
    """Strings openpyxl would otherwise store as a formula or an error value."""
    return (len(text) > 1 and text[0] == "=") or text in ERROR_CODES


class Sheet:
    def __init__(self, book: Workbook, title: str, sheet_title: str, columns: Sequence[Column],
                 heading: Heading, freeze_col: int = 1, landscape: bool = True,
                 index: Optional[int] = None):
        """`index`: where the sheet goes among those already created (None: last)."""
        self.book, self.base, self.sheet_title = book, title, sheet_title
        self.columns, self.heading = list(columns), heading
        self.freeze_col, self.landscape = freeze_col, landscape
        self.part = 0
        self.ws = None
        self._open_part(index)

    # --- parts -------------------------------------------------------------------------------

    def _open_part(self, index: Optional[int] = None) -> None:
        if self.ws is not None:
            self._finish_part()
            index = self.book.worksheets.index(self.ws) + 1
        self.part += 1
        ws = self.book.create_sheet(part_title(self.base, self.part), index=index)
        self.ws, self.row, self._templates = ws, 0, {}
        for i, col in enumerate(self.columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = col.width
        ws.freeze_panes = f"{get_column_letter(self.freeze_col)}{FIRST_DATA_ROW}"
        ws.page_setup.orientation = "landscape" if self.landscape else "portrait"
        ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.print_options.gridLines = True  # printed grid without a border style per cell
        ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        self._write_heading()

    def _write_heading(self) -> None:
        h, ws = self.heading, self.ws
        suffix = f" (tiếp theo, phần {self.part})" if self.part > 1 else ""
        lines = [("ĐOÀN TNCS HỒ CHÍ MINH", Font(bold=True)),
                 (h.organisation.upper(), Font(bold=True)),
                 (self.sheet_title + suffix, Font(bold=True, size=14, color="1F4E78")),
                 (f"Kỳ báo cáo: {h.period}" + (f". {h.note}" if h.note else ""),
                  Font(italic=True)),
                 (f"Lập lúc: {h.generated_at:%d/%m/%Y %H:%M}", Font(italic=True, color="595959"))]
        ws.row_dimensions[3].height = 21  # the larger title line
        ws.row_dimensions[HEADER_ROW].height = header_height(self.columns)
        for text, font in lines:
            cell = WriteOnlyCell(ws, safe_text(text))
            cell.data_type, cell.font = "s", font
            ws.append([cell])
        header = []
        for col in self.columns:
            cell = WriteOnlyCell(ws, col.header)
            cell.data_type, cell.font, cell.fill = "s", HEADER_FONT, HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
            header.append(cell)
        ws.append(header)
        self.row = HEADER_ROW

    def _finish_part(self) -> None:
        last = get_column_letter(len(self.columns))
        self.ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{max(self.row, FIRST_DATA_ROW)}"

    def close(self) -> None:
        self._finish_part()

    # --- rows ----------------------------------------------------------------------------------

    def _template(self, index: int, variant: str, indent: int) -> TemplateCell:
        key = (index, variant, indent)
        cell = self._templates.get(key)
        if cell is None:
            cell = TemplateCell(self.ws, row=1, column=1)
            kind = self.columns[index].kind
            if kind == "wrap":
                cell.alignment = TOP_WRAP
            elif kind == "tree":
                cell.alignment = Alignment(indent=indent, vertical="top")
            elif kind == "center":
                cell.alignment = Alignment(horizontal="center", vertical="top")
            elif kind == "datetime":
                cell.number_format = "dd/mm/yyyy hh:mm"
            elif kind == "date":
                cell.number_format = "dd/mm/yyyy"
            elif kind == "percent":
                cell.number_format = "0.0%"
            elif kind == "int":
                cell.number_format = "#,##0"
            for attr, value in VARIANTS[variant].items():
                setattr(cell, attr, value)
            if kind == "link":
                cell.font = LINK_FONT
            self._templates[key] = cell
        return cell

    def append(self, values: Sequence[Any], variant: str = "plain", indent: int = 0,
               height: Optional[float] = None) -> tuple[str, int]:
        """Write one row; returns (sheet title, row number) where it landed."""
        if self.row >= MAX_SHEET_ROWS:
            self._open_part()
        self.row += 1
        if height is not None:
            self.ws.row_dimensions[self.row].height = height
        out: list[Any] = []
        plain_row = variant == "plain"
        for i, value in enumerate(values):
            if value is None:
                out.append(None)
                continue
            cell_variant = variant
            if type(value) is Marked:
                value, cell_variant = value.value, value.variant
            kind = self.columns[i].kind
            # Fast path: values openpyxl stores as they are, in a column without a style.
            if (plain_row and cell_variant == "plain" and kind in ("text", "link")
                    and type(value) is not Link):
                if type(value) is str:
                    value = safe_text(value)
                    if needs_guard(value):
                        value = self._literal(value)
                out.append(value)
                continue
            cell = self._template(i, cell_variant, indent)
            if type(value) is Link:
                cell.hyperlink = Hyperlink(ref="", target=value.target, location=value.location)
                value = value.text
            elif cell.hyperlink is not None:
                cell.hyperlink = None
            if type(value) is str:
                cell.value = safe_text(value)
                cell.data_type = "s"
            else:
                cell.value = value
            out.append(cell)
        self.ws.append(out)
        return part_title(self.base, self.part), self.row

    def _literal(self, text: str) -> WriteOnlyCell:
        # A fresh cell: openpyxl reuses an unstyled cell it is handed for the next raw value.
        cell = WriteOnlyCell(self.ws, text)
        cell.data_type = "s"
        return cell

    def blank(self) -> None:
        self.append([])
