"""Neutral Reply -> Zalo Bot API sendMessage calls; errors mean what bot/zalo/errors.py says.

Zalo bots have no buttons, no file upload and send photos only by public URL:
menus become numbered lines (bot/textrender.py), a Reply.photo (a local file) is not sent,
a note says so, and a Reply.document becomes a short explanation.
"""
from __future__ import annotations

import logging

from bot.textrender import render_text, split_text
from bot.zalo import texts
from bot.zalo.client import TEXT_LIMIT, ZaloClient, ZaloError
from bot.zalo.errors import Api, classify, send_error
from handlers.messages import Reply

log = logging.getLogger(__name__)


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

    async def send(self, chat_id: str, reply: Reply, start: int = 0) -> None:
        """Send the reply's pieces from `start` on; an error carries how many arrived."""
        if reply.photo is not None:
            log.info("photo %s not sent to Zalo chat %s: the Bot API only takes public URLs",
                     reply.photo.name, chat_id)
        sent = start
        try:
            for piece in render(reply)[start:]:
                await self.client.send_message(chat_id, piece)
                sent += 1
        except ZaloError as exc:
            meaning = classify(Api.BOT, exc.status, exc.code)
            raise send_error(meaning, str(exc), sent) from None
