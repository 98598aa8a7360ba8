"""A local Bot API over HTTP (aiohttp on 127.0.0.1) that enforces Telegram's sending limits.

It counts messages in sliding windows (by default 30 per second overall and 20 per minute per
group) and answers HTTP 429 with `retry_after` past them, like Telegram does; chats can be made
to answer 403 (blocked the bot) or 400 (chat not found). Every accepted message is recorded, so a
test or a benchmark can check that each chat got exactly what it should.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import math
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Optional

from aiohttp import web

BOT = {"id": 7000000002, "is_bot": True, "first_name": "Báo cáo Đoàn",
       "username": "fieldreport_fake_bot", "can_join_groups": True,
       "can_read_all_group_messages": False, "supports_inline_queries": False}
TOKEN = "7000000002:FAKE-token-for-local-tests"


@dataclass
class Received:
    chat_id: str
    text: str
    at: float  # time.monotonic() when it arrived
    buttons: list = field(default_factory=list)


class FakeBotApi:
    def __init__(self, per_second: int = 30, per_chat_per_minute: int = 20,
                 time_scale: float = 1.0):
        # time_scale < 1 shrinks both windows (and retry_after) so tests run fast.
        self.per_second, self.per_chat = per_second, per_chat_per_minute
        self.second, self.minute = 1.0 * time_scale, 60.0 * time_scale
        self.time_scale = time_scale
        self.blocked: set[str] = set()  # 403 Forbidden: bot was blocked by the user
        self.missing: set[str] = set()  # 400 Bad Request: chat not found
        self.received: list[Received] = []
        self.too_many = 0  # 429 answers
        self.throttle_next: int = 0  # answer this many sends with 429 regardless of limits
        self._overall: deque[float] = deque()
        self._per_chat: dict[str, deque[float]] = defaultdict(deque)
        self._ids = itertools.count(1)
        self._runner: Optional[web.AppRunner] = None
        self.url = ""
        self.files: dict[str, bytes] = {}  # file_id -> bytes, served by getFile + download

    # --- server -------------------------------------------------------------------------

    async def start(self, port: int = 0) -> str:
        app = web.Application(client_max_size=60 * 1024 * 1024)  # documents up to 50 MB
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/photos/{name}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # --- what was sent ------------------------------------------------------------------

    def per_chat_counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for item in self.received:
            counts[item.chat_id] += 1
        return dict(counts)

    def texts(self, chat_id: str) -> list[str]:
        return [r.text for r in self.received if r.chat_id == str(chat_id)]

    # --- the API ------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _params(request)
        if method == "getMe":
            return _ok(BOT)
        if method in ("sendMessage", "sendPhoto", "sendDocument"):
            return self._send(params)
        if method == "getFile":
            file_id = str(params.get("file_id"))
            if file_id not in self.files:
                return _error(400, "Bad Request: invalid file_id")
            return _ok({"file_id": file_id, "file_unique_id": f"u{file_id}",
                        "file_size": len(self.files[file_id]),
                        "file_path": f"photos/{file_id}.jpg"})
        if method == "getUpdates":  # nobody writes to this bot: a short long-poll, then nothing
            await asyncio.sleep(min(float(params.get("timeout") or 0), 1.0))
            return _ok([])
        return _ok(True)

    async def _download(self, request: web.Request) -> web.Response:
        data = self.files.get(request.match_info["name"].rsplit(".", 1)[0])
        return web.Response(body=data) if data is not None else web.Response(status=404)

    def _send(self, params: dict) -> web.Response:
        chat = str(params.get("chat_id"))
        if chat in self.blocked:
            return _error(403, "Forbidden: bot was blocked by the user")
        if chat in self.missing:
            return _error(400, "Bad Request: chat not found")
        now = time.monotonic()
        wait = self._over_limit(chat, now)
        if self.throttle_next > 0:
            self.throttle_next -= 1
            wait = max(wait, self.second)
        if wait > 0:
            self.too_many += 1
            retry_after = max(1, math.ceil(wait / self.time_scale))
            return _error(429, f"Too Many Requests: retry after {retry_after}",
                          {"retry_after": retry_after})
        self._overall.append(now)
        self._per_chat[chat].append(now)
        markup = params.get("reply_markup")
        markup = json.loads(markup) if isinstance(markup, str) else (markup or {})
        buttons = [b for row in markup.get("inline_keyboard", []) for b in row]
        self.received.append(Received(chat, params.get("text") or params.get("caption") or "",
                                      now, buttons))
        return _ok({"message_id": next(self._ids), "date": int(time.time()),
                    "chat": {"id": int(chat), "type": "supergroup" if chat.startswith("-")
                             else "private", "title": "Nhóm"},
                    "text": params.get("text", "")})

    def _over_limit(self, chat: str, now: float) -> float:
        """Seconds until this message would be within both limits (0: it is)."""
        overall, per_chat = self._overall, self._per_chat[chat]
        while overall and overall[0] <= now - self.second:
            overall.popleft()
        while per_chat and per_chat[0] <= now - self.minute:
            per_chat.popleft()
        wait = 0.0
        if len(overall) >= self.per_second:
            wait = overall[0] + self.second - now
        if chat.startswith("-") and len(per_chat) >= self.per_chat:  # the per-minute limit is for groups
            wait = max(wait, per_chat[0] + self.minute - now)
        return wait


async def _params(request: web.Request) -> dict:
    if request.content_type == "application/json":
        return await request.json()
    if request.method == "POST":
        return dict(await request.post())
    return dict(request.query)


def _ok(result) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(code: int, description: str, parameters: Optional[dict] = None) -> web.Response:
    body = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=code)
