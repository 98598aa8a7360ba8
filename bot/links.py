"""Join codes and the links that open the bot's private chat with them."""
from __future__ import annotations

from sqlmodel import Session

from bot.settings import Settings
from storage import repo

# Same identifiers as the import header, so scripts can join the two files.
CODES_HEADER = ["code", "name", "join_code", "telegram_link", "zalo_link"]


def telegram_username(settings: Settings) -> str:
    """The bot's username from TELEGRAM_BOT_USERNAME, else from getMe when a token is set."""
    if settings.telegram_bot_username:
        return settings.telegram_bot_username.lstrip("@")
    if not settings.telegram_bot_token:
        return ""
    import asyncio

    from telegram import Bot
    api = settings.telegram_api_url.rstrip("/")

    async def get_me() -> str:
        async with Bot(settings.telegram_bot_token.get_secret_value(), base_url=f"{api}/bot") as bot:
            return bot.username
    return asyncio.run(get_me())


def join_links(s: Session, settings: Settings) -> tuple[list[str], list[list[str]]]:
    username = telegram_username(settings)
    rows = []
    for unit, _ in repo.tree_order(repo.all_units(s)):
        link = f"https://t.me/{username}?start={unit.join_code}" if username else ""
        # Zalo chat links carry no payload: the cadre opens the chat and types the join code.
        rows.append([unit.code, unit.name, unit.join_code, link, settings.zalo_bot_link])
    return CODES_HEADER, rows
