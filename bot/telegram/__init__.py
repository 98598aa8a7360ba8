"""Telegram adapter on python-telegram-bot: updates in, Bot API calls out."""
