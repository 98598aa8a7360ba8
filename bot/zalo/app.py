"""Wiring of the Zalo adapters for `fieldreport run`: what runs depends on which settings are set.

* ZALO_BOT_TOKEN: the Bot API bot, polling getUpdates, or a webhook when ZALO_WEBHOOK_URL is set.
* ZALO_OA_APP_ID + ZALO_OA_APP_SECRET + ZALO_OA_SECRET_KEY: the Official Account webhook
  (ZALO_OA_WEBHOOK_PATH on the same listener) and its CS/group messages.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Callable, Optional
from urllib.parse import urlparse

import aiohttp
from aiohttp import web

from bot.outbox import Sender
from bot.settings import Settings
from bot.zalo.adapter import ZaloBot, parse_bot_event, poll
from bot.zalo.client import ZaloClient, fetch_bytes
from bot.zalo.oa import OaClient, OaError, OaTokens
from bot.zalo.oa_events import OaSender, parse_oa_event
from bot.zalo.sender import ZaloSender
from bot.zalo.webhook import WebhookServer, bot_handler, derived_secret, oa_handler
from handlers.services import Services

log = logging.getLogger(__name__)

KEEPALIVE = 3600.0  # seconds between OA token checks, so the refresh chain never goes stale
BAD_SECRET = "ZALO_WEBHOOK_SECRET cần dài từ 8 đến 256 ký tự."


def bot_configured(settings: Settings) -> bool:
    return bool(settings.zalo_bot_token and settings.zalo_bot_token.get_secret_value())


def oa_configured(settings: Settings) -> bool:
    return bool(settings.zalo_oa_app_id and settings.zalo_oa_app_secret
                and settings.zalo_oa_secret_key)


class ZaloApp:
    """Starts and stops whichever Zalo adapters are configured; `senders` feeds the outbox."""

    def __init__(self, settings: Settings, services: Services,
                 shared_senders: Optional[dict[str, Sender]] = None,
                 poll_timeout: int = 30, router: Optional[web.UrlDispatcher] = None,
                 inbox_for: Optional[Callable] = None):
        self.settings, self.services = settings, services
        self.shared = shared_senders if shared_senders is not None else {}
        self.poll_timeout = poll_timeout
        self.router = router  # `fieldreport serve`: mount the routes on its application
        # `fieldreport serve`: (platform, bot, parse) -> an Inbox that stores events first
        self.inbox_for = inbox_for
        self.senders: dict[str, Sender] = {}
        self.bot: Optional[ZaloBot] = None
        self.oa_bot: Optional[ZaloBot] = None
        self.client: Optional[ZaloClient] = None
        self.oa: Optional[OaClient] = None
        self.server: Optional[WebhookServer] = None
        self._session: Optional[aiohttp.ClientSession] = None
        self._stop = asyncio.Event()
        self._background: list[asyncio.Task] = []
        # The office console (bot/console), served on the webhook listener when both use one port.
        self.console = None
        self.console_mounted = False

    async def start(self) -> None:
        self._session = aiohttp.ClientSession()
        routes = []
        if bot_configured(self.settings):
            routes += await self._start_bot()
        if oa_configured(self.settings):
            routes += self._start_oa()
        if routes and self.router is not None:
            for path, handler in routes:
                self.router.add_post(path, handler)
        elif routes:
            self.server = WebhookServer(self.settings.zalo_webhook_listen)
            for path, handler in routes:
                self.server.add(path, handler)
            if self.console is not None and self.settings.listen == self.settings.zalo_webhook_listen:
                from bot.console import mount_console
                mount_console(self.server.app, self.console)
                self.console_mounted = True
            await self.server.start()
        if self.client is not None and self.settings.zalo_webhook_url:
            await self.client.set_webhook(self.settings.zalo_webhook_url, self._secret())
            log.info("Zalo bot webhook set")

    async def _start_bot(self) -> list:
        s = self.settings
        self.client = ZaloClient(s.zalo_bot_token.get_secret_value(), s.zalo_api_url,
                                 session=self._session)
        me = await self.client.get_me()  # fails fast on a wrong token
        sender = ZaloSender(self.client)
        self.bot = ZaloBot(self.services, sender, self.client.download, self.shared)
        self.senders["zalo"] = sender
        log.info("Zalo bot %s started", (me or {}).get("account_name", ""))
        if s.zalo_webhook_url:
            path = urlparse(s.zalo_webhook_url).path or "/"
            inbox = self._inbox("zalo", self.bot, parse_bot_event)
            return [(path, bot_handler(self._secret(), self.bot, inbox))]
        await self.client.delete_webhook()  # getUpdates does not work while a webhook is set
        self._background.append(asyncio.create_task(
            poll(self.client, self.bot, self._stop, timeout=self.poll_timeout)))
        return []

    def _secret(self) -> str:
        s = self.settings
        if s.zalo_webhook_secret is None:
            return derived_secret(s.zalo_bot_token.get_secret_value())
        secret = s.zalo_webhook_secret.get_secret_value()
        if not 8 <= len(secret) <= 256:
            raise SystemExit(BAD_SECRET)
        return secret

    def _start_oa(self) -> list:
        s = self.settings
        seed = s.zalo_oa_refresh_token.get_secret_value() if s.zalo_oa_refresh_token else ""
        session = self._session
        tokens = OaTokens(self.services.engine, s.zalo_oa_app_id,
                          s.zalo_oa_app_secret.get_secret_value(), s.zalo_oa_oauth_url,
                          lambda: session, clock=self.services.clock, seed_refresh_token=seed)
        self.oa = OaClient(tokens, s.zalo_oa_api_url, session=session)
        sender = OaSender(self.oa, template_id=s.zalo_oa_reminder_template_id)
        self.oa_bot = ZaloBot(self.services, sender, lambda url: fetch_bytes(session, url),
                              self.shared, window=True)
        self.senders["zalo_oa"] = sender
        self._background.append(asyncio.create_task(self._keep_tokens_fresh(tokens)))
        return [(s.zalo_oa_webhook_path,
                 oa_handler(s.zalo_oa_app_id, s.zalo_oa_secret_key.get_secret_value(),
                            self.oa_bot, self._inbox("zalo_oa", self.oa_bot, parse_oa_event)))]

    def _inbox(self, platform: str, bot: ZaloBot, parse: Callable):
        return self.inbox_for(platform, bot, parse) if self.inbox_for is not None else None

    async def _keep_tokens_fresh(self, tokens: OaTokens) -> None:
        while not self._stop.is_set():
            try:
                await tokens.current()  # refreshes ahead of expiry
            except OaError as exc:
                log.error("Zalo OA token check failed: %s", exc)
            try:
                await asyncio.wait_for(self._stop.wait(), timeout=KEEPALIVE)
            except asyncio.TimeoutError:
                pass

    async def stop(self) -> None:
        self._stop.set()
        for task in self._background:
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        if self.server is not None:
            await self.server.stop()
        for bot in (self.bot, self.oa_bot):
            if bot is not None:
                await bot.drain()
        if self._session is not None:
            await self._session.close()
