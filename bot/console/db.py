"""Database work for pages runs in a thread, so a slow query never holds up the event loop;
files (workbooks, the báo cáo, join sheets) are written in threads of their own."""
from __future__ import annotations

import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor
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


# `serve` keeps few database threads per process (bot/web/app.py, DB_THREADS): a file taking
# tens of seconds to write must not hold one, or a few offices exporting at once would stop
# every cadre's dialog in that process. Files wait for one of these threads instead.
FILE_THREADS = 2
_files = ThreadPoolExecutor(max_workers=FILE_THREADS, thread_name_prefix="files")


async def write_file(work: Callable[..., T], *args, **kwargs) -> T:
    """`work(*args, **kwargs)` in a file-writing thread."""
    return await asyncio.get_running_loop().run_in_executor(
        _files, functools.partial(work, *args, **kwargs))
