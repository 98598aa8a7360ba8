"""The console beside other routes on one server (as `serve` and `run` mount it)."""
from __future__ import annotations

from aiohttp import CookieJar, web
from aiohttp.test_utils import TestClient, TestServer

from bot.console import console_app, mount_console
from tests.console_support import add_staff, console_settings, log_in


async def test_console_shares_a_server_with_webhooks(services, org, tmp_path):
    add_staff(services.engine, "900")
    parent = web.Application()
    hits = []

    async def webhook(request):
        hits.append(await request.json())
        return web.json_response({"ok": True})
    parent.router.add_post("/zalo/webhook", webhook)
    parent.router.add_get("/healthz", lambda request: web.json_response({"database": "ok"}))
    mount_console(parent, console_app(services, console_settings(tmp_path)))
    client = TestClient(TestServer(parent, host="127.0.0.1"), cookie_jar=CookieJar(unsafe=True))
    await client.start_server()
    try:
        # Webhook POSTs carry no CSRF token and get no console headers or redirects.
        answer = await client.post("/zalo/webhook", json={"event_name": "x"})
        assert answer.status == 200 and hits == [{"event_name": "x"}]
        assert "Content-Security-Policy" not in answer.headers
        assert (await client.get("/healthz")).status == 200
        assert (await client.get("/", allow_redirects=False)).status == 302
        await log_in(client, services, "900")
        assert "Tổng quan" in await (await client.get("/")).text()
        assert (await client.get("/static/console.css")).status == 200
        assert (await client.get("/khong-co")).status == 404
    finally:
        await client.close()


async def test_run_serves_the_console_on_listen(services, org, tmp_path, monkeypatch):
    """`fieldreport run` without a Zalo webhook starts its own listener for the console."""
    import asyncio
    import socket

    import aiohttp

    from bot import runner
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    settings = console_settings(tmp_path)
    settings.listen = f"127.0.0.1:{port}"
    settings.zalo_bot_token = "1:x"
    settings.reminders_enabled = False

    class FakeZalo:
        def __init__(self, *args, **kwargs):
            self.senders, self.console, self.console_mounted = {"zalo": object()}, None, False

        async def start(self):
            pass

        async def stop(self):
            pass
    import bot.zalo.app
    monkeypatch.setattr(bot.zalo.app, "ZaloApp", FakeZalo)
    monkeypatch.setattr(runner, "build_services", lambda _settings: services)
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run_bots(settings, stop))
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(50):
                try:
                    async with http.get(f"http://127.0.0.1:{port}/dang-nhap") as page:
                        assert page.status == 200
                        assert "/web" in await page.text()
                        break
                except aiohttp.ClientConnectorError:
                    await asyncio.sleep(0.1)
            else:
                raise AssertionError("the console did not start")
    finally:
        stop.set()
        await task
