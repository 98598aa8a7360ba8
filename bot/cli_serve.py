"""`fieldreport serve` and `fieldreport worker`: the production way to run the bot
(webhooks into several processes on PostgreSQL; see docs/DEPLOY.md)."""
from __future__ import annotations

import asyncio
import logging
import sys

import click

from bot.cli_vi import command
from bot.settings import Settings, get_settings

log = logging.getLogger(__name__)

NO_PUBLIC_URL = ("Chưa đặt PUBLIC_URL (địa chỉ HTTPS công khai của máy chủ, ví dụ "
                 "https://bot.tinhdoan.vn): Telegram cần địa chỉ này để gửi tin tới webhook.")
NO_TOKEN = ("Chưa có token bot nào: đặt TELEGRAM_BOT_TOKEN (hoặc ZALO_BOT_TOKEN / "
            "ZALO_OA_APP_ID) trong .env.")


@command("serve")
@click.option("--workers", type=click.IntRange(1, 64), default=None, metavar="SỐ",
              help="Số tiến trình xử lý (mặc định: SERVE_WORKERS, 2).")
@click.option("--with-worker", is_flag=True,
              help="Chạy luôn nhắc việc và việc nền (xuất Excel) trong máy chủ, "
                   "cho cài đặt nhỏ không chạy riêng `fieldreport worker`.")
def serve(workers: int | None, with_worker: bool) -> None:
    """Chạy máy chủ webhook (Telegram, Zalo) với nhiều tiến trình, sau proxy HTTPS.

    Lắng nghe tại LISTEN (mặc định 0.0.0.0:8080); đăng ký webhook Telegram tại
    PUBLIC_URL/telegram/webhook khi khởi động; /healthz cho giám sát.
    """
    from bot.bootstrap import open_database
    from bot.logs import configure_logging
    settings = get_settings()
    configure_logging(settings)
    if not (settings.telegram_bot_token or settings.zalo_bot_token or settings.zalo_oa_app_id):
        _fail(NO_TOKEN)
    if (settings.telegram_bot_token or settings.zalo_bot_token) and not settings.public_url:
        _fail(NO_PUBLIC_URL)
    engine = open_database(settings.database_url)  # once, before the workers start
    engine.dispose()
    console_key(settings)  # made once here, so every worker reads the same one
    if settings.telegram_bot_token:
        asyncio.run(register_telegram_webhook(settings))
    from bot.web.gunicorn import run_gunicorn
    run_gunicorn(settings, workers or settings.serve_workers, with_worker)


@command("worker")
def worker() -> None:
    """Chạy nhắc việc, gửi tin theo nhịp và các việc nền (xuất Excel).

    Chạy hai bản cùng lúc vẫn an toàn: mỗi tin, mỗi việc được nhận trong cơ sở dữ liệu
    trước khi làm, và nhịp gửi của một bot được chia chung giữa các tiến trình.
    """
    from bot.logs import configure_logging
    from bot.worker import run_worker
    settings = get_settings()
    configure_logging(settings)
    asyncio.run(run_worker(settings))


async def register_telegram_webhook(settings: Settings) -> str:
    """setWebhook(PUBLIC_URL/telegram/webhook, secret, allowed updates, max connections)."""
    from telegram import Bot

    from bot.telegram.app import ALLOWED_UPDATES
    from bot.web.app import TELEGRAM_PATH, telegram_secret
    api = settings.telegram_api_url.rstrip("/")
    url = settings.public_url.rstrip("/") + TELEGRAM_PATH
    async with Bot(settings.telegram_bot_token.get_secret_value(),
                   base_url=f"{api}/bot", base_file_url=f"{api}/file/bot") as bot:
        await bot.set_webhook(url, secret_token=telegram_secret(settings),
                              allowed_updates=ALLOWED_UPDATES,
                              max_connections=settings.telegram_webhook_max_connections)
    log.info("telegram webhook set to %s", url)
    return url


def console_key(settings: Settings) -> bytes:
    """The office console's cookie key: CONSOLE_SECRET_KEY, or the key file of this machine."""
    from pathlib import Path

    from bot.console.security import cookie_key
    secret = settings.console_secret_key.get_secret_value() if settings.console_secret_key else ""
    return cookie_key(secret, Path(settings.media_dir).parent / "console-secret.key")


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


