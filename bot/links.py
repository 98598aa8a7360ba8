"""Join codes and the links that open the bot's private chat with them, for the join sheet."""
from __future__ import annotations

from sqlmodel import Session

from bot.settings import Settings
from exports.join_sheet import Channel, JoinCard, JoinSheet
from storage import repo

TELEGRAM = Channel("Telegram", "Quét mã, mở Telegram, bấm «Bắt đầu» (Start) là vào "
                               "đơn vị.")
# The Zalo Bot API documents no start payload on a bot's chat link (unlike Telegram's
# ?start=), so every unit shares one link and the cadre sends the join code, which joins.
ZALO = Channel("Zalo", "Quét mã bằng Zalo (mã chung cho mọi đơn vị), rồi gửi cho bot "
                       "mã {join_code}.", shared=True)
NO_TELEGRAM = ("Chưa đặt TELEGRAM_BOT_USERNAME (hoặc TELEGRAM_BOT_TOKEN) trong .env, nên cột "
               "«Liên kết Telegram» để trống và thẻ không có mã QR Telegram.")
NO_ZALO = ("Chưa đặt ZALO_BOT_LINK (liên kết trò chuyện với bot Zalo) trong .env, nên cột "
           "«Liên kết Zalo» để trống và thẻ không có mã QR Zalo.")


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


def join_sheet(s: Session, settings: Settings) -> JoinSheet:
    """Every active unit in tree order, with its Telegram deep link and the Zalo bot's link."""
    username = telegram_username(settings)
    zalo_link = settings.zalo_bot_link.strip()
    cards = []
    for unit, _ in repo.tree_order(repo.all_units(s)):
        telegram = f"https://t.me/{username}?start={unit.join_code}" if username else ""
        cards.append(JoinCard(unit.code, unit.name, unit.join_code, (telegram, zalo_link)))
    warnings = [text for text, present in ((NO_TELEGRAM, username), (NO_ZALO, zalo_link))
                if not present]
    return JoinSheet([TELEGRAM, ZALO], cards, warnings)
