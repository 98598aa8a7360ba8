"""`fieldreport web link telegram:<id>`: a one-time login link to the office console."""
from __future__ import annotations

import click

from bot.cli_common import engine_from_settings, fail, parse_who, settings
from bot.cli_vi import group


@group()
def web() -> None:
    """Trang quản lý trên web cho cán bộ Văn phòng."""


@web.command("link")
@click.argument("who", metavar="NỀN_TẢNG:ID")
def web_link(who: str) -> None:
    """In liên kết đăng nhập trang quản lý (dùng một lần, trong 10 phút) cho cán bộ Văn phòng."""
    from handlers.web_login import login_url
    from storage import repo, web as webdb
    from storage.clock import utcnow
    from storage.db import session_scope
    platform, user_id = parse_who(who)
    public_url = settings().public_url
    if not public_url:
        fail("Chưa đặt PUBLIC_URL trong .env (địa chỉ công khai của máy chủ), nên chưa tạo "
             "được liên kết.")
    with session_scope(engine_from_settings()) as s:
        allowed, _ = repo.admin_scope(s, platform, user_id, settings().admin_ids())
        if not allowed:
            fail(f"{who} không phải cán bộ Văn phòng. Thêm bằng: fieldreport admins add {who}")
        token = webdb.issue_login_token(s, platform, user_id, utcnow())
    click.echo(login_url(public_url, token))
    click.echo("Liên kết dùng được một lần, trong 10 phút.")
