"""Typed keys of what the web application keeps (aiohttp AppKey)."""
from __future__ import annotations

from typing import Any, Callable

from aiohttp import web
from sqlalchemy.engine import Engine

ENGINE = web.AppKey("engine", Engine)
CLOCK = web.AppKey("clock", Callable)
SETTINGS = web.AppKey("settings", Any)
SERVICES = web.AppKey("services", Any)
SENDERS = web.AppKey("senders", dict)
TELEGRAM = web.AppKey("telegram", Any)
INBOX = web.AppKey("inbox", Any)
ZALO = web.AppKey("zalo", Any)
WORKER = web.AppKey("worker", Any)
ZALO_INBOXES = web.AppKey("zalo_inboxes", list)
