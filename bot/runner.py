"""`fieldreport run`: start every platform whose token is set, until SIGINT/SIGTERM."""
from __future__ import annotations

import asyncio
import logging
import signal
from contextlib import AsyncExitStack
from datetime import timedelta

from bot.bootstrap import build_services
from bot.outbox import Sender
from bot.settings import Settings
from storage import repo
from storage.clock import utcnow
from storage.db import session_scope

log = logging.getLogger(__name__)

NO_TOKEN = ("Chưa có token bot nào: đặt TELEGRAM_BOT_TOKEN (hoặc ZALO_BOT_TOKEN) trong .env. "
            "Muốn chạy thử không cần token: fieldreport demo")


UPDATE_MEMORY = timedelta(days=30)  # how long delivered update ids are remembered


async def run_bots(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Run until SIGINT/SIGTERM, or until `stop` is set (tests)."""
    services = build_services(settings)
    with session_scope(services.engine) as s:
        repo.prune_processed_updates(s, utcnow() - UPDATE_MEMORY)
    senders: dict[str, Sender] = {}
    console = None
    if settings.public_url:  # the office console, on LISTEN (shared with the Zalo webhook)
        from bot.console import console_app
        console = console_app(services, settings)
    async with AsyncExitStack() as stack:
        if settings.telegram_bot_token:
            from bot.telegram.app import TelegramBot
            telegram = TelegramBot(settings, services, shared_senders=senders)
            await telegram.start_polling()
            stack.push_async_callback(telegram.stop)
            senders["telegram"] = telegram.sender
        if settings.zalo_bot_token or settings.zalo_oa_app_id:
            from bot.zalo.app import ZaloApp  # Bot API and/or Official Account, by settings
            zalo = ZaloApp(settings, services, shared_senders=senders)
            zalo.console = console
            stack.push_async_callback(zalo.stop)
            await zalo.start()
            senders.update(zalo.senders)
            if zalo.console_mounted:
                console = None
        if not senders:
            raise SystemExit(NO_TOKEN)
        if console is not None:
            await start_console_server(stack, settings.listen, console)
        from bot.scheduler import start_reminders  # weekly reminders, follow-ups, digests
        reminders = start_reminders(settings, services, senders)
        if reminders is not None:  # stops first (LIFO), while the senders still work
            stack.push_async_callback(reminders.stop)
        await (stop.wait() if stop is not None else wait_for_stop_signal())


async def start_console_server(stack: AsyncExitStack, listen: str, console) -> None:
    from aiohttp import web
    host, _, port = listen.rpartition(":")
    runner = web.AppRunner(console, access_log=None)
    await runner.setup()
    stack.push_async_callback(runner.cleanup)
    await web.TCPSite(runner, host or "0.0.0.0", int(port)).start()
    log.info("office console listening on %s", listen)


async def wait_for_stop_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("stopping")
