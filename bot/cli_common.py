"""What every `fieldreport` command module shares: settings, the database, failing politely.

Command modules import this module (and bot/cli_vi.py), never bot/cli.py: bot/cli.py only
assembles the main group from them.
"""
from __future__ import annotations

import sys
from typing import NoReturn, Optional

import click

from bot.bootstrap import open_database
from bot.settings import Settings, get_settings
from storage import repo


def settings() -> Settings:
    return get_settings()


def engine_from_settings():
    return open_database(settings().database_url)


def fail(message: str, code: int = 1) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(code)


def parse_who(who: str) -> tuple[str, str]:
    platform, _, user_id = who.partition(":")
    if platform not in ("telegram", "zalo", "zalo_oa") or not user_id.strip():
        fail(f"Cần dạng nền_tảng:id, ví dụ telegram:123456789 (nhận được {who!r})")
    return platform, user_id.strip()


def unit_or_fail(s, code: str):
    unit = repo.unit_by_code(s, code)
    if unit is None:
        fail(f"Không có đơn vị mã «{code}». Xem danh sách: fieldreport units list")
    return unit


def unit_id_of(s, code: Optional[str]) -> Optional[int]:
    return None if code is None else unit_or_fail(s, code).id


def period_options(func):
    """--period, --from, --to and --unit: how `export` and `report` choose what they cover."""
    options = [
        click.option("--period", "period_spec", metavar="KỲ",
                     help="Kỳ báo cáo: 2026-W47 (tuần), 2026-11 (tháng), 2026-Q4 (quý), 2026-H2 "
                          "(6 tháng) hoặc 2026 (năm)."),
        click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), metavar="NGÀY",
                     help="Ngày đầu (dạng 2026-11-01, dùng cùng --to) thay cho --period."),
        click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), metavar="NGÀY",
                     help="Ngày cuối (tính cả ngày này)."),
        click.option("--unit", "unit_code", metavar="MÃ_ĐƠN_VỊ",
                     help="Chỉ đơn vị này và cấp dưới (mặc định: toàn bộ cây tổ chức)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def period_or_fail(period_spec, date_from, date_to):
    """The Period the options name; a Vietnamese message and exit code 2 otherwise."""
    from exports.periods import PeriodError, parse_period, period_between
    try:
        if period_spec and (date_from or date_to):
            raise PeriodError("Dùng --period hoặc --from/--to, không dùng cả hai.")
        if period_spec:
            return parse_period(period_spec)
        if date_from and date_to:
            return period_between(date_from.date(), date_to.date())
        raise PeriodError("Cần --period (ví dụ 2026-W47) hoặc cả --from và --to.")
    except PeriodError as exc:
        fail(str(exc), code=2)
