"""The web application of `fieldreport serve`, one per worker process.

Routes: POST /telegram/webhook, POST /zalo/webhook and /zalo/oa/webhook (the Zalo adapters'
own handlers; every webhook stores its update before answering, bot/web/inbox.py), GET /healthz,
and the office console's pages (bot/console, with its own session, CSRF and headers), among them
/tai-ve/<token>, the download page of the workbooks /xuat makes for Zalo.
"""
from __future__ import annotations

import asyncio
import gc
import hashlib
import hmac
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Callable, Optional

from aiohttp import web

from bot.delivery import worker_name
from bot.outbox import Sender
from bot.settings import Settings, get_settings
from bot.web import keys
from bot.web.health import healthz
from bot.web.inbox import Inbox
from handlers.services import Services
from storage.clock import utcnow

log = logging.getLogger(__name__)

TELEGRAM_PATH = "/telegram/webhook"
ZALO_PATH = "/zalo/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 2 * 1024 * 1024
# Database threads per process. Commits still overlap (PostgreSQL flushes them together), and
# fewer threads contend less for the GIL: at saturation 4 threads cost 2.1 ms of server CPU per
# update where 16 cost 2.5 ms (benchmarks/webhook_load.py, ratio 0.42 against 0.39).
DB_THREADS = 4


def telegram_secret(settings: Settings) -> str:
    """TELEGRAM_WEBHOOK_SECRET, or one derived from the token (stable across restarts)."""
    if settings.telegram_webhook_secret is not None:
        secret = settings.telegram_webhook_secret.get_secret_value()
        if secret:
            return secret
    token = settings.telegram_bot_token.get_secret_value()
    return hashlib.sha256(b"fieldreport-telegram-webhook:" + token.encode()).hexdigest()[:48]


def served_settings(settings: Settings) -> Settings:
    """Zalo in webhook mode at PUBLIC_URL/zalo/webhook (never polling inside the server)."""
    if settings.public_url and not settings.zalo_webhook_url:
        return settings.model_copy(update={
            "zalo_webhook_url": settings.public_url.rstrip("/") + ZALO_PATH})
    return settings


def chat_of(payload: dict) -> str:
    """The chat an update belongs to, for per-chat ordering ("" when there is none)."""
    for key in ("message", "edited_message", "my_chat_member", "callback_query"):
        part = payload.get(key)
        if isinstance(part, dict):
            if key == "callback_query":
                part = part.get("message") or {"chat": part.get("from")}
            chat = part.get("chat") if isinstance(part, dict) else None
            if isinstance(chat, dict):
                return str(chat.get("id", ""))
    return ""


def without_download(payload: dict) -> bool:
    """Updates handled within their webhook request: all but photos, whose step first
    downloads the picture (that would hold the request, and Telegram's connection, open)."""
    message = payload.get("message")
    return not (isinstance(message, dict) and "photo" in message)


def without_tapped_keyboard(payload: dict) -> dict:
    """The update as the core needs it: a button tap comes with the whole message it was
    under, keyboard and formatting included, which the core never reads and which makes PTB's
    parsing of a tap twice as slow (0.5 ms against 0.24 ms for a 9-button menu). The stored
    update keeps them."""
    query = payload.get("callback_query")
    message = query.get("message") if isinstance(query, dict) else None
    if not isinstance(message, dict) or not ("reply_markup" in message or "entities" in message):
        return payload
    lean = {k: v for k, v in message.items() if k not in ("reply_markup", "entities")}
    return {**payload, "callback_query": {**query, "message": lean}}


async def create_app(settings: Optional[Settings] = None, services: Optional[Services] = None,
                     telegram_request=None, clock: Callable[[], datetime] = utcnow,
                     with_worker: bool = False, worker_options: Optional[dict] = None
                     ) -> web.Application:
    """Build and start everything one worker process serves. Tests pass fakes in."""
    settings = served_settings(settings or get_settings())
    if services is None:
        from bot.bootstrap import build_services
        from storage.db import make_engine
        # The schema was upgraded once by `fieldreport serve` before the workers started.
        engine = make_engine(settings.database_url, pool_size=DB_THREADS, pre_ping=False)
        services = build_services(settings, engine=engine, clock=clock)
    # Database work runs in these threads: enough that commits overlap (PostgreSQL then
    # flushes them together), within the pool's connections.
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(max_workers=DB_THREADS, thread_name_prefix="db"))
    app = web.Application(client_max_size=MAX_BODY)
    app[keys.ENGINE], app[keys.CLOCK], app[keys.SETTINGS] = services.engine, clock, settings
    app[keys.SERVICES] = services
    senders: dict[str, Sender] = {}
    app[keys.SENDERS] = senders
    me = worker_name()
    if settings.telegram_bot_token:
        await _mount_telegram(app, settings, services, senders, telegram_request, clock, me)
    app[keys.ZALO_INBOXES] = []
    if settings.zalo_bot_token or settings.zalo_oa_app_id:
        from bot.zalo.app import ZaloApp
        zalo = ZaloApp(settings, services, shared_senders=senders, router=app.router,
                       inbox_for=_zalo_inbox_maker(app, services, clock, me))
        await zalo.start()
        senders.update(zalo.senders)
        app[keys.ZALO] = zalo
    from bot.worker import export_queue
    services.queue_export = export_queue(services)
    app.router.add_get("/healthz", healthz)
    _mount_console(app, services, settings)
    if with_worker:
        from bot.worker import Worker
        worker = Worker(settings, services, senders, **(worker_options or {}))
        await worker.start()
        app[keys.WORKER] = worker
    app.on_shutdown.append(_shutdown)
    # What is built by now (modules, the object graph: some 210,000 objects) lives as long as
    # the process: out of the collector's way, a full collection no longer walks it. Measured
    # under webhook_load.py: garbage collection fell from 4.7 % to 2 % of a worker's CPU.
    gc.freeze()
    log.info("web application ready: %s", ", ".join(sorted(senders)) or "no platform")
    return app


async def _mount_telegram(app, settings, services, senders, request, clock, me) -> None:
    from telegram import Update

    from bot.telegram.app import TelegramBot
    if request is None:
        from bot.telegram.request import AiohttpRequest
        request = AiohttpRequest()
    telegram = TelegramBot(settings, services, request=request, shared_senders=senders)
    await telegram.initialize()
    senders["telegram"] = telegram.sender

    async def handle(payload: dict, mark) -> None:
        await telegram.handle(Update.de_json(without_tapped_keyboard(payload), telegram.app.bot),
                              claim=mark, answer_callback=False)
    inbox = Inbox(services.engine, "telegram", handle, me, clock=clock, chat_of=chat_of,
                  on_arrival=without_download)
    app[keys.TELEGRAM], app[keys.INBOX] = telegram, inbox
    expected = telegram_secret(settings).encode()

    async def webhook(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, expected):
            log.warning("telegram webhook call with a wrong secret from %s", request.remote)
            return web.json_response({"ok": False}, status=403)
        if not inbox.accepting:  # shutting down: Telegram retries, another worker takes it
            return web.json_response({"ok": False}, status=503)
        try:
            payload = await request.json()
            update_id = payload["update_id"]
            if not isinstance(update_id, int) or isinstance(update_id, bool):
                raise ValueError("update_id")
        except (ValueError, KeyError, TypeError):
            return web.json_response({"ok": False}, status=400)
        await inbox.receive(str(update_id), payload)
        query = payload.get("callback_query")
        if isinstance(query, dict) and query.get("id"):
            # Telegram runs a method given in the webhook's answer: the button's spinner stops
            # without a Bot API request of our own.
            return web.json_response({"method": "answerCallbackQuery",
                                      "callback_query_id": str(query["id"])})
        return web.json_response({"ok": True})
    app.router.add_post(TELEGRAM_PATH, webhook)

    async def start_sweeping(_app) -> None:
        inbox.start_sweeping()  # also handles what a dead process stored and left
    app.on_startup.append(start_sweeping)


def _zalo_inbox_maker(app: web.Application, services, clock, me) -> Callable:
    """Zalo's webhooks store their events like Telegram's: one Inbox per Zalo platform."""
    def make(platform: str, bot, parse) -> Inbox:
        async def handle(payload: dict, mark) -> None:
            event = parse(payload)
            if event is not None:
                await bot.handle_event(event, mark)

        def chat_of(payload: dict) -> str:
            event = parse(payload)
            return event.chat_id if event is not None else ""

        def event_without_photo(payload: dict) -> bool:
            """Handled within the request: every event but a photo (its step downloads it),
            as `without_download` decides for Telegram."""
            event = parse(payload)
            return event is not None and not event.photo_url
        inbox = Inbox(services.engine, platform, handle, me, clock=clock, chat_of=chat_of,
                      on_arrival=event_without_photo)
        app[keys.ZALO_INBOXES].append(inbox)
        return inbox

    async def start_sweeping(_app) -> None:
        for inbox in app[keys.ZALO_INBOXES]:
            inbox.start_sweeping()
    app.on_startup.append(start_sweeping)
    return make


def _mount_console(app: web.Application, services, settings: Settings) -> None:
    """The office console beside the webhooks; its middlewares (session, CSRF, headers) run
    for its own paths only. Its key file lies beside the media folder the services use."""
    from bot.console import console_app, mount_console
    console_settings = settings.model_copy(update={"media_dir": services.media.root})
    mount_console(app, console_app(services, console_settings))


async def _shutdown(app: web.Application) -> None:
    """SIGTERM: updates in progress finish, reminders stop after their sends, then the bots."""
    if keys.INBOX in app:
        await app[keys.INBOX].drain()
    for inbox in app.get(keys.ZALO_INBOXES, []):
        await inbox.drain()
    if keys.WORKER in app:
        await app[keys.WORKER].stop()
    if keys.ZALO in app:
        await app[keys.ZALO].stop()
    if keys.TELEGRAM in app:
        await app[keys.TELEGRAM].app.shutdown()
    log.info("web application stopped")
