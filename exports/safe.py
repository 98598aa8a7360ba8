"""Cell values from user text: never a formula, never past Excel's cell limit."""
from __future__ import annotations

from typing import Optional

EXCEL_CELL_LIMIT = 32_767
CUT_MARK = " …[cắt bớt]"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL = {c: None for c in range(32) if c not in (9, 10, 13)}  # control chars openpyxl rejects


def safe_text(value: Optional[str]) -> Optional[str]:
    """User text as literal text: a leading formula character is escaped with an apostrophe
    the way spreadsheet programs do, and over-long text is cut with a visible mark."""
    if value is None:
        return None
    text = str(value).translate(_ILLEGAL)
    if text.startswith(_FORMULA_START):
        text = "'" + text
    if len(text) > EXCEL_CELL_LIMIT:
        text = text[: EXCEL_CELL_LIMIT - len(CUT_MARK)] + CUT_MARK
    return text
