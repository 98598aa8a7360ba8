"""Vietnamese wording for the báo cáo: numbers (1.230), rates (85,3%), dates (dd/mm/yyyy),
period phrases, and text from chats made safe to print."""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache
from typing import Iterable, Optional

from exports.periods import Period

# Characters an XML document cannot hold (tab and newlines are folded to spaces separately).
_CONTROL = {c: None for c in (*range(32), 127) if c not in (9, 10, 13)}
_SURROGATE = re.compile("[\ud800-\udfff]")  # lone surrogates cannot be written as UTF-8
_SPACES = re.compile(r"\s+")


def number(value: int) -> str:
    """1230 -> '1.230'."""
    return f"{value:,}".replace(",", ".")


def percent(rate: Optional[float]) -> str:
    """0.8534 -> '85,3%'; None (nothing was due) -> '–'."""
    if rate is None:
        return "–"
    return f"{rate * 100:.1f}".replace(".", ",").replace(",0", "") + "%"


def day(value: date) -> str:
    return f"{value:%d/%m/%Y}"


def clean(text: Optional[str], limit: int = 0) -> str:
    """Text a cadre typed, fit to print: control characters (NUL included) dropped, runs of
    whitespace and line breaks folded to one space, cut at `limit` characters with '…'.
    It is always passed to the template as data, so '{{ 7*7 }}' or '<b>' print as typed."""
    if not text:
        return ""
    text = _SURROGATE.sub("", str(text).translate(_CONTROL))
    text = _SPACES.sub(" ", text).strip()
    if limit and len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + "…"
    return text


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """The key that makes 'Thiếu  kinh phí.' and 'thieu kinh phi' the same difficulty."""
    text = text.replace("đ", "d").replace("Đ", "D")
    stripped = "".join(c for c in unicodedata.normalize("NFD", text)
                       if unicodedata.category(c) != "Mn")
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", stripped)).strip().lower()


def joined(names: Iterable[str]) -> str:
    """'A', 'A và B', 'A, B và C'."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " và " + names[-1]


def period_noun(period: Period) -> str:
    """What 'in the …' calls the period: tuần, tháng, quý, 6 tháng, năm, or kỳ (a range)."""
    if period.literal_range:
        return "kỳ"
    spec = period.spec
    if "-W" in spec:
        return "tuần"
    if "-Q" in spec:
        return "quý"
    if "-H" in spec:
        return "6 tháng"
    if "-" in spec:
        return "tháng"
    return "năm"


def period_name(period: Period) -> str:
    """The period as the subject line writes it: 'tuần 48', 'tháng 11/2026', 'quý IV/2026',
    '6 tháng đầu năm 2026', 'năm 2026'; a date range names only its dates."""
    if period.literal_range:
        return ""
    label = period.label
    if "-W" in period.spec:
        label = label.split("/")[0]
    return label[0].lower() + label[1:]


def date_span(first: date, last: date) -> str:
    """'23/11 – 29/11/2026'; the first date keeps its year when the span crosses one."""
    if first.year != last.year:
        return f"{first:%d/%m/%Y} – {last:%d/%m/%Y}"
    return f"{first:%d/%m} – {last:%d/%m/%Y}"


def calendar_span(period: Period) -> tuple[date, date]:
    """The period's dates as on a calendar: a month is 01/11 – 30/11, even though its figures
    count the whole weeks whose Thursday falls in it."""
    return period.calendar or (period.date_from, period.date_to)


def subject(period: Period) -> str:
    """'Kết quả thực hiện «30 phút hành động» tuần 48 (23/11 – 29/11/2026)',
    '… tháng 11/2026 (01/11 – 30/11/2026)'."""
    name = period_name(period)
    span = date_span(*calendar_span(period))
    if not name:
        return f"Kết quả thực hiện «30 phút hành động» từ {day(period.date_from)} đến " \
               f"{day(period.date_to)}"
    return f"Kết quả thực hiện «30 phút hành động» {name} ({span})"


def change(now: int, before: int, unit: str, noun: str) -> str:
    """'tăng 6 đơn vị so với tuần trước', 'giảm 120 người …', 'bằng tuần trước'."""
    if now == before:
        return f"bằng {noun} trước"
    word = "tăng" if now > before else "giảm"
    return f"{word} {number(abs(now - before))} {unit} so với {noun} trước"
