"""Telegram chat changes the office must not miss: a group upgraded to a supergroup (new chat
id: the unit binding follows it) and the bot removed from a group (the binding goes inactive and
the office digest lists it)."""
from __future__ import annotations

import asyncio
import logging
from typing import Optional

from sqlalchemy.engine import Engine
from telegram import ChatMember, Update

from storage import repo
from storage.clock import utcnow
from storage.db import session_scope

log = logging.getLogger(__name__)

GONE = (ChatMember.LEFT, ChatMember.BANNED)


def chat_change(update: Update, bot_id: Optional[int]) -> Optional[tuple[str, str, str]]:
    """("migrate", old id, new id), ("removed", chat id, ""), or None."""
    message = update.message
    if message is not None:
        if message.migrate_to_chat_id:
            return "migrate", str(message.chat.id), str(message.migrate_to_chat_id)
        if message.migrate_from_chat_id:
            return "migrate", str(message.migrate_from_chat_id), str(message.chat.id)
        left = message.left_chat_member
        if left is not None and bot_id is not None and left.id == bot_id:
            return "removed", str(message.chat.id), ""
    member = update.my_chat_member
    if (member is not None and member.chat.type != "private"
            and member.new_chat_member.status in GONE):
        return "removed", str(member.chat.id), ""
    return None


async def apply_chat_change(engine: Engine, change: tuple[str, str, str]) -> None:
    await asyncio.to_thread(_apply, engine, change)


def _apply(engine: Engine, change: tuple[str, str, str]) -> None:
    kind, chat_id, new_id = change
    with session_scope(engine) as s:
        if kind == "migrate":
            n = repo.move_chat(s, "telegram", chat_id, new_id)
            log.info("telegram chat %s migrated to %s: %d binding(s) moved", chat_id, new_id, n)
        else:
            n = repo.chat_removed(s, "telegram", chat_id, utcnow())
            log.info("bot removed from telegram chat %s: %d binding(s) inactive", chat_id, n)
