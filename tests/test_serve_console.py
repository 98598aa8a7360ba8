"""`fieldreport serve` with the office console mounted, and Zalo's webhook stored before the 200
like Telegram's (bot/web/inbox.py)."""
import asyncio
import threading
from contextlib import asynccontextmanager

import pytest
from aiohttp import CookieJar
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func
from sqlmodel import select

from bot.console.security import cookie_key
from bot.settings import Settings
from bot.web import keys
from bot.web.app import create_app
from bot.zalo.webhook import SECRET_HEADER as ZALO_SECRET_HEADER, derived_secret
from storage.db import session_scope
from storage.models import Member
from storage.serving import InboundUpdate
from tests.console_support import add_report, add_staff, csrf, log_in
from tests.fake_zalo import TOKEN as ZALO_TOKEN, FakeZaloOa
from tests.serve_support import Server, serve_settings
from tests.support import photo_bytes
from tests.telegram_fake import Updates
from tests.serve_support import api, zalo_api  # noqa: F401  (shared fixtures)

PUBLIC = "https://bot.example.test"


@asynccontextmanager
async def console_served(api, services, clock, logged_in: bool = True):
    """`serve`'s application and a browser's client (logged in to the console as staff 900)."""
    add_staff(services.engine, "900")
    app = await create_app(serve_settings(api, PUBLIC_URL="http://127.0.0.1"), services,
                           clock=clock)
    client = TestClient(TestServer(app, host="127.0.0.1"), cookie_jar=CookieJar(unsafe=True))
    await client.start_server()
    try:
        if logged_in:
            await log_in(client, services, "900")
        yield app, client
    finally:
        await client.close()


async def test_serve_answers_the_console_beside_the_webhooks(api, services, clock, org):
    async with console_served(api, services, clock, logged_in=False) as (app, client):
        login = await client.get("/", allow_redirects=False)
        assert login.status == 302 and login.headers["Location"] == "/dang-nhap"
        assert "frame-ancestors 'none'" in login.headers["Content-Security-Policy"]
        # Webhooks and /healthz: no CSRF token asked, no console headers, no redirect.
        update = Updates().text(Updates.user(4242, "Lan"), f"/start {org['CD-A1'].join_code}")
        hook = await client.post("/telegram/webhook", json=update, headers={
            "X-Telegram-Bot-Api-Secret-Token": Server(app[keys.SETTINGS], services, clock).secret})
        assert hook.status == 200 and "Content-Security-Policy" not in hook.headers
        assert "Set-Cookie" not in hook.headers
        health = await client.get("/healthz")
        assert health.status == 200 and "X-Frame-Options" not in health.headers
        await log_in(client, services, "900")
        assert "Tổng quan" in await (await client.get("/")).text()
        forged = await client.post("/dang-xuat", data={}, allow_redirects=False)
        assert forged.status == 403  # console POSTs keep their CSRF check
        while app[keys.INBOX].in_flight:
            await asyncio.sleep(0.01)
        assert "đã tham gia" in api.texts("4242")[-1]


async def test_offices_exporting_at_once_do_not_stop_the_cadres_dialogs(api, services, clock,
                                                                        org, monkeypatch):
    """Files are written in threads of their own: with more exports still being written than
    the process has database threads, a cadre's step is answered at once."""
    from bot.console import exporting
    from bot.console.db import FILE_THREADS
    from bot.web.app import DB_THREADS
    release, writing = threading.Event(), []
    real_write = exporting._write

    def held_write(*args, **kwargs):
        writing.append(True)
        release.wait(10)
        return real_write(*args, **kwargs)
    monkeypatch.setattr(exporting, "_write", held_write)
    exports = []
    async with console_served(api, services, clock) as (app, client):
        try:
            token = await csrf(client, "/xuat")
            exports = [asyncio.ensure_future(client.post("/xuat", data={
                "csrf": token, "ky": "tuan_nay", "loai": "excel"})) for _ in range(DB_THREADS + 1)]
            for _ in range(500):
                if len(writing) >= FILE_THREADS:
                    break
                await asyncio.sleep(0.01)
            assert len(writing) == FILE_THREADS  # both file threads held, three exports waiting
            update = Updates().text(Updates.user(4242, "Lan"), f"/start {org['CD-A1'].join_code}")
            hook = await asyncio.wait_for(client.post("/telegram/webhook", json=update, headers={
                "X-Telegram-Bot-Api-Secret-Token": Server(app[keys.SETTINGS], services,
                                                          clock).secret}), 5)
            assert hook.status == 200
            while app[keys.INBOX].in_flight:
                await asyncio.sleep(0.01)
            assert "đã tham gia" in api.texts("4242")[-1]
            assert not any(e.done() for e in exports)  # the workbooks were all still being written
        finally:
            release.set()
            responses = await asyncio.gather(*exports)
    assert [r.status for r in responses] == [200] * (DB_THREADS + 1)
    assert len(writing) == DB_THREADS + 1


def period_forms(now):
    from datetime import timedelta

    from storage.clock import to_local
    today = to_local(now).date()
    return [{"ky": "tuan_nay"},
            {"ky": "khoang", "tu": f"{today - timedelta(days=9):%d/%m/%Y}",
             "den": f"{today + timedelta(days=1):%d/%m/%Y}"}]


@pytest.mark.parametrize("form", [0, 1], ids=["week", "range of days"])
async def test_a_large_console_export_under_serve_is_built_by_the_worker(
        api, services, clock, org, engine, monkeypatch, form):
    """Not in the web process (a year's workbook would hold it for tens of seconds): the job
    page follows a job `fieldreport worker` builds, and the file downloads from the page."""
    import io

    from openpyxl import load_workbook

    from bot.console import exporting
    from bot.worker import JobRunner
    from storage.serving import CONSOLE_EXPORT, Job
    monkeypatch.setattr(exporting, "SMALL_EXPORT", 1)
    for code in ("CD-A1", "CD-A2"):
        add_report(services, code)
    async with console_served(api, services, clock) as (app, client):
        start = await client.post("/xuat", data={
            "csrf": await csrf(client, "/xuat"), "loai": "excel",
            **period_forms(clock())[form]}, allow_redirects=False)
        assert start.status == 303
        job = start.headers["Location"]
        await asyncio.sleep(0.2)  # time enough for a workbook of two rows, were it built here
        state = await (await client.get(job + "/tien-do")).json()
        assert state == {"status": "running", "progress": 0, "error": ""}
        with session_scope(engine) as s:
            assert [j.kind for j in s.exec(select(Job))] == [CONSOLE_EXPORT]
        worker = JobRunner(app[keys.SERVICES], app[keys.SENDERS], settings=app[keys.SETTINGS])
        assert await worker.run_one() is True
        assert await worker.run_one() is False  # built once
        state = await (await client.get(job + "/tien-do")).json()
        assert state == {"status": "done", "progress": 100, "error": ""}
        book = load_workbook(io.BytesIO(await (await client.get(job + "/tep")).read()))
        assert "Tổng hợp" in book.sheetnames and book["Chi tiết"].max_row >= 3


async def test_a_console_export_that_fails_in_the_worker_says_so_on_its_page(
        api, services, clock, org, engine, monkeypatch):
    from bot.console import exporting
    from bot.worker import JobRunner
    from storage.serving import Job
    monkeypatch.setattr(exporting, "SMALL_EXPORT", 1)

    def broken_write(*args, **kwargs):
        raise ValueError("Đơn vị này chưa có báo cáo trong kỳ.")
    monkeypatch.setattr(exporting, "_write", broken_write)
    for code in ("CD-A1", "CD-A2"):
        add_report(services, code)
    async with console_served(api, services, clock) as (app, client):
        start = await client.post("/xuat", data={"csrf": await csrf(client, "/xuat"),
                                                  "loai": "excel", "ky": "tuan_nay"},
                                  allow_redirects=False)
        job = start.headers["Location"]
        worker = JobRunner(app[keys.SERVICES], app[keys.SENDERS], settings=app[keys.SETTINGS])
        assert await worker.run_one() is True
        assert await worker.run_one() is False  # failed for good, not retried in a loop
        state = await (await client.get(job + "/tien-do")).json()
        assert state == {"status": "failed", "progress": 0,
                         "error": "Đơn vị này chưa có báo cáo trong kỳ."}
        with session_scope(engine) as s:
            assert s.exec(select(Job)).one().status == "failed"


def test_processes_starting_together_share_one_console_key(tmp_path):
    """Several gunicorn workers may start at once without CONSOLE_SECRET_KEY: one key wins."""
    key_file = tmp_path / "data" / "console-secret.key"
    keys_made, start = [], threading.Barrier(8)

    def start_worker():
        start.wait()
        keys_made.append(cookie_key("", key_file))
    threads = [threading.Thread(target=start_worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys_made) == 8 and len(set(keys_made)) == 1 and len(keys_made[0]) == 32
    assert cookie_key("", key_file) == keys_made[0]  # and the next start reads it back
    assert [p.name for p in key_file.parent.iterdir()] == ["console-secret.key"]
    assert key_file.stat().st_mode & 0o777 == 0o600


def zalo_settings(zalo_api) -> Settings:
    return Settings(_env_file=None, ZALO_BOT_TOKEN=ZALO_TOKEN, ZALO_API_URL=zalo_api.url,
                    PUBLIC_URL=PUBLIC, REMINDERS_ENABLED="false")


async def zalo_post(server, body: dict) -> int:
    headers = {ZALO_SECRET_HEADER: derived_secret(ZALO_TOKEN)}
    async with server.client.post("/zalo/webhook", json=body, headers=headers) as resp:
        return resp.status


async def settle(inbox) -> None:
    while inbox.in_flight:
        await asyncio.sleep(0.01)


def stored(engine) -> int:
    with session_scope(engine) as s:
        return s.exec(select(func.count()).select_from(InboundUpdate)
                      .where(InboundUpdate.platform == "zalo")).one()


async def test_zalo_event_stored_before_a_crash_is_handled_once_after_restart(
        zalo_api, services, clock, org, engine):
    """A photo is stored first (its step downloads it): the process answers 200 (the event
    is committed) and dies before handling it."""
    crashed = await Server(zalo_settings(zalo_api), services, clock).start()
    [inbox] = crashed.app[keys.ZALO_INBOXES]
    never = asyncio.Event()

    async def dies_before_handling(payload, mark):
        await never.wait()
    inbox.handler = dies_before_handling
    assert await zalo_post(crashed, zalo_api.photo("z-5", photo_bytes(1))) == 200
    for task in list(inbox._tasks):  # SIGKILL: nothing more runs
        task.cancel()
    await crashed.stop()
    assert zalo_api.texts("z-5") == [] and stored(engine) == 1

    restarted = await Server(zalo_settings(zalo_api), services, clock).start()
    try:
        [inbox] = restarted.app[keys.ZALO_INBOXES]
        assert await inbox.recover() == 0  # its claim has not run out yet
        clock.advance(seconds=61)
        assert await inbox.recover() == 1
        await settle(inbox)
        clock.advance(seconds=120)
        assert await inbox.recover() == 0
    finally:
        await restarted.stop()
    texts = zalo_api.texts("z-5")
    assert len(texts) == 1 and "để báo cáo" in texts[0]


async def test_a_zalo_text_is_stored_and_handled_before_its_200(zalo_api, services, clock, org,
                                                               engine):
    """Like a Telegram text: when the 200 comes the step is committed with the stored event."""
    server = await Server(zalo_settings(zalo_api), services, clock).start()
    try:
        assert await zalo_post(server, zalo_api.text("z-7", f"/start {org['CD-B1'].join_code}")) \
            == 200
        with session_scope(engine) as s:
            row = s.exec(select(InboundUpdate).where(InboundUpdate.platform == "zalo")).one()
            members = s.exec(select(func.count()).select_from(Member)
                             .where(Member.user_id == "z-7")).one()
        assert row.handled_at is not None and members == 1
        await settle(server.app[keys.ZALO_INBOXES][0])
        assert "Chi đoàn khóm 1" in zalo_api.texts("z-7")[0]
    finally:
        await server.stop()


async def test_a_repeated_zalo_event_is_stored_and_handled_once(zalo_api, services, clock, org,
                                                               engine):
    server = await Server(zalo_settings(zalo_api), services, clock).start()
    try:
        event = zalo_api.text("z-6", f"/start {org['CD-B1'].join_code}")
        for _ in range(3):  # Zalo retries a delivery it thinks failed
            assert await zalo_post(server, event) == 200
        await settle(server.app[keys.ZALO_INBOXES][0])
        assert len(zalo_api.texts("z-6")) == 1 and stored(engine) == 1
        async with server.client.post("/zalo/webhook", json=event,
                                      headers={ZALO_SECRET_HEADER: "wrong-secret"}) as resp:
            assert resp.status == 403
        assert stored(engine) == 1
    finally:
        await server.stop()


@pytest.fixture
async def oa_api():
    fake = await FakeZaloOa().start()
    yield fake
    await fake.stop()


async def test_zalo_oa_event_stored_before_a_crash_is_handled_once_after_restart(
        oa_api, services, clock, org, engine):
    settings = Settings(_env_file=None, ZALO_OA_APP_ID=FakeZaloOa.APP_ID,
                        ZALO_OA_APP_SECRET=oa_api.APP_SECRET,
                        ZALO_OA_SECRET_KEY=oa_api.OA_SECRET_KEY,
                        ZALO_OA_REFRESH_TOKEN=oa_api.first_refresh_token,
                        ZALO_OA_API_URL=oa_api.url, ZALO_OA_OAUTH_URL=oa_api.url,
                        PUBLIC_URL=PUBLIC, REMINDERS_ENABLED="false")
    crashed = await Server(settings, services, clock).start()
    [inbox] = crashed.app[keys.ZALO_INBOXES]
    assert inbox.platform == "zalo_oa"
    never = asyncio.Event()

    async def dies_before_handling(payload, mark):
        await never.wait()
    inbox.handler = dies_before_handling
    oa_api.webhook_url = str(crashed.client.make_url("/zalo/oa/webhook"))
    event = oa_api.image("5510185758261927916", photo_bytes(2))  # stored first
    assert await oa_api.post_webhook(event) == 200
    for task in list(inbox._tasks):  # SIGKILL: nothing more runs
        task.cancel()
    await crashed.stop()
    assert oa_api.sent == []

    restarted = await Server(settings, services, clock).start()
    try:
        [inbox] = restarted.app[keys.ZALO_INBOXES]
        clock.advance(seconds=61)
        assert await inbox.recover() == 1
        await settle(inbox)
        oa_api.webhook_url = str(restarted.client.make_url("/zalo/oa/webhook"))
        assert await oa_api.post_webhook(event) == 200  # Zalo's retry: stored once, no effect
        await settle(inbox)
    finally:
        await restarted.stop()
    texts = [body["message"].get("text", "") for _, body in oa_api.sent]
    assert len(texts) == 1 and "để báo cáo" in texts[0]
