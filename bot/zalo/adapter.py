"""Zalo events -> neutral Incoming -> the core -> replies delivered, for polling and webhook alike.

Event shape (Bot API docs, getUpdates and webhook): {"event_name": "message.text.received",
"message": {"message_id", "date", "text" | "photo_url"/"photo", "from": {"id", "display_name"},
"chat": {"id", "chat_type": "PRIVATE" | "GROUP"}}}, possibly wrapped in {"ok", "result"}.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Awaitable, Callable, Optional, Union

from bot.outbox import Sender, deliver_replies
from bot.zalo.client import ZaloClient, ZaloError
from handlers.dispatch import handle
from handlers.messages import Incoming, Reply
from handlers.services import Services
from handlers.textutil import parse_command
from storage import reminders as deliveries
from storage.db import session_scope

log = logging.getLogger(__name__)

PLATFORM = "zalo"
SEEN_MEMORY = 2000  # recent message ids kept to skip getUpdates repeats without a database trip
KINDS = {
    "message.text.received": "text",
    "message.image.received": "photo",
    "message.sticker.received": "sticker",
    "message.unsupported.received": "unsupported",
    "message.voice.received": "voice",
}
_LEADING_MENTION = re.compile(r"^@.*?\s(?=/)", re.S)  # "@Bot Báo cáo /dangky X" -> "/dangky X"


@dataclass(frozen=True)
class ZaloEvent:
    """The parts of one Zalo delivery the core needs, independent of the Zalo API it came from."""

    platform: str
    message_id: str
    chat_id: str
    user_id: str
    kind: str
    chat_type: str = "private"
    user_name: str = ""
    text: str = ""
    photo_url: str = ""


def unwrap(body: object) -> Optional[dict]:
    """The event itself, whether or not it is wrapped in {"ok": true, "result": {...}}."""
    if isinstance(body, dict) and "result" in body and "event_name" not in body:
        body = body["result"]
    return body if isinstance(body, dict) else None


def parse_bot_event(body: object) -> Optional[ZaloEvent]:
    """A Bot API event as a ZaloEvent; None for what the core does not handle."""
    event = unwrap(body)
    if not event or not isinstance(event.get("message"), dict):
        return None
    message = event["message"]
    sender = message.get("from") or {}
    chat = message.get("chat") or {}
    if sender.get("is_bot") or not chat.get("id"):
        return None
    kind = KINDS.get(str(event.get("event_name", "")), "other")
    photo = message.get("photo_url") or message.get("photo") or ""
    if isinstance(photo, dict):
        photo = photo.get("url") or ""
    if kind == "photo" and not photo:
        kind = "other"
    return ZaloEvent(
        platform=PLATFORM,
        message_id=str(message.get("message_id") or _fingerprint(event)),
        chat_id=str(chat["id"]),
        user_id=str(sender.get("id") or chat["id"]),
        kind=kind,
        chat_type="group" if str(chat.get("chat_type", "")).upper() == "GROUP" else "private",
        user_name=str(sender.get("display_name") or sender.get("first_name")
                      or sender.get("name") or ""),
        text=str(message.get("text") or message.get("caption") or ""),  # a photo's caption
        photo_url=str(photo) if kind == "photo" else "",
    )


def _fingerprint(event: dict) -> str:
    """A stable key for an event without a message id, so repeats are still recognised."""
    raw = json.dumps(event, sort_keys=True, ensure_ascii=False).encode()
    return "sha-" + hashlib.sha256(raw).hexdigest()[:40]


def to_incoming(event: ZaloEvent,
                load_photo: Optional[Callable[[], Awaitable[bytes]]] = None) -> Incoming:
    base = dict(platform=event.platform, chat_id=event.chat_id, user_id=event.user_id,
                update_key=event.message_id, chat_type=event.chat_type,
                user_name=event.user_name)
    if event.kind == "text":
        text = event.text
        if event.chat_type == "group":  # group messages reach the bot only with a mention
            text = _LEADING_MENTION.sub("", text, count=1)
        command = parse_command(text)
        if command is not None:
            return Incoming(kind="command", text=text, command=command[0], args=command[1],
                            **base)
        return Incoming(kind="text", text=text, **base)
    if event.kind == "photo":  # the caption rides along as text
        return Incoming(kind="photo", load_photo=load_photo, text=event.text, **base)
    return Incoming(kind=event.kind, **base)


Downloaded = Union[bytes, Exception]


class ZaloBot:
    """Feeds events to the core: photos fetched at once, one chat's events in arrival order,
    repeats skipped, replies delivered (to other platforms through `senders`)."""

    def __init__(self, services: Services, sender: Sender,
                 download: Callable[[str], Awaitable[bytes]],
                 senders: Optional[dict[str, Sender]] = None, window: bool = False):
        self.services, self.sender, self.download = services, sender, download
        self.window = window  # the platform takes messages only after the user writes (OA)
        self.senders = senders if senders is not None else {}
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task] = set()
        self.received = 0  # deliveries seen, repeats included

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    def submit(self, event: Optional[ZaloEvent]) -> Optional[asyncio.Task]:
        """Start handling an event now; None if it is nothing to handle or a recent repeat."""
        self.received += 1
        if event is None or event.message_id in self._seen:
            return None
        self._remember(event.message_id)
        photo = None
        if event.photo_url:  # links expire: start the download before waiting for our turn
            photo = asyncio.ensure_future(self._fetch(event.photo_url))
        task = asyncio.create_task(self._process(event, photo))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def drain(self, timeout: float = 30) -> None:
        """Wait for events in progress (at shutdown)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)

    def _remember(self, message_id: str) -> None:
        self._seen[message_id] = None
        while len(self._seen) > SEEN_MEMORY:
            self._seen.popitem(last=False)

    async def _fetch(self, url: str) -> Downloaded:
        try:
            return await self.download(url)
        except Exception as exc:  # handed to the core as an unreadable photo
            log.warning("could not download a Zalo photo: %s", type(exc).__name__)
            return exc

    async def _process(self, event: ZaloEvent, photo: Optional[asyncio.Future]) -> None:
        try:
            await self._run(event, photo)
        except Exception:
            self._seen.pop(event.message_id, None)  # a repeat may try again
            log.exception("error while handling Zalo message %s", event.message_id)

    async def handle_event(self, event: ZaloEvent, claim=None) -> None:
        """Handle an event stored by the webhook (bot/web/inbox.py) now; `claim` marks the
        stored row handled in the step's own transaction. Errors reach the caller, which
        tries again later."""
        photo = asyncio.ensure_future(self._fetch(event.photo_url)) if event.photo_url else None
        await self._run(event, photo, claim)

    async def _run(self, event: ZaloEvent, photo: Optional[asyncio.Future], claim=None) -> None:
        lock = self._locks.setdefault(f"{event.platform}:{event.chat_id}", asyncio.Lock())
        async with lock:  # asyncio locks are fair: a chat's events keep their order
            msg = to_incoming(event, _loader(photo) if photo is not None else None)
            replies = await handle(msg, self.services, claim)
            await self.deliver_all(msg, replies)
            if self.window and event.chat_type == "private":
                await asyncio.to_thread(self._window_opened, event)

    def _window_opened(self, event: ZaloEvent) -> None:
        """The cadre wrote, so the OA may message them again: reminders that waited go now
        (the delivery worker picks them up within its poll)."""
        with session_scope(self.services.engine) as s:
            if deliveries.reopen_outside_window(s, event.platform, event.chat_id,
                                                self.services.clock()):
                log.info("window open again for %s:%s", event.platform, event.chat_id)

    async def deliver_all(self, msg: Incoming, replies: list[Reply]) -> None:
        await deliver_replies(msg, replies, self.sender, self.senders)


def _loader(photo: asyncio.Future) -> Callable[[], Awaitable[bytes]]:
    async def load() -> bytes:
        result = await photo
        if isinstance(result, Exception):
            raise result
        return result
    return load


async def poll(client: ZaloClient, bot: ZaloBot, stop: asyncio.Event, timeout: int = 30,
               error_pause: float = 5.0) -> None:
    """getUpdates until `stop` is set. The method has no offset and may repeat an update:
    the bot's memory and the core's exactly-once claim make repeats harmless."""
    while not stop.is_set():
        try:
            body = await client.get_updates(timeout=timeout)
        except ZaloError as exc:
            log.error("Zalo getUpdates failed: %s", exc)
            await _pause(stop, error_pause * (12 if exc.code == 401 else 1))
            continue
        if body is not None:
            bot.submit(parse_bot_event(body))


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except asyncio.TimeoutError:
        pass

