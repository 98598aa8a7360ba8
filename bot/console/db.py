"""Database work for pages runs in a thread, so a slow query never holds up the event loop."""
from __future__ import annotations

import asyncio
from typing import Callable, TypeVar

from aiohttp import web

from storage.db import session_scope

T = TypeVar("T")
APP_SERVICES = web.AppKey("console_services", object)
APP_SETTINGS = web.AppKey("console_settings", object)


async def run_db(request: web.Request, work: Callable[..., T]) -> T:
    """`work(session)` in one transaction, off the event loop."""
    svc = request.app[APP_SERVICES]

    def in_thread():
        with session_scope(svc.engine) as s:
            return work(s)
    return await asyncio.to_thread(in_thread)
