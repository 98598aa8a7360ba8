"""Cell text from user input: always literal text, never past Excel's cell limit.

openpyxl turns a string that starts with "=" into a formula and "#N/A" and friends into error
cells. Prefixing an apostrophe would show the apostrophe, so callers instead store the text as a
string cell (`data_type = "s"`): Excel and LibreOffice then display exactly what the user typed,
including a leading =, +, - or @ (verified by converting with LibreOffice, see tests).
"""
from __future__ import annotations

from typing import Optional

EXCEL_CELL_LIMIT = 32_767
CUT_MARK = " …[cắt bớt]"
# Control characters the XML of a workbook cannot carry (tab, newline, return are fine).
_ILLEGAL = {c: None for c in range(32) if c not in (9, 10, 13)}


def safe_text(value: Optional[str]) -> Optional[str]:
    """Text fit for a cell: illegal control characters dropped, over-long text cut with a
    visible mark. Store it with `data_type = "s"` (exports.sheet does) so it stays text."""
    if value is None:
        return None
    text = str(value)
    if not text.isprintable():
        text = text.translate(_ILLEGAL)
    if len(text) > EXCEL_CELL_LIMIT:
        text = text[: EXCEL_CELL_LIMIT - len(CUT_MARK)] + CUT_MARK
    return text
