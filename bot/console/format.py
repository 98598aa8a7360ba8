"""How the console writes dates and numbers: dd/mm/yyyy and 1.230, Vietnam time."""
from __future__ import annotations

from datetime import date, datetime

from storage.clock import to_local


def vn_date(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return to_local(value).strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def vn_datetime(value) -> str:
    return to_local(value).strftime("%d/%m/%Y %H:%M") if value else ""


def vn_number(value) -> str:
    if value is None:
        return ""
    return f"{int(value):,}".replace(",", ".")


def vn_percent(part: int, whole: int) -> str:
    if not whole:
        return "–"
    return f"{100 * part / whole:.0f}%"


FILTERS = {"ngay": vn_date, "ngaygio": vn_datetime, "so": vn_number}
