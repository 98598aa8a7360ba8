"""The bare baseline of webhook_load.py: an aiohttp Telegram webhook that checks the secret,
commits the update id to PostgreSQL (one INSERT, one commit), answers 200, then replies
"Đã nhận" with one sendMessage. Run by gunicorn with aiohttp's worker, like `fieldreport serve`.

    BARE_DATABASE_URL=... BARE_API_URL=... BARE_SECRET=... \
        gunicorn benchmarks.bare_webhook:create_app -k aiohttp.GunicornWebWorker -w 2
"""
from __future__ import annotations

import asyncio
import os

import aiohttp
from aiohttp import web
from sqlalchemy import create_engine, text

DB = web.AppKey("db", object)
HTTP = web.AppKey("http", aiohttp.ClientSession)
TASKS = web.AppKey("tasks", set)


async def create_app() -> web.Application:
    url = os.environ["BARE_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    api = os.environ["BARE_API_URL"].rstrip("/") + "/bot" + os.environ["BARE_TOKEN"]
    secret = os.environ["BARE_SECRET"]
    engine = create_engine(url, pool_size=10)
    app = web.Application()
    app[DB], app[TASKS] = engine, set()

    def commit(update_id: int) -> None:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO bare_update (update_id) VALUES (:id) "
                              "ON CONFLICT DO NOTHING"), {"id": update_id})

    async def reply(chat_id: int) -> None:
        async with app[HTTP].post(f"{api}/sendMessage",
                                  json={"chat_id": chat_id, "text": "Đã nhận"}) as resp:
            await resp.read()

    async def webhook(request: web.Request) -> web.Response:
        if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != secret:
            return web.Response(status=403)
        update = await request.json()
        await asyncio.to_thread(commit, update["update_id"])
        part = update.get("message") or update.get("callback_query")
        chat = (part.get("message") or part)["chat"]["id"] if "data" in part \
            else part["chat"]["id"]
        task = asyncio.create_task(reply(chat))
        app[TASKS].add(task)
        task.add_done_callback(app[TASKS].discard)
        return web.json_response({"ok": True})

    async def open_http(_app) -> None:
        _app[HTTP] = aiohttp.ClientSession()

    async def close(_app) -> None:
        if _app[TASKS]:
            await asyncio.wait(set(_app[TASKS]), timeout=10)
        await _app[HTTP].close()
        engine.dispose()
    app.on_startup.append(open_http)
    app.on_shutdown.append(close)
    app.router.add_post("/telegram/webhook", webhook)
    return app
