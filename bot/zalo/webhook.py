"""Our aiohttp server for Zalo webhooks: checks who is calling, answers 200 at once, works after.

Bot API: the header `X-Bot-Api-Secret-Token` must equal the secret given to setWebhook.
Official Account: the header `X-ZEvent-Signature` must sign the raw body (bot/zalo/oa.py).
Anything else gets 403 and changes nothing.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Awaitable, Callable, Optional

from aiohttp import web

from bot.zalo.adapter import ZaloBot, parse_bot_event, unwrap
from bot.zalo.oa import verify_signature
from bot.zalo.oa_events import parse_oa_event

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Bot-Api-Secret-Token"
SIGNATURE_HEADER = "X-ZEvent-Signature"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def derived_secret(token: str) -> str:
    """A stable webhook secret when ZALO_WEBHOOK_SECRET is not set (8–256 characters)."""
    return hashlib.sha256(b"fieldreport-zalo-webhook:" + token.encode()).hexdigest()[:48]


async def _store_first(inbox, event, body: dict, ok: dict, busy: dict) -> web.StreamResponse:
    """`fieldreport serve`: the event is committed before the 200 (bot/web/inbox.py), so a
    process killed after answering loses nothing; a repeat is stored once."""
    if not inbox.accepting:  # shutting down: Zalo retries, another process takes it
        return web.json_response(busy, status=503)
    if event is not None:
        await inbox.receive(event.message_id, body)
    return web.json_response(ok)


def bot_handler(secret: str, bot: ZaloBot, inbox=None) -> Handler:
    expected = secret.encode()

    async def receive(request: web.Request) -> web.StreamResponse:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, expected):
            log.warning("Zalo webhook call with a wrong secret from %s", request.remote)
            return web.json_response({"ok": False}, status=403)
        try:
            body = json.loads(await request.read())
        except ValueError:
            return web.json_response({"ok": False}, status=400)
        if malformed(body):
            log.warning("Zalo webhook event of an unknown shape from %s", request.remote)
            return web.json_response({"ok": False}, status=400)
        if inbox is not None:
            return await _store_first(inbox, parse_bot_event(body), body, {"ok": True},
                                      {"ok": False})
        bot.submit(parse_bot_event(body))  # handled in the background
        return web.json_response({"ok": True})
    return receive


def malformed(body: object) -> bool:
    """An event whose message, sender or chat is not an object: refused with 400."""
    event = unwrap(body)
    if event is None:
        return True
    message = event.get("message")
    if message is None:
        return False  # an event without a message (none documented): nothing to do
    if not isinstance(message, dict):
        return True
    return any(key in message and not isinstance(message[key], dict) for key in ("from", "chat"))


def oa_handler(app_id: str, oa_secret_key: str, bot: ZaloBot, inbox=None) -> Handler:
    async def receive(request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        if not verify_signature(request.headers.get(SIGNATURE_HEADER, ""), raw, app_id,
                                oa_secret_key):
            log.warning("Zalo OA webhook call with a bad signature from %s", request.remote)
            return web.json_response({"error": 403}, status=403)
        try:
            body = json.loads(raw)
        except ValueError:
            return web.json_response({"error": 400}, status=400)
        if inbox is not None:
            return await _store_first(inbox, parse_oa_event(body), body, {"error": 0},
                                      {"error": 503})
        bot.submit(parse_oa_event(body))
        return web.json_response({"error": 0})
    return receive


class WebhookServer:
    """One listener for every Zalo route (`listen` is host:port; port 0 picks a free one)."""

    def __init__(self, listen: str):
        host, _, port = listen.rpartition(":")
        self.host, self.port = host or "0.0.0.0", int(port)
        self.app = web.Application(client_max_size=2 * 1024 * 1024)
        self._runner: Optional[web.AppRunner] = None

    def add(self, path: str, handler: Handler) -> None:
        self.app.router.add_post(path, handler)

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self.port == 0:
            self.port = site._server.sockets[0].getsockname()[1]
        log.info("Zalo webhook server listening on %s:%s", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
