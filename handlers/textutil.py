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


# A head count as people type it: "25", "25 người", "khoảng 30 bạn", "~30", "30 đv", "1.200".
_ABOUT = r"(?:khoang chung|khoang|chung|tam|gan|hon|tren|~|≈)"
_PEOPLE = (r"(?:nguoi|ng|ban|dv|doan vien|doan vien thanh nien|thanh nien|tn|hoi vien|"
           r"hoc sinh|sinh vien|em|chau)")
_NUMBER = re.compile(rf"^(?:{_ABOUT}\s*)?(\d{{1,3}}(?:[.,]\d{{3}})+|\d{{1,7}})\s*(?:{_PEOPLE})?\.?$")
# At an optional step these mean "none".
NONE_WORDS = frozenset({"khong", "ko", "k", "khong co", "khong co gi", "kg", "kh", "khong a"})


def parse_count(text: str) -> int | None:
    """A head count written in digits ('25', '20 bạn', 'khoảng 30 bạn', '1.200'); None if it
    is not one."""
    match = _NUMBER.match(fold(text))
    if not match:
        return None
    return int(re.sub(r"[.,]", "", match.group(1)))


def means_none(text: str) -> bool:
    """'không', 'khong', 'ko', 'k', 'không có' ...: the cadre has nothing to give here."""
    return match_key(text).rstrip(" .!") in NONE_WORDS


def match_key(text: str) -> str:
    """What a typed answer and a label are compared by: folded, symbols and emoji as spaces."""
    return re.sub(r"[^0-9a-z]+", " ", fold(text)).strip()


def label_keys(label: str) -> tuple[str, ...]:
    """The forms a label may be typed in: whole, and for "NV3 Nông thôn mới" the code alone
    ("nv3") and the name alone ("nong thon moi")."""
    whole = match_key(label)
    words = whole.split(" ")
    if len(words) > 1 and any(c.isdigit() for c in words[0]) and any(c.isalpha() for c in words[0]):
        return (whole, words[0], " ".join(words[1:]))
    return (whole,)


_MENU_NUMBER = re.compile(r"^(?:so\s*)?(\d{1,3})\s*[.)]?$")


def match_choice(typed: str, labels: list[str], numbered: bool, prefix: bool = True
                 ) -> int | None:
    """Index of the label a typed answer picks, or None (no match, or an ambiguous prefix).

    In a numbered menu the number picks; then an exact form (whole label, code or name,
    accents and case ignored); then, in a menu and when `prefix`, the start of a word that
    only one label has ("nong thon", "khom 1").
    """
    key = match_key(typed)
    if not key:
        return None
    number = _MENU_NUMBER.match(key)
    if numbered and number and 1 <= int(number.group(1)) <= len(labels):
        return int(number.group(1)) - 1
    forms = [label_keys(label) for label in labels]
    exact = [i for i, keys in enumerate(forms) if key in keys]
    if len(exact) == 1:
        return exact[0]
    if exact or not numbered or not prefix or number:
        return None
    starts = [i for i, keys in enumerate(forms) if any(k.startswith(key) for k in keys)]
    if not starts:
        starts = [i for i, keys in enumerate(forms) if any(f" {key}" in f" {k}" for k in keys)]
    return starts[0] if len(starts) == 1 else None


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
