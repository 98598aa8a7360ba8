"""Time helpers: storage keeps aware UTC, people see Asia/Ho_Chi_Minh."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def to_local(moment: datetime) -> datetime:
    """A stored UTC time (naive means UTC) as local wall time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(LOCAL_TZ)


def iso_week(moment_utc: datetime) -> str:
    """The reporting period (ISO week of the local date) of a UTC time, e.g. 2026-W47."""
    year, week, _ = to_local(moment_utc).isocalendar()
    return f"{year}-W{week:02d}"


def week_bounds(period: str) -> tuple[date, date]:
    """Monday and Sunday of an ISO week string."""
    year, week = period.split("-W")
    monday = date.fromisocalendar(int(year), int(week), 1)
    return monday, monday + timedelta(days=6)


def fmt_local(moment_utc: datetime, with_time: bool = True) -> str:
    local = to_local(moment_utc)
    return local.strftime("%d/%m/%Y %H:%M" if with_time else "%d/%m/%Y")
