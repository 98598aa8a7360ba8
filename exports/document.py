"""The Tổng hợp sheet as a Youth Union document (Hướng dẫn 29-HD/TWĐTN-VP): the two-column
header without borders above the table, the recipients and the signature block under it.

Left column: the issuing body (with the optional upper body above it), "***", "Số:   -BC/TĐTN".
Right column: "ĐOÀN TNCS HỒ CHÍ MINH" (bold, underlined as the guide's short rule) and, on the
line of the number, the place and date in italics. Each block is merged over the table's first
or last columns, so it stays put whatever columns the table has.
"""
from __future__ import annotations

from datetime import date
from typing import Sequence

from exports.letterhead import Letterhead
from exports.print_layout import font as sheet_font
from exports.print_layout import print_scale
from exports.sheet import Column, Heading, Line, Piece

DOCUMENT_TITLE = "BÁO CÁO KẾT QUẢ THỰC HIỆN «30 PHÚT HÀNH ĐỘNG»"
BLOCK_SHARE = 0.36  # of the table's width, for each of the two header columns
SIGNING_ROWS = 4  # blank rows left to sign in (about 2 cm)


def _fonts(columns: Sequence[Column]):
    """Fonts sized so the document parts print at the guide's sizes once the sheet is shrunk
    to the page width."""
    scale = print_scale(True, [c.width for c in columns])

    def font(size: float = 13, **kwargs):
        return sheet_font(size=round(size / scale, 1), **kwargs)
    return font


def _spans(columns: Sequence[Column]) -> tuple[tuple[int, int], tuple[int, int]]:
    """(first, last) columns of the left block and of the right block (1-based)."""
    total = sum(c.width for c in columns)
    n = len(columns)
    left_end, width = 0, 0.0
    while left_end < n and width < total * BLOCK_SHARE:
        width += columns[left_end].width
        left_end += 1
    right_start, width = n + 1, 0.0
    while right_start - 1 > left_end + 1 and width < total * BLOCK_SHARE:
        right_start -= 1
        width += columns[right_start - 1].width
    return (1, max(left_end, 1)), (min(right_start, n), n)


def letterhead_lines(letterhead: Letterhead, heading: Heading, columns: Sequence[Column],
                     today: date) -> list[Line]:
    (l1, l2), (r1, r2) = _spans(columns)
    n = len(columns)
    font = _fonts(columns)

    def left(text, f):
        return Piece(text, f, l1, l2, "center")

    def right(text, f):
        return Piece(text, f, r1, r2, "center")

    lead = letterhead.for_unit(heading.organisation)
    left_lines = [left(lead.issuer_parent, font(size=13))] if lead.issuer_parent else []
    left_lines += [left(lead.issuer, font(size=13, bold=True)), left("***", font(size=13)),
                   left(lead.number_line(), font(size=13))]
    right_lines: list = [right(lead.heading, font(size=13, bold=True, underline="single"))]
    right_lines += [None] * (len(left_lines) - 2)
    right_lines.append(right(lead.date_line(today), font(size=13, italic=True)))
    lines: list[Line] = [tuple(p for p in pair if p is not None)
                         for pair in zip(left_lines, right_lines)]
    lines += [(),
              (Piece(DOCUMENT_TITLE, font(size=14, bold=True), 1, n, "center"),),
              (Piece(f"Kỳ báo cáo: {heading.period}", font(size=13, bold=True), 1, n, "center"),),
              *([(Piece(heading.note, font(size=12, italic=True), 1, n, "center"),)]
                if heading.note else []),
              (Piece(f"Số liệu tính đến {heading.generated_at:%H:%M} ngày "
                     f"{heading.generated_at:%d/%m/%Y}", font(size=12, italic=True), 1, n,
                     "center"),),
              ()]
    return lines


def closing_lines(letterhead: Letterhead, columns: Sequence[Column]) -> list[Line]:
    """"Nơi nhận:" and its list bottom left; the signature block bottom right."""
    (l1, l2), (r1, r2) = _spans(columns)
    font = _fonts(columns)
    left = [Piece("Nơi nhận:", font(size=12, bold=True, italic=True), l1, l2)]
    left += [Piece(f"- {r}", font(size=11), l1, l2) for r in letterhead.recipients]
    right = [Piece(letterhead.signer_on_behalf, font(size=13, bold=True), r1, r2, "center"),
             Piece(letterhead.signer_title, font(size=13, bold=True), r1, r2, "center")]
    rows = max(len(left), len(right) + SIGNING_ROWS)
    right += [None] * (rows - len(right))
    left += [None] * (rows - len(left))
    # The name under the signature; left blank to write by hand when no name is set.
    right.append(Piece(letterhead.signer_name, font(size=13, bold=True), r1, r2, "center"))
    left.append(None)
    return [tuple(p for p in pair if p is not None) for pair in zip(left, right)]
