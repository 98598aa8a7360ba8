"""Matching what people type: accents and case ignored, numbers in digits."""
from __future__ import annotations

import re
import unicodedata


def fold(text: str) -> str:
    """Lower case without Vietnamese diacritics: 'Báo Cáo' -> 'bao cao'."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return re.sub(r"\s+", " ", stripped).strip().lower()


_NUMBER = re.compile(r"^(?:khoang|~)?\s*(\d{1,3}(?:[.,]\d{3})+|\d{1,7})\s*(?:nguoi|dv|doan vien|ng)?\.?$")


def parse_count(text: str) -> int | None:
    """A head count written in digits ('25', '25 người', '1.200'); None if it is not one."""
    match = _NUMBER.match(fold(text))
    if not match:
        return None
    return int(re.sub(r"[.,]", "", match.group(1)))


_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@(\w+))?(?:\s+(.*))?$", re.S)


def parse_command(text: str, bot_username: str = "") -> tuple[str, str] | None:
    """('baocao', args) for '/baocao args' or '/baocao@this_bot args'; None for other text.

    A command addressed to another bot ('/start@other_bot') is not ours: None.
    """
    match = _COMMAND.match(text.strip())
    if not match:
        return None
    name, target, args = match.groups()
    if target and bot_username and target.lower() != bot_username.lstrip("@").lower():
        return None
    return name.lower(), (args or "").strip()
