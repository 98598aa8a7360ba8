"""A streaming (write-only) sheet with the office's look: title block, bold frozen header,
autofilter, widths, print set-up, and a continuation sheet when Excel's row limit is reached.

Cells are written through one reusable template cell per column and row style, because
building a styled openpyxl cell per value is what makes large exports slow. User text is
stored as string cells, so it is never read as a formula or an error value.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional, Sequence

from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.hyperlink import Hyperlink

from openpyxl.worksheet.pagebreak import Break

from exports.print_layout import (BODY_SIZE, DEFAULT_ROW_PT, add_table_borders, chars_per_line,
                                  chart_text, column_points, font, page_body_points,
                                  row_height, set_print_layout, text_lines)
from exports.safe import safe_text

MAX_SHEET_ROWS = 1_048_576  # Excel's limit; tests lower it to see the continuation sheet
HEADER_ROW = 6  # rows 1-5 are the title block
FIRST_DATA_ROW = HEADER_ROW + 1

LINK_FONT = font(color="0563C1", underline="single")
TOP = Alignment(vertical="top")
TOP_WRAP = Alignment(wrap_text=True, vertical="top")
# Row styles (fills use Excel's built-in "Bad" / "Neutral" colours the office will recognise).
VARIANTS: dict[str, dict[str, Any]] = {
    "plain": {},
    "bold": {"font": font(bold=True)},
    "subtotal": {"font": font(bold=True), "fill": PatternFill("solid", fgColor="DDEBF7")},
    "total": {"font": font(bold=True), "fill": PatternFill("solid", fgColor="BDD7EE")},
    "missing": {"font": font(color="9C0006"), "fill": PatternFill("solid", fgColor="FFC7CE")},
    "partial": {"font": font(color="9C5700"), "fill": PatternFill("solid", fgColor="FFEB9C")},
    "group": {"font": font(bold=True, color="1F4E78"),
              "fill": PatternFill("solid", fgColor="E2EFDA")},
}
# Rates inside subtotal and total rows of a column that otherwise holds counts.
VARIANTS["subtotal_pct"] = {**VARIANTS["subtotal"], "number_format": "0%"}
VARIANTS["total_pct"] = {**VARIANTS["total"], "number_format": "0%"}
# Light enough to print on an office's black-and-white printer.
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
HEADER_FONT = font(bold=True)


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
    __slots__ = ("_style_id",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style_id = None

    def __repr__(self) -> str:
        return "<TemplateCell>"

    @property
    def style_id(self) -> int:
        # A template's style is set before its first row is written and never changes, so the
        # book's style index is looked up once, not once per cell (openpyxl hashes it each time).
        if self._style_id is None:
            self._style_id = Cell.style_id.fget(self)
        return self._style_id


def _values_to_row(ws):
    """A faster stand-in for WriteOnlyWorksheet._values_to_row, for sheets written by `Sheet`.

    openpyxl offers every value to a cell first and takes a handed-in cell only when that
    fails, which costs an exception per styled cell; and it re-checks every string. Here a
    cell is taken as it is, and a string, already made safe by `Sheet.append`
    (exports.safe.safe_text), is stored as a string cell directly. Other values are bound the
    usual way."""
    def convert(values, row_idx):
        cell = WriteOnlyCell(ws)
        for col_idx, value in enumerate(values, 1):
            if value is None:
                continue
            if isinstance(value, Cell):
                value.column, value.row = col_idx, row_idx
                if value.hyperlink is not None:
                    value.hyperlink.ref = value.coordinate
                yield value
                continue
            if type(value) is str:
                cell._value, cell.data_type = value, "s"
            else:
                cell.value = value
            cell.column, cell.row = col_idx, row_idx
            yield cell
    return convert


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
    """Points for a wrapped header row: write-only rows are not fitted by every reader.
    Header words are bold, and few enough to wrap word by word."""
    def lines(col: Column) -> int:
        per_line = chars_per_line(col.width) / 1.1  # bold
        count = 0
        for part in col.header.split("\n"):
            count, used = count + 1, 0
            for word in part.split():
                if used and used + 1 + len(word) > per_line:
                    count, used = count + 1, 0
                used += (1 if used else 0) + len(word)
        return count
    return row_height(max(lines(c) for c in columns))


@dataclass(frozen=True)
class Piece:
    """Text over columns first..last (1-based, merged when more than one) of a document row."""
    text: str
    font: Any
    first: int = 1
    last: int = 1
    horizontal: str = "left"


Line = tuple  # of Pieces; an empty tuple is a blank row


def needs_guard(text: str) -> bool:
    """Strings openpyxl would otherwise store as a formula or an error value."""
    return (len(text) > 1 and text[0] == "=") or text in ERROR_CODES


class Sheet:
    def __init__(self, book: Workbook, title: str, sheet_title: str, columns: Sequence[Column],
                 heading: Heading, freeze_col: int = 1, landscape: bool = True,
                 index: Optional[int] = None, top: Optional[Sequence[Line]] = None,
                 note: str = "", align_wrapped_rows: bool = True):
        """`index`: where the sheet goes among those already created (None: last).
        `top`: the lines above the table on the first part (default: the annex title block).
        `note`: one line added under the annex title block (e.g. where the photos are).
        `align_wrapped_rows`: put every cell of a row with wrapped text at the top; False keeps
        the short cells of such rows unstyled (at the bottom), for sheets of 100,000 rows."""
        self.book, self.base, self.sheet_title = book, title, sheet_title
        self.columns, self.heading = list(columns), heading
        self.freeze_col, self.landscape = freeze_col, landscape
        self.top, self.note, self.align_wrapped_rows = top, note, align_wrapped_rows
        self.widths = [c.width for c in self.columns]
        # Only text can need more than one line; numbers and dates are never checked.
        self._text_columns = [i for i, c in enumerate(self.columns)
                              if c.kind in ("text", "wrap", "tree", "link", "center")]
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
        ws._values_to_row = _values_to_row(ws)
        self.ws, self.row, self._templates, self._height_attrs = ws, 0, {}, {}
        self.used_pt = 0.0  # height of the rows written so far, for the page-break estimate
        lines = self.top if self.top is not None and self.part == 1 else self._annex_heading()
        self.header_row = len(lines) + 1
        self.first_data_row = self.header_row + 1
        for i, col in enumerate(self.columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = col.width
        ws.freeze_panes = f"{get_column_letter(self.freeze_col)}{self.first_data_row}"
        set_print_layout(ws, self.landscape)
        ws.print_title_rows = f"{self.header_row}:{self.header_row}"
        self.write_lines(lines)
        self._write_header()

    def _annex_heading(self) -> list[Line]:
        h = self.heading
        suffix = f" (tiếp theo, phần {self.part})" if self.part > 1 else ""
        stamp = f"Lập lúc: {h.generated_at:%d/%m/%Y %H:%M}"
        texts = [("ĐOÀN TNCS HỒ CHÍ MINH", font(bold=True)),
                 (h.organisation.upper(), font(bold=True)),
                 (self.sheet_title + suffix, font(bold=True, size=14)),
                 (f"Kỳ báo cáo: {h.period}" + (f". {h.note}" if h.note else ""),
                  font(italic=True)),
                 (f"{stamp}. {self.note}" if self.note else stamp,
                  font(italic=True, color="595959"))]
        return [(Piece(text, f),) for text, f in texts]

    def write_lines(self, lines: Sequence[Line]) -> None:
        """Document rows outside the table: pieces of text, merged over their columns."""
        ws = self.ws
        for line in lines:
            self.row += 1
            cells: list[Any] = []
            height = DEFAULT_ROW_PT
            for piece in line:
                while len(cells) < piece.first - 1:
                    cells.append(None)
                cell = WriteOnlyCell(ws, safe_text(piece.text))
                cell.data_type, cell.font = "s", piece.font
                cell.alignment = Alignment(horizontal=piece.horizontal, vertical="center")
                cells.append(cell)
                cells.extend([None] * (piece.last - piece.first))
                if piece.last > piece.first:
                    ws.merged_cells.add(f"{get_column_letter(piece.first)}{self.row}:"
                                        f"{get_column_letter(piece.last)}{self.row}")
                size = piece.font.sz or BODY_SIZE
                if size > BODY_SIZE:
                    height = max(height, round(size * 1.5))
            if height != DEFAULT_ROW_PT:
                ws.row_dimensions[self.row].height = height
            self.used_pt += height
            ws.append(cells)

    def _write_header(self) -> None:
        ws = self.ws
        height = header_height(self.columns)
        ws.row_dimensions[self.header_row].height = height
        header = []
        for col in self.columns:
            cell = WriteOnlyCell(ws, col.header)
            cell.data_type, cell.font, cell.fill = "s", HEADER_FONT, HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
            header.append(cell)
        ws.append(header)
        self.row = self.header_row
        self.used_pt += height
        self.header_pt = height

    def _finish_part(self) -> None:
        last = get_column_letter(len(self.columns))
        table_end = max(self.row, self.first_data_row)
        self.ws.auto_filter.ref = f"A{self.header_row}:{last}{table_end}"
        add_table_borders(self.ws, f"A{self.header_row}:{last}{table_end}")

    def close(self, closing: Sequence[Line] = ()) -> None:
        """Finish the sheet; `closing` lines (recipients, signature) go under the table, on
        one page: when they would not fit on the current one, a page break goes before the
        table's last two rows."""
        self._finish_part()
        if closing:
            self.blank_line()
            block_pt = sum(max([DEFAULT_ROW_PT] + [round((p.font.sz or BODY_SIZE) * 1.5)
                                                   for p in line]) for line in closing)
            if not self._fits_on_page(block_pt):
                # The last table rows go over with it: a signature never stands alone.
                self.ws.row_breaks.append(Break(id=max(self.row - 3, self.header_row)))
            self.write_lines(closing)

    def blank_line(self) -> None:
        self.write_lines([()])

    def _fits_on_page(self, block_pt: float) -> bool:
        page = page_body_points(self.landscape, self.widths)
        safety = 2 * DEFAULT_ROW_PT  # readers round row heights and scale a little differently
        if self.used_pt + block_pt <= page - safety:
            return True
        later = page - self.header_pt  # later pages repeat the header row
        position = (self.used_pt - page) % later if self.used_pt > page else self.used_pt
        return position + block_pt <= later - safety and self.used_pt > page

    def add_chart_block(self, chart) -> None:
        """Put `chart` under the table, starting a new page so no page break splits it and it
        covers no cell; it is kept within the table's printed width."""
        table_cm = sum(column_points(w) for w in self.widths) / 72 * 2.54
        chart.width = min(chart.width, table_cm - 1)
        chart.txPr = chart_text()
        self.ws.row_breaks.append(Break(id=self.row))
        self.ws.add_chart(chart, f"B{self.row + 2}")

    # --- rows ----------------------------------------------------------------------------------

    def _template(self, index: int, variant: str, indent: int, wrap: bool = False
                  ) -> TemplateCell:
        key = (index, variant, indent, wrap)
        cell = self._templates.get(key)
        if cell is None:
            cell = TemplateCell(self.ws, row=1, column=1)
            kind = self.columns[index].kind
            cell.alignment = TOP_WRAP if wrap or kind == "wrap" else TOP
            if kind == "tree":
                cell.alignment = Alignment(indent=indent, vertical="top", wrap_text=True)
            elif kind == "center":
                cell.alignment = Alignment(horizontal="center", vertical="top", wrap_text=wrap)
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

    def _lines(self, values: Sequence[Any], indent: int) -> tuple[int, set[int]]:
        """Lines the row needs, and the text columns whose value must wrap to show in full."""
        most, wrapped = 1, set()
        columns = self.columns
        for i in self._text_columns:
            if i >= len(values):
                break
            value = values[i]
            if type(value) is Marked:
                value = value.value
            if type(value) is Link:
                value = value.text
            if type(value) is not str:
                continue
            col = columns[i]
            if len(value) <= col.width - 2 and "\n" not in value:  # the common case, cheaply
                continue
            lines = text_lines(value, col.width, indent if col.kind == "tree" else 0)
            if lines > 1:
                wrapped.add(i)
                most = max(most, lines)
        return most, wrapped

    def append(self, values: Sequence[Any], variant: str = "plain", indent: int = 0,
               height: Optional[float] = None) -> tuple[str, int]:
        """Write one row; returns (sheet title, row number) where it landed. Rows whose text
        wraps get the height it needs (at least `height`)."""
        if self.row >= MAX_SHEET_ROWS:
            self._open_part()
        self.row += 1
        lines, wrapped = self._lines(values, indent)
        if lines > 1:
            height = max(height or 0, row_height(lines))
        if height is not None:
            self._set_height(height)
        self.used_pt += height or DEFAULT_ROW_PT
        out: list[Any] = []
        # A row that wraps has all its cells at the top (the fast path's cells sit at the
        # bottom), so only rows of one line take it.
        plain_row = variant == "plain" and not (wrapped and self.align_wrapped_rows)
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
                    and type(value) is not Link and i not in wrapped):
                if type(value) is str:
                    value = safe_text(value)
                    if needs_guard(value):
                        value = self._literal(value)
                out.append(value)
                continue
            cell = self._template(i, cell_variant, indent, i in wrapped)
            if type(value) is Link:
                cell.hyperlink = Hyperlink(ref="", target=value.target, location=value.location)
                value = value.text
            elif cell.hyperlink is not None:
                cell.hyperlink = None
            if type(value) is str:  # safe_text did what openpyxl's string checks would
                cell._value, cell.data_type = safe_text(value), "s"
            else:
                cell.value = value
            out.append(cell)
        self.ws.append(out)
        return part_title(self.base, self.part), self.row

    def _set_height(self, height: float) -> None:
        """The current row's height. openpyxl's writer only reads the row's attributes from
        row_dimensions, so a shared plain dict per height stands in for a RowDimension: building
        one per row of a 100,000-row sheet costs more than the rest of the row."""
        attrs = self._height_attrs.get(height)
        if attrs is None:
            attrs = self._height_attrs[height] = {"ht": f"{height:g}", "customHeight": "1"}
        dict.__setitem__(self.ws.row_dimensions, self.row, attrs)

    def _literal(self, text: str) -> WriteOnlyCell:
        # A fresh cell: openpyxl reuses an unstyled cell it is handed for the next raw value.
        cell = WriteOnlyCell(self.ws, text)
        cell.data_type = "s"
        return cell

    def blank(self) -> None:
        self.append([])
