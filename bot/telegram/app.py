"""The PTB Application that feeds every update to the neutral core."""
from __future__ import annotations

import asyncio
import logging
from typing import Optional

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes, TypeHandler
from telegram.request import BaseRequest

from bot.bootstrap import set_telegram_username
from bot.outbox import Sender, deliver_replies
from bot.settings import Settings
from bot.telegram.chat_events import apply_chat_change, chat_change
from bot.telegram.convert import to_incoming
from bot.telegram.sender import TelegramSender
from handlers.dispatch import handle
from handlers.services import Services

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]


async def _answer(sender: TelegramSender, query_id: str) -> None:
    try:
        await sender.answer_button(query_id)
    except TelegramError:  # an old button: the core still answers
        pass


class TelegramBot:
    def __init__(self, settings: Settings, services: Services,
                 request: Optional[BaseRequest] = None,
                 shared_senders: Optional[dict[str, Sender]] = None):
        api = settings.telegram_api_url.rstrip("/")
        builder = (Application.builder()
                   .token(settings.telegram_bot_token.get_secret_value())
                   .base_url(f"{api}/bot").base_file_url(f"{api}/file/bot"))
        if request is not None:
            builder = builder.request(request).get_updates_request(request)
        self.app = builder.build()
        self.services = services
        self.sender = TelegramSender(self.app.bot)
        # Other platforms' senders, for replies bound elsewhere (a unit's Zalo OA group...).
        self.senders = shared_senders if shared_senders is not None else {}
        self.app.add_handler(TypeHandler(Update, self.on_update))
        self.app.add_error_handler(self.on_error)

    async def initialize(self) -> None:
        """getMe, and deep links from the bot's username unless a setting names it."""
        await self.app.initialize()
        if "telegram" not in self.services.deep_links:
            set_telegram_username(self.services, self.app.bot.username)

    async def start_polling(self) -> None:
        await self.initialize()
        await self.app.start()
        await self.app.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
        log.info("Telegram bot @%s is polling", self.app.bot.username)

    async def stop(self) -> None:
        if self.app.updater and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.handle(update)

    async def handle(self, update: Update, claim=None, answer_callback: bool = True) -> None:
        """Translate the update, let the core handle it, deliver its replies. `claim` replaces
        the core's processed-update claim; a webhook that answered the button itself passes
        answer_callback=False."""
        change = chat_change(update, self._bot_id())
        if change is not None:
            await apply_chat_change(self.services.engine, change)
            return
        answering = None
        if update.callback_query is not None and answer_callback:  # stops the spinner
            answering = asyncio.ensure_future(_answer(self.sender, update.callback_query.id))
        msg = to_incoming(update, self.app.bot)
        if msg is None:
            if answering is not None:
                await answering
            return
        try:
            replies = await handle(msg, self.services, claim)
            await deliver_replies(msg, replies, self.sender, self.senders)
        finally:
            if answering is not None:
                await answering

    def _bot_id(self) -> Optional[int]:
        try:
            return self.app.bot.id
        except RuntimeError:  # getMe not called yet
            return None

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("error while handling an update", exc_info=context.error)

