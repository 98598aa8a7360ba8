"""`fieldreport worker` and `serve --with-worker`: queued exports are built and delivered."""
import asyncio
from dataclasses import replace

from sqlmodel import select

from bot.settings import Settings
from bot.worker import run_worker
from exports.rollup import chat_exporter
from storage import serving
from storage.db import session_scope
from storage.serving import Job
from tests.fake_telegram_api import TOKEN
from tests.serve_support import Server, serve_settings, wait_for
from tests.telegram_fake import Updates
from tests.serve_support import api  # noqa: F401  (shared fixtures)

REQUEST = {"platform": "telegram", "chat_id": "777", "user_id": "777", "spec": "2026-W47",
           "unit_id": None, "label": "2026-W47", "scope": "toàn bộ các đơn vị"}


async def test_fieldreport_worker_builds_and_sends_a_queued_export(api, db_url, engine, org,
                                                                   tmp_path):
    with session_scope(engine) as s:
        serving.enqueue(s, "export", REQUEST)
    settings = Settings(_env_file=None, DATABASE_URL=db_url, MEDIA_DIR=str(tmp_path / "media"),
                        TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=api.url,
                        REMINDERS_ENABLED="false")
    stop = asyncio.Event()
    worker = asyncio.create_task(run_worker(settings, stop))
    try:
        await wait_for(lambda: api.texts("777") or worker.done(), 30)
    finally:
        stop.set()
        await asyncio.wait_for(worker, 30)
    assert "Tệp Excel gửi kèm" in api.texts("777")[0]
    with session_scope(engine) as s:
        assert s.exec(select(Job)).one().status == "done"


async def test_serve_with_worker_runs_the_export_in_process(api, services, clock, org, engine,
                                                            tmp_path):
    svc = replace(services, env_admins=(("telegram", "777"),))
    svc.export_workbook = chat_exporter(tmp_path / "media", tmp_path / "exports")
    srv = await Server(serve_settings(api), svc, clock, with_worker=True,
                       worker_options={"poll": 0.05}).start()
    try:
        admin = Updates.user(777, "Văn phòng")
        assert await srv.post_update(Updates().text(admin, "/xuat 2026-W47")) == 200
        await wait_for(lambda: len(api.texts("777")) >= 2, 30)
    finally:
        await srv.stop()
    first, second = api.texts("777")[:2]
    assert first.startswith("Đang lập bảng tổng hợp…") and "Tệp Excel gửi kèm" in second
