"""Local aiohttp fakes of the Zalo Bot API and the Zalo Official Account API, from the documented
request and event shapes, so tests drive the real clients over 127.0.0.1 without a token.

Bot API (bot.zaloplatforms.com docs): POST /bot<TOKEN>/<method>, JSON in, {"ok", "result"} or
{"ok": false, "error_code", "description"} out; getUpdates holds the request and answers one
update or 408; no offset, so an update may come again. Webhook calls carry
X-Bot-Api-Secret-Token. OA (developers.zalo.me): /v4/oa/access_token rotates single-use refresh
tokens; /v3.0/oa/message/cs and /v3.0/oa/group/message want a valid `access_token` header;
webhook events are signed in X-ZEvent-Signature.

Both fakes answer every code of bot/zalo/errors.py on demand: `answer_chat` (a chat that keeps
answering one code), `quota` (messages left before 429), `fail_next` (one-off answers).
"""
from __future__ import annotations

import asyncio
import itertools
import re
import json
import socket
from typing import Optional

import aiohttp
from aiohttp import web

from bot.zalo.oa import signature

TOKEN = "1459232241454765289:fake-zalo-bot-token-NOT-REAL"
BOT_DESCRIPTIONS = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
                    429: "Quota exceeded"}
OA_MESSAGES = {-201: "User has not followed the OA", -213: "User has not interacted in 48h",
               -216: "Access token is invalid", -224: "Group Message Framework not in package",
               -230: "User has not interacted with the OA in the past 7 days",
               -232: "Outside of consultation window", -234: "Outside of consultation window"}
BOT_ID = "1459232241454765289"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Server:
    def __init__(self):
        self.app = web.Application()
        self._runner: Optional[web.AppRunner] = None
        self.port = 0
        self.photos: dict[str, bytes] = {}
        self.expired: set[str] = set()
        self._photo_ids = itertools.count(1)
        self.app.router.add_get("/photos/{name}", self._photo)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> "_Server":
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    def add_photo(self, data: bytes) -> str:
        """A photo link like the ones in image events (they expire: see `expired`)."""
        name = f"p{next(self._photo_ids)}.jpg"
        self.photos[name] = data
        return f"{self.url}/photos/{name}"

    async def _photo(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name in self.expired or name not in self.photos:
            return web.Response(status=404, text="link expired")
        return web.Response(body=self.photos[name], content_type="image/jpeg")


class FakeZaloBotApi(_Server):
    def __init__(self, token: str = TOKEN):
        super().__init__()
        self.token = token
        self.updates: asyncio.Queue = asyncio.Queue()
        self.delivered = 0  # updates answered by getUpdates
        self.expected = 0  # answers getUpdates owes for what was pushed (repeats included)
        self.repeat_each = False  # answer every update twice, as getUpdates may
        self.poll_cap = 0.3  # seconds an empty getUpdates is held (the real API: `timeout`)
        self.calls: list[tuple[str, dict]] = []
        self.fail_next: dict[str, list[tuple[int, dict]]] = {}
        self.answer_chat: dict[str, int] = {}  # chat id -> error code it keeps answering
        self.quota: Optional[int] = None  # sendMessage calls left before 429 (None: no limit)
        self.webhook_url, self.webhook_secret = "", ""
        self._message_ids = itertools.count(1)
        self._event_ids = itertools.count(1)
        self._repeat: Optional[dict] = None
        self.delivered_texts: list[tuple[str, str]] = []  # accepted sendMessage calls
        self.app.router.add_post("/bot{token}/{method}", self._method)

    # --- what the bot does -----------------------------------------------------------------
    async def _method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401,
                                      "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        raw = await request.read()
        params = json.loads(raw) if raw else {}
        self.calls.append((method, params))
        if self.fail_next.get(method):
            status, body = self.fail_next[method].pop(0)
            return web.json_response(body, status=status)
        handler = getattr(self, f"_{method}", None)
        if handler is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not found"},
                                     status=404)
        result = await handler(params, request)
        if isinstance(result, web.Response):
            return result
        return web.json_response({"ok": True, "result": result})

    async def _getMe(self, params, request):
        return {"id": BOT_ID, "account_name": "bot.fieldreport", "account_type": "BASIC",
                "can_join_groups": False}

    async def _getUpdates(self, params, request):
        if self.webhook_url:
            return web.json_response({"ok": False, "error_code": 400,
                                      "description": "webhook is active"}, status=400)
        if self._repeat is not None:
            event, self._repeat = self._repeat, None
        else:
            wait = min(float(params.get("timeout", 30)), self.poll_cap)
            try:
                event = await asyncio.wait_for(self.updates.get(), timeout=wait)
            except asyncio.TimeoutError:
                return web.json_response({"ok": False, "error_code": 408,
                                          "description": "Request timeout"}, status=408)
            transport = request.transport
            if transport is None or transport.is_closing():  # the poller went away meanwhile:
                self._repeat = event  # keep the update for the next getUpdates
                return web.Response(status=499)
            if self.repeat_each:
                self._repeat = event
        self.delivered += 1
        return event

    async def _setWebhook(self, params, request):
        if not 8 <= len(params.get("secret_token", "")) <= 256:
            return web.json_response({"ok": False, "error_code": 400,
                                      "description": "secret_token must be 8-256 chars"},
                                     status=400)
        self.webhook_url, self.webhook_secret = params["url"], params["secret_token"]
        return {"url": self.webhook_url, "updated_at": 1749538250568}

    async def _deleteWebhook(self, params, request):
        self.webhook_url = self.webhook_secret = ""
        return {"url": "", "updated_at": 1749538250568}

    async def _getWebhookInfo(self, params, request):
        return {"url": self.webhook_url, "updated_at": 1749633372026}

    async def _sendMessage(self, params, request):
        text = params.get("text", "")
        if not params.get("chat_id") or not 1 <= len(text) <= 2000:
            return web.json_response({"ok": False, "error_code": 400,
                                      "description": "Bad request"}, status=400)
        code = self.answer_chat.get(params["chat_id"])
        if code is None and self.quota is not None:
            if self.quota <= 0:
                code = 429
            else:
                self.quota -= 1
        if code is not None:
            return web.json_response({"ok": False, "error_code": code,
                                      "description": BOT_DESCRIPTIONS.get(code, "Error")},
                                     status=code)
        self.delivered_texts.append((params["chat_id"], text))
        return {"message_id": f"m{next(self._message_ids)}", "date": 1749632637199}

    async def _sendPhoto(self, params, request):
        return {"message_id": f"m{next(self._message_ids)}", "date": 1749632637199}

    async def _sendChatAction(self, params, request):
        return None

    # --- what a test looks at --------------------------------------------------------------
    def texts(self, chat_id: Optional[str] = None) -> list[str]:
        return [p["text"] for m, p in self.calls
                if m == "sendMessage" and (chat_id is None or p["chat_id"] == chat_id)]

    # --- events, as the docs show them -----------------------------------------------------
    def event(self, kind: str, user_id: str, name: str = "", chat_id: str = "",
              group: bool = False, **fields) -> dict:
        message = {"from": {"id": user_id, "display_name": name, "is_bot": False},
                   "chat": {"id": chat_id or user_id, "chat_type": "GROUP" if group else "PRIVATE"},
                   "message_id": f"zm{next(self._event_ids):06d}", "date": 1750316131602,
                   **fields}
        return {"event_name": f"message.{kind}.received", "message": message}

    def text(self, user_id: str, text: str, **kw) -> dict:
        return self.event("text", user_id, text=text, **kw)

    def photo(self, user_id: str, data: bytes, **kw) -> dict:
        return self.event("image", user_id, photo_url=self.add_photo(data), **kw)

    async def push(self, event: dict) -> None:
        """Queue an update for getUpdates."""
        self.expected += 2 if self.repeat_each else 1
        await self.updates.put(event)

    async def post_webhook(self, event: dict, secret: Optional[str] = None,
                           wrapped: bool = True) -> int:
        """Deliver an event to the registered webhook as Zalo does; the HTTP status we got."""
        body = {"ok": True, "result": event} if wrapped else event
        headers = {}
        if secret is not None or self.webhook_secret:
            headers["X-Bot-Api-Secret-Token"] = self.webhook_secret if secret is None else secret
        async with aiohttp.ClientSession() as session:
            async with session.post(self.webhook_url, json=body, headers=headers) as resp:
                return resp.status


class FakeZaloOa(_Server):
    APP_ID = "3482178216594085616"
    APP_SECRET = "fake-app-secret-NOT-REAL"
    OA_SECRET_KEY = "fake-oa-secret-key-NOT-REAL"
    OA_ID = "1646843870823903717"

    def __init__(self):
        super().__init__()
        self._n = itertools.count(1)
        first = self._new_refresh()
        self.first_refresh_token = first
        self.refresh_tokens = {first}  # unused ones
        self.access_tokens: set[str] = set()
        self.refreshes = 0  # successful rotations
        self.refused = 0
        self.expires_in = "90000"
        self.refresh_gate: Optional[asyncio.Event] = None  # hold refresh answers until set
        self.sent: list[tuple[str, dict]] = []
        self.answer_user: dict[str, int] = {}  # user or group id -> code (an HTTP status if > 0)
        self.quota: Optional[int] = None  # messages left before HTTP 429 (None: no limit)
        self.refresh_answer: Optional[int] = None  # error code the token endpoint answers
        self.templates_approved = False  # /message/transaction accepted outside the window
        self.app.router.add_post("/v3.0/oa/message/transaction", self._transaction)
        self.app.router.add_post("/v4/oa/access_token", self._access_token)
        self.app.router.add_post("/v3.0/oa/message/cs", self._cs)
        self.app.router.add_post("/v3.0/oa/group/message", self._group)
        self.webhook_url = ""

    def _new_refresh(self) -> str:
        return f"R{next(self._n)}-fake"

    async def _access_token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if (request.headers.get("secret_key") != self.APP_SECRET
                or form.get("app_id") != self.APP_ID):
            return web.json_response({"error": -14002, "error_name": "Invalid app secret"})
        if self.refresh_gate is not None:
            await self.refresh_gate.wait()
        if self.refresh_answer is not None:
            self.refused += 1
            return web.json_response({"error": self.refresh_answer, "error_name": "refused"})
        token = form.get("refresh_token", "")
        if form.get("grant_type") != "refresh_token" or token not in self.refresh_tokens:
            self.refused += 1
            return web.json_response({"error": -14020, "error_name": "Invalid refresh token",
                                      "error_description": "refresh token used or expired"})
        self.refresh_tokens.discard(token)  # single use
        new_refresh, access = self._new_refresh(), f"A{next(self._n)}-fake"
        self.refresh_tokens.add(new_refresh)
        self.access_tokens.add(access)
        self.refreshes += 1
        return web.json_response({"access_token": access, "refresh_token": new_refresh,
                                  "expires_in": self.expires_in})

    def _authorized(self, request: web.Request) -> bool:
        return request.headers.get("access_token", "") in self.access_tokens

    def _refusal(self, to: str) -> Optional[web.Response]:
        """The answer a test set up for this recipient, or the quota running out."""
        code = self.answer_user.get(to)
        if code is None and self.quota is not None:
            if self.quota <= 0:
                code = 429
            else:
                self.quota -= 1
        if code is None:
            return None
        if code > 0:  # an HTTP status (401, 429)
            return web.json_response({"error": -32, "message": "HTTP error"}, status=code)
        return web.json_response({"error": code, "message": OA_MESSAGES.get(code, "Error")})

    async def _cs(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"error": -216, "message": "Access token is invalid"})
        body = await request.json()
        refused = self._refusal(body["recipient"]["user_id"])
        if refused is not None:
            return refused
        self.sent.append(("cs", body))
        return web.json_response({"error": 0, "message": "Success", "data": {
            "message_id": f"oam{next(self._n)}", "user_id": body["recipient"]["user_id"]}})

    async def _transaction(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"error": -216, "message": "Access token is invalid"})
        body = await request.json()
        if not self.templates_approved:
            return web.json_response({"error": -230, "message": OA_MESSAGES[-230]})
        self.sent.append(("transaction", body))
        return web.json_response({"error": 0, "message": "Success",
                                  "data": {"message_id": f"oat{next(self._n)}"}})

    async def _group(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"error": -216, "message": "Access token is invalid"})
        body = await request.json()
        refused = self._refusal(body["recipient"]["group_id"])
        if refused is not None:
            return refused
        self.sent.append(("group", body))
        return web.json_response({"error": 0, "message": "Success",
                                  "data": {"message_id": f"oag{next(self._n)}"}})

    def expire_access_tokens(self) -> None:
        self.access_tokens.clear()

    # --- what a test looks at --------------------------------------------------------------
    def texts(self, user_id: Optional[str] = None, group_id: Optional[str] = None) -> list[str]:
        out = []
        for kind, body in self.sent:
            to = body["recipient"].get("user_id") or body["recipient"].get("group_id")
            if (user_id is None and group_id is None) or to in (user_id, group_id):
                if kind == "transaction":
                    elements = body["message"]["attachment"]["payload"]["elements"]
                    out.append(elements[-1]["content"])
                else:
                    out.append(body["message"].get("text", ""))
        return out

    # --- signed webhook events -------------------------------------------------------------
    def event(self, name: str, user_id: str, recipient: str = "", **message) -> dict:
        message.setdefault("msg_id", f"oa{next(self._n):08d}")
        return {"event_name": name, "app_id": self.APP_ID, "oa_id": self.OA_ID,
                "sender": {"id": user_id}, "recipient": {"id": recipient or self.OA_ID},
                "message": message, "timestamp": "1717061839659",
                "user_id_by_app": f"9{user_id}"}

    def text(self, user_id: str, text: str, group_id: str = "") -> dict:
        name = "user_send_group_text" if group_id else "user_send_text"
        return self.event(name, user_id, group_id, text=text)

    def image(self, user_id: str, data: bytes) -> dict:
        return self.event("user_send_image", user_id, attachments=[
            {"type": "image", "payload": {"url": self.add_photo(data), "thumbnail": ""}}])

    async def post_webhook(self, event: dict, sign_with: Optional[str] = None,
                           header: Optional[str] = None) -> int:
        raw = json.dumps(event, ensure_ascii=False).encode()
        mac = signature(self.APP_ID, raw, event["timestamp"], sign_with or self.OA_SECRET_KEY)
        headers = {"Content-Type": "application/json",
                   "X-ZEvent-Signature": header if header is not None else f"mac={mac}"}
        async with aiohttp.ClientSession() as session:
            async with session.post(self.webhook_url, data=raw, headers=headers) as resp:
                return resp.status


# --- drivers: a person typing on Zalo, seen only through what the fakes record ---------------

_MENU_LINE = re.compile(r"^(\d+)\. (.+)$")
_HINT_LABEL = re.compile(r"«([^»]+)»")


def typed_answer(shown: str, label_part: str) -> str:
    """What a Zalo user types to pick the option containing `label_part`: its number in a
    numbered menu, else the label a hint line names."""
    for line in shown.splitlines():
        match = _MENU_LINE.match(line.strip())
        if match and label_part in match.group(2):
            return match.group(1)
    for line in shown.splitlines():
        if line.startswith("Hoặc gõ"):
            for label in _HINT_LABEL.findall(line):
                if label_part in label:
                    return label
    raise AssertionError(f"no option {label_part!r} in:\n{shown}")


class ZaloPerson:
    """A Zalo user of the Bot API adapter; `webhook` picks the delivery route."""

    def __init__(self, fake: FakeZaloBotApi, bot, user_id: str, name: str, webhook: bool,
                 chat_id: str = "", group: bool = False):
        self.fake, self.bot, self.user_id, self.name = fake, bot, user_id, name
        self.webhook, self.chat_id, self.group = webhook, chat_id or user_id, group
        self.shown = ""

    def event(self, kind: str, **fields) -> dict:
        return self.fake.event(kind, self.user_id, self.name, chat_id=self.chat_id,
                               group=self.group, **fields)

    async def send(self, event: dict) -> str:
        """Deliver one event and wait until the bot has answered; the answer's text."""
        start, offset = len(self.fake.calls), self.fake.delivered - self.bot.received
        if self.webhook:
            assert await self.fake.post_webhook(event) == 200
        else:
            await self.fake.push(event)
        await settle(self.fake, self.bot, self.webhook, offset)
        self.shown = "\n".join(p["text"] for m, p in self.fake.calls[start:]
                               if m == "sendMessage" and p["chat_id"] == self.chat_id)
        return self.shown

    async def say(self, text: str) -> str:
        return await self.send(self.event("text", text=text))

    async def photo(self, seed: int = 0, data: Optional[bytes] = None) -> str:
        from tests.support import photo_bytes
        url = self.fake.add_photo(data if data is not None else photo_bytes(seed))
        return await self.send(self.event("image", photo_url=url))

    async def tap(self, label_part: str) -> str:
        return await self.say(typed_answer(self.shown, label_part))

    async def act(self, action: str) -> Optional[str]:
        """One transcript step; None for steps Zalo users cannot take (sending a file)."""
        if action.startswith("tap:"):
            return await self.tap(action[4:])
        if action.startswith("photo:"):
            return await self.photo(seed=int(action[6:]))
        if action == "sticker":
            return await self.send(self.event("sticker", sticker="0e078a2fb66a5f34067b"))
        if action == "document":
            return None  # the Bot API delivers no file events
        return await self.say(action)


async def settle(fake: FakeZaloBotApi, bot, webhook: bool, offset: int = 0,
                 timeout: float = 15.0) -> None:
    """Until every pushed update reached the bot and every reply was sent. `offset` is
    fake.delivered - bot.received when both were last idle (a new bot starts from 0)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        arrived = webhook or (fake.delivered == fake.expected
                               and bot.received + offset == fake.delivered)
        if arrived and not bot.busy:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the Zalo bot did not finish in time")
