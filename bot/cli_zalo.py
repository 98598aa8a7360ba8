"""`fieldreport zalo ...`: check the Zalo set-up and restart the Official Account token chain."""
from __future__ import annotations

import asyncio

import click

from bot.cli_common import engine_from_settings, fail, settings
from bot.cli_vi import group

from storage.clock import fmt_local


@group()
def zalo() -> None:
    """Zalo: bot (Bot API) và Official Account."""


@zalo.command("info")
def zalo_info() -> None:
    """Kiểm tra token bot Zalo (getMe), webhook và chuỗi token của Official Account."""
    from bot.zalo.client import ZaloClient, ZaloError
    from storage import zalo as tokens_db
    from storage.db import session_scope
    s = settings()
    if s.zalo_bot_token:
        async def ask() -> tuple[dict, dict]:
            async with ZaloClient(s.zalo_bot_token.get_secret_value(), s.zalo_api_url,
                                  attempts=2) as client:
                return await client.get_me(), await client.get_webhook_info()
        try:
            me, hook = asyncio.run(ask())
        except ZaloError as exc:
            fail(f"Zalo không nhận token bot (ZALO_BOT_TOKEN): lỗi {exc.code} {exc.description}")
        click.echo(f"Bot Zalo: {me.get('account_name', '')} (id {me.get('id', '')})")
        url = (hook or {}).get("url") or ""
        click.echo(f"Webhook: {url}" if url else "Webhook: chưa đặt (bot nhận tin bằng getUpdates)")
    else:
        click.echo("Chưa đặt ZALO_BOT_TOKEN: bot Zalo không chạy.")
    if not s.zalo_oa_app_id:
        click.echo("Chưa đặt ZALO_OA_APP_ID: Official Account không chạy.")
        return
    with session_scope(engine_from_settings()) as db:
        pair = tokens_db.active(db, s.zalo_oa_app_id)
    if pair is None:
        click.echo("Official Account: chưa có refresh token trong cơ sở dữ liệu "
                   "(đặt ZALO_OA_REFRESH_TOKEN hoặc dùng lệnh fieldreport zalo oa-token).")
    else:
        click.echo(f"Official Account: access token hết hạn lúc {fmt_local(pair.expires_at)}"
                   f"{', đã dùng được' if pair.proven else ''}.")


@zalo.command("oa-token")
@click.argument("refresh_token", metavar="REFRESH_TOKEN")
def zalo_oa_token(refresh_token: str) -> None:
    """Bắt đầu lại chuỗi token của Official Account từ REFRESH_TOKEN của lần cấp quyền mới."""
    from storage import zalo as tokens_db
    from storage.db import session_scope
    app_id = settings().zalo_oa_app_id
    if not app_id:
        fail("Cần đặt ZALO_OA_APP_ID trong .env trước.")
    if len(refresh_token.strip()) < 8:
        fail("Refresh token không hợp lệ (quá ngắn).")
    with session_scope(engine_from_settings()) as db:
        tokens_db.seed(db, app_id, refresh_token.strip())
    click.echo("Đã lưu refresh token mới; bot sẽ lấy access token ở lần gửi tin tới.")
