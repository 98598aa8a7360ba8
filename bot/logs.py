"""Logging for the servers: one line per event, JSON with LOG_FORMAT=json, secrets masked.

Bot tokens travel in Bot API URLs (`/bot<token>/sendMessage`); any secret from the settings
that still reaches a log record is replaced by "***" before it is written.
"""
from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone

from bot.settings import Settings

SECRET_FIELDS = ("telegram_bot_token", "zalo_bot_token", "zalo_webhook_secret",
                 "telegram_webhook_secret", "zalo_oa_app_secret", "zalo_oa_secret_key",
                 "zalo_oa_refresh_token")
QUIET = ("httpx", "httpcore", "telegram", "apscheduler", "alembic", "aiohttp.access")


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: list[str]):
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        clean = message
        for secret in self.secrets:
            clean = clean.replace(secret, "***")
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            for secret in self.secrets:
                record.exc_text = record.exc_text.replace(secret, "***")
        if clean != message:
            record.msg, record.args = clean, None
        return True


class JsonLines(logging.Formatter):
    """{"time", "level", "logger", "message", "exc"?}: one JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
                 "level": record.levelname, "logger": record.name,
                 "message": record.getMessage(), "pid": record.process}
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


class OneLine(logging.Formatter):
    """Text logs whose tracebacks stay on the event's line (escaped line breaks)."""

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace("\n", "\\n")


def secrets_of(settings: Settings) -> list[str]:
    values = []
    for name in SECRET_FIELDS:
        value = getattr(settings, name, None)
        if value is not None:
            values.append(value.get_secret_value())
    return values


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_format.lower() == "json":
        handler.setFormatter(JsonLines())
    else:
        handler.setFormatter(OneLine("%(asctime)s %(levelname)s %(process)d %(name)s: "
                                     "%(message)s"))
    handler.addFilter(RedactSecrets(secrets_of(settings)))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
