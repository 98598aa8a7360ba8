"""`fieldreport serve --workers 2` as operators run it: gunicorn, two processes, one database."""
import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.bootstrap import open_database
from bot.settings import Settings
from bot.web.app import telegram_secret
from storage import repo, web as webdb
from storage.clock import utcnow
from storage.db import session_scope
from tests.console_support import csrf_of
from tests.fake_telegram_api import TOKEN, FakeBotApi
from tests.fake_zalo import free_port
from tests.serve_support import wait_for
from tests.support import make_org
from tests.telegram_fake import Updates

ROOT = Path(__file__).resolve().parent.parent


class RecordingBotApi(FakeBotApi):
    def __init__(self):
        super().__init__()
        self.webhooks: list[dict] = []

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["method"] == "setWebhook":
            params = await request.json() if request.content_type == "application/json" \
                else dict(await request.post())
            self.webhooks.append(params)
        return await super()._handle(request)


async def console_works_in_every_worker(base: str, db_url: str) -> None:
    """Log in to the office console and use it over fresh connections, which gunicorn hands to
    either worker: every one must read the others' session cookies (one shared key)."""
    engine = open_database(db_url)
    with session_scope(engine) as s:
        repo.add_admin(s, "telegram", "6161", None)
        token = webdb.issue_login_token(s, "telegram", "6161", utcnow())

    async def get(path: str, cookie: str = "", **kw):
        # A new connection each time; cookies by hand (the console's are Secure, we speak HTTP).
        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar(),
                                         connector=aiohttp.TCPConnector(force_close=True)) as c:
            method = c.post if "data" in kw else c.get
            async with method(base + path, headers={"Cookie": f"fr_console={cookie}"},
                              allow_redirects=False, **kw) as resp:
                return resp.status, await resp.text(), resp.cookies.get("fr_console")
    status, page, cookie = await get(f"/dang-nhap/{token}")
    assert status == 200
    status, _, cookie = await get(f"/dang-nhap/{token}", cookie.value,
                                  data={"csrf": csrf_of(page)})
    assert status == 303, "login refused (a worker could not read another's cookie?)"
    for _ in range(12):
        status, page, _ = await get("/", cookie.value)
        assert status == 200 and "Tổng quan" in page
    engine.dispose()


async def test_serve_with_two_workers_answers_webhooks_and_stops_on_sigterm(db_url, tmp_path):
    org = make_org(open_database(db_url))
    api = RecordingBotApi()
    await api.start()
    port = free_port()
    env = {**os.environ, "DATABASE_URL": db_url, "MEDIA_DIR": str(tmp_path / "media"),
           "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api.url,
           "PUBLIC_URL": "https://bot.example.test", "LISTEN": f"127.0.0.1:{port}",
           "REMINDERS_ENABLED": "false", "LOG_FORMAT": "json", "LOG_LEVEL": "INFO"}
    for name in ("ZALO_BOT_TOKEN", "ZALO_OA_APP_ID", "TELEGRAM_WEBHOOK_SECRET"):
        env.pop(name, None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "serve", "--workers", "2", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    secret = telegram_secret(Settings(_env_file=None, TELEGRAM_BOT_TOKEN=TOKEN))
    user = Updates.user(5151, "Hoa")
    try:
        async with aiohttp.ClientSession() as http:
            async def healthy() -> bool:
                try:
                    async with http.get(f"{base}/healthz") as resp:
                        return resp.status == 200
                except aiohttp.ClientError:
                    return False
            for _ in range(300):
                if proc.returncode is not None or await healthy():
                    break
                await asyncio.sleep(0.1)
            assert proc.returncode is None, (await proc.stderr.read()).decode()[-3000:]
            assert api.webhooks, "setWebhook was not called"
            hook = api.webhooks[0]
            assert hook["url"] == "https://bot.example.test/telegram/webhook"
            assert hook["secret_token"] == secret
            assert "my_chat_member" in json.loads(hook["allowed_updates"]) \
                if isinstance(hook["allowed_updates"], str) else hook["allowed_updates"]
            assert int(hook["max_connections"]) == 40
            updates = Updates()
            for text in (f"/start {org['CD-A1'].join_code}", "/baocao"):
                async with http.post(f"{base}/telegram/webhook", json=updates.text(user, text),
                                     headers={"X-Telegram-Bot-Api-Secret-Token": secret}) as r:
                    assert r.status == 200
                await wait_for(lambda: len(api.texts("5151")) >= (1 if "start" in text else 2))
            async with http.post(f"{base}/telegram/webhook", json=updates.text(user, "x"),
                                 headers={"X-Telegram-Bot-Api-Secret-Token": "nope"}) as r:
                assert r.status == 403
            await console_works_in_every_worker(base, db_url)
        assert (tmp_path / "console-secret.key").is_file()  # made once, before the fork
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(proc.communicate(), 40)
        await api.stop()
    assert proc.returncode == 0, err.decode()[-3000:]
    assert "đã tham gia Chi đoàn ấp 1" in api.texts("5151")[0]
    assert "nhiệm vụ nào" in api.texts("5151")[1]
    log = err.decode()
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
    lines = [line for line in log.splitlines() if line.strip()]
    events = [json.loads(line) for line in lines]  # every line is one JSON event
    assert any("web application ready" in e["message"] for e in events)
    assert any(e["logger"].startswith("gunicorn") for e in events)
