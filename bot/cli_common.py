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
