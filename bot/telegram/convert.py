"""Telegram Update -> neutral Incoming."""
from __future__ import annotations

from typing import Optional

from telegram import Bot, Update

from handlers.messages import Incoming
from handlers.textutil import parse_command


def to_incoming(update: Update, bot: Bot) -> Optional[Incoming]:
    """The neutral message for an update, or None for updates the core does not handle."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or user.is_bot or chat.type == "channel":
        return None
    base = dict(platform="telegram", chat_id=str(chat.id), user_id=str(user.id),
                update_key=str(update.update_id), user_name=user.full_name or "",
                chat_type="private" if chat.type == "private" else "group",
                chat_title=chat.title or "")
    if update.callback_query is not None:
        tapped = update.callback_query.message
        return Incoming(kind="choice", choice=update.callback_query.data or "",
                        message_id=str(tapped.message_id) if tapped else "", **base)
    message = update.message
    if message is None:  # edits, member updates...: nothing to answer
        return None
    if message.text is not None:
        command = parse_command(message.text, bot.username or "")
        if command is not None:
            return Incoming(kind="command", text=message.text, command=command[0],
                            args=command[1], **base)
        if message.text.startswith("/"):
            return None  # a command for another bot in a group
        return Incoming(kind="text", text=message.text, **base)
    if message.photo:
        file_id = message.photo[-1].file_id  # the largest size

        async def load_photo() -> bytes:
            file = await bot.get_file(file_id)
            return bytes(await file.download_as_bytearray())
        # The caption, as on Zalo: the core offers it for the step it can answer.
        return Incoming(kind="photo", text=message.caption or "", load_photo=load_photo,
                        **base)
    if message.sticker is not None:
        return Incoming(kind="sticker", **base)
    if message.document is not None:
        return Incoming(kind="document", **base)
    if message.new_chat_members or message.left_chat_member or message.group_chat_created:
        return None
    return Incoming(kind="other", **base)
