"""Neutral Reply -> Zalo Bot API sendMessage calls, with the outbox's error mapping.

Zalo bots have no buttons, no file upload and send photos only by public URL:
menus become numbered lines (bot/textrender.py), a Reply.photo (a local file) is not sent,
a note says so, and a Reply.document becomes a short explanation.
"""
from __future__ import annotations

import logging

from bot.outbox import ChatUnavailable, RetryLater, SendError
from bot.textrender import render_text, split_text
from bot.zalo import texts
from bot.zalo.client import TEXT_LIMIT, ZaloClient, ZaloError, ZaloRateLimited
from handlers.messages import Reply

log = logging.getLogger(__name__)

# Error codes of the Bot API that mean the chat cannot be reached (docs: 404 "Not found").
GONE_CODES = {404}
GONE_PHRASES = ("not found", "blocked", "not exist", "no permission", "forbidden")


def render(reply: Reply) -> list[str]:
    """The messages, each at most 2,000 characters, that show this reply on Zalo."""
    text = render_text(reply)
    if reply.photo is not None:
        text = f"{text}\n{texts.NO_PHOTO}" if text else texts.NO_PHOTO
    if reply.document is not None:
        note = texts.NO_FILES.format(name=reply.document.name)
        text = f"{text}\n{note}" if text else note
    return [piece for piece in split_text(text, TEXT_LIMIT) if piece.strip()]


class ZaloSender:
    """The outbox Sender for Zalo private chats (reminders reach cadres here)."""

    platform = "zalo"

    def __init__(self, client: ZaloClient):
        self.client = client

    async def send(self, chat_id: str, reply: Reply) -> None:
        if reply.photo is not None:
            log.info("photo %s not sent to Zalo chat %s: the Bot API only takes public URLs",
                     reply.photo.name, chat_id)
        try:
            for piece in render(reply):
                await self.client.send_message(chat_id, piece)
        except ZaloRateLimited as exc:
            raise RetryLater(exc.retry_after, str(exc)) from None
        except ZaloError as exc:
            if exc.code in GONE_CODES or any(p in exc.description.lower() for p in GONE_PHRASES):
                raise ChatUnavailable(str(exc)) from None
            raise SendError(str(exc)) from None
