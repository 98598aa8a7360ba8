"""/xuat under `serve`: answered at once, built by the worker, the file (Telegram) or an
expiring download link (Zalo) arrives when ready; Zalo routes on the same application."""
import asyncio
from dataclasses import replace

import pytest
from sqlmodel import select

from bot.settings import Settings
from bot.web import keys
from bot.worker import JobRunner
from bot.zalo.webhook import SECRET_HEADER as ZALO_SECRET_HEADER, derived_secret
from exports.rollup import chat_exporter
from storage.db import session_scope
from storage.serving import Job
from tests.fake_telegram_api import TOKEN as TELEGRAM_TOKEN
from tests.fake_zalo import TOKEN as ZALO_TOKEN
from tests.serve_support import Server
from tests.telegram_fake import Updates
from tests.serve_support import api, zalo_api  # noqa: F401  (shared fixtures)

PUBLIC = "https://bot.example.test"
ADMIN = Updates.user(777, "Văn phòng")


@pytest.fixture
def office_services(services, tmp_path):
    svc = replace(services, env_admins=(("telegram", "777"), ("zalo", "z-777")),
                  deep_links=dict(services.deep_links))
    svc.export_workbook = chat_exporter(tmp_path / "media", tmp_path / "exports")
    return svc


@pytest.fixture
async def server(api, zalo_api, office_services, clock):
    settings = Settings(_env_file=None, TELEGRAM_BOT_TOKEN=TELEGRAM_TOKEN,
                        TELEGRAM_API_URL=api.url, ZALO_BOT_TOKEN=ZALO_TOKEN,
                        ZALO_API_URL=zalo_api.url, PUBLIC_URL=PUBLIC,
                        REMINDERS_ENABLED="false")
    srv = await Server(settings, office_services, clock).start()
    yield srv
    await srv.stop()


def runner(server) -> JobRunner:
    app = server.app
    return JobRunner(app[keys.SERVICES], app[keys.SENDERS], PUBLIC, 24)


async def test_export_answers_at_once_and_the_worker_sends_the_file(server, api, org, engine):
    updates = Updates()
    assert await server.post_update(updates.text(ADMIN, "/xuat")) == 200
    await server.settle()
    assert await server.post_update(updates.tap(ADMIN, "xuat:tuan_nay")) == 200
    await server.settle()
    assert api.texts("777")[-1].startswith("Đang lập bảng tổng hợp…")
    with session_scope(engine) as s:
        job = s.exec(select(Job)).one()
        assert job.status == "queued" and job.payload["spec"] == "2026-W47"
    worker = runner(server)
    assert await worker.run_one() is True
    assert "Tệp Excel gửi kèm" in api.texts("777")[-1]
    assert await worker.run_one() is False  # done once, not again
    with session_scope(engine) as s:
        assert s.exec(select(Job)).one().status == "done"


async def test_a_mistyped_period_is_answered_without_a_job(server, api, org, engine):
    assert await server.post_update(Updates().text(ADMIN, "/xuat 2026-W99")) == 200
    await server.settle()
    assert "Đang lập" not in api.texts("777")[-1]
    with session_scope(engine) as s:
        assert s.exec(select(Job)).all() == []


async def zalo_post(server, body: dict) -> int:
    headers = {ZALO_SECRET_HEADER: derived_secret(ZALO_TOKEN)}
    async with server.client.post("/zalo/webhook", json=body, headers=headers) as resp:
        return resp.status


async def test_zalo_gets_an_expiring_download_link(server, zalo_api, org, clock):
    """The link opens the office console's download page; its button gives the workbook."""
    assert await zalo_post(server, zalo_api.text("z-777", "/xuat 2026-W47")) == 200
    await settle_zalo(server)
    assert zalo_api.texts("z-777")[-1].startswith("Đang lập bảng tổng hợp…")
    await runner(server).run_one()
    message = zalo_api.texts("z-777")[-1]
    assert "tải tệp Excel tại" in message
    url = next(line for line in message.splitlines() if line.startswith(PUBLIC))
    path = url[len(PUBLIC):]
    assert path.startswith("/tai-ve/")
    assert len(path.rsplit("/", 1)[1]) >= 40  # unguessable
    async with server.client.get(path) as resp:  # no login needed: the token is the key
        assert resp.status == 200
        page = await resp.text()
        assert "Tải tệp Excel" in page and f'href="{path}/tep"' in page
        assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
    async with server.client.get(path + "/tep") as resp:
        assert resp.status == 200
        assert (await resp.read())[:2] == b"PK"  # an .xlsx (zip) file
        assert "attachment" in resp.headers["Content-Disposition"]
    async with server.client.get(path[:-4] + "AAAA") as resp:
        assert resp.status == 404
    async with server.client.get("/tai/" + path.rsplit("/", 1)[1]) as resp:
        assert resp.status == 404  # the one download route is /tai-ve/
    clock.advance(hours=25)
    for gone in (path, path + "/tep"):
        async with server.client.get(gone) as resp:
            assert resp.status == 404
            assert "hết hạn" in await resp.text()


async def settle_zalo(server) -> None:
    for inbox in server.app[keys.ZALO_INBOXES]:
        while inbox.in_flight:
            await asyncio.sleep(0.01)


@pytest.mark.parametrize("message", [
    {"from": "z-1", "chat": {"id": "z-1"}, "text": "hi", "message_id": "a1"},
    {"from": {"id": "z-1"}, "chat": ["z-1"], "text": "hi", "message_id": "a2"},
    {"from": 42, "chat": None, "text": "hi", "message_id": "a3"},
])
async def test_zalo_event_with_odd_sender_or_chat_is_a_400(server, zalo_api, message):
    body = {"ok": True, "result": {"event_name": "message.text.received", "message": message}}
    assert await zalo_post(server, body) == 400
    assert zalo_api.texts() == []


async def test_zalo_routes_are_mounted_and_check_their_secret(server, zalo_api, org):
    body = zalo_api.text("z-5", f"/start {org['CD-B1'].join_code}")
    async with server.client.post("/zalo/webhook", json=body,
                                  headers={ZALO_SECRET_HEADER: "wrong-secret"}) as resp:
        assert resp.status == 403
    assert await zalo_post(server, body) == 200
    await settle_zalo(server)
    assert "Chi đoàn khóm 1" in zalo_api.texts("z-5")[-1]
    assert zalo_api.webhook_url == PUBLIC + "/zalo/webhook"

