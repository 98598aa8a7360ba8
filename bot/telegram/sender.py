"""Neutral Reply -> Bot API calls: inline keyboards, photos, documents, error mapping."""
from __future__ import annotations

from datetime import timedelta

from telegram import Bot, ForceReply, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter

from bot.outbox import ChatUnavailable, RetryLater
from bot.telegram.request import JsonRequestData
from bot.textrender import split_text
from handlers.messages import Reply

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
GONE_PHRASES = ("chat not found", "bot was kicked", "user is deactivated", "group chat was upgraded",
                "have no rights to send")


def keyboard_json(reply: Reply) -> dict | None:
    """The inline keyboard as Bot API JSON: buttons two to a row for long menus, else one row."""
    if not reply.choices:
        return None
    buttons = [{"text": c.label, "url": c.url} if c.url
               else {"text": c.label, "callback_data": c.data[:64]} for c in reply.choices]
    per_row = 2 if len(buttons) > 3 else len(buttons)
    return {"inline_keyboard": [buttons[i:i + per_row] for i in range(0, len(buttons), per_row)]}


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """The same keyboard as a PTB object, for the calls that go through PTB's methods."""
    markup = keyboard_json(reply)
    return InlineKeyboardMarkup.de_json(markup, None) if markup else None


class TelegramSender:
    platform = "telegram"

    def __init__(self, bot: Bot):
        self.bot = bot

    async def send(self, chat_id: str, reply: Reply) -> None:
        try:
            await self._send(chat_id, reply)
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            raise RetryLater(seconds) from exc
        except Forbidden as exc:
            raise ChatUnavailable(str(exc)) from exc
        except BadRequest as exc:
            if any(p in str(exc).lower() for p in GONE_PHRASES):
                raise ChatUnavailable(str(exc)) from exc
            raise

    async def _send(self, chat_id: str, reply: Reply) -> None:
        if reply.edit_of is not None and reply.edit_of[0] == self.platform:
            await self._edit(reply, keyboard(reply))
            return
        if reply.photo is not None or reply.document is not None:
            markup = keyboard(reply)
            if markup is None and reply.force_reply:
                markup = ForceReply(selective=False)
            caption = reply.text[:CAPTION_LIMIT] if reply.text else None
            with open(reply.photo or reply.document, "rb") as f:
                if reply.photo is not None:
                    await self.bot.send_photo(chat_id, f, caption=caption, reply_markup=markup)
                else:
                    await self.bot.send_document(chat_id, f, caption=caption, reply_markup=markup,
                                                 filename=reply.document.name)
            return
        markup = keyboard_json(reply)
        if markup is None and reply.force_reply:
            markup = {"force_reply": True, "selective": False}
        pieces = split_text(reply.text, TEXT_LIMIT)
        for i, piece in enumerate(pieces):
            params = {"chat_id": chat_id, "text": piece}
            if markup is not None and i == len(pieces) - 1:
                params["reply_markup"] = markup
            await self._send_text(params)

    async def answer_button(self, query_id: str) -> None:
        """answerCallbackQuery (stops the button's spinner), the same lean way as _send_text."""
        await self.bot.request.post(f"{self.bot.base_url}/answerCallbackQuery",
                                    request_data=JsonRequestData({"callback_query_id": query_id}))

    async def _send_text(self, params: dict) -> None:
        """sendMessage through the bot's request object (its errors and its transport) without
        turning the answer into a Message object nobody reads: on a busy server that parsing
        cost more CPU than the dialog step's database work (py-spy, webhook_load.py)."""
        await self.bot.request.post(f"{self.bot.base_url}/sendMessage",
                                    request_data=JsonRequestData(params))

    async def _edit(self, reply: Reply, markup: InlineKeyboardMarkup | None) -> None:
        """editMessageText; an unchanged text is not an error (a repeated edit)."""
        _, chat_id, message_id = reply.edit_of
        try:
            await self.bot.edit_message_text(split_text(reply.text, TEXT_LIMIT)[0],
                                             chat_id=chat_id, message_id=int(message_id),
                                             reply_markup=markup)
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                raise
