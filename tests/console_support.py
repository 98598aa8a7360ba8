"""Helpers for the office console tests: the real app on 127.0.0.1, staff, reports, a login."""
from __future__ import annotations

import re

from aiohttp import CookieJar
from aiohttp.test_utils import TestClient, TestServer

from bot.console import console_app
from bot.settings import Settings
from storage import repo, web as webdb
from storage.db import session_scope
from storage.models import Report, ReportPhoto
from tests.support import photo_bytes


def console_settings(tmp_path, public_url: str = "http://127.0.0.1") -> Settings:
    return Settings(_env_file=None, DATABASE_URL="sqlite://", MEDIA_DIR=str(tmp_path / "media"),
                    PUBLIC_URL=public_url, TELEGRAM_BOT_USERNAME="doan_baocao_bot")


async def start_client(services, settings) -> TestClient:
    client = TestClient(TestServer(console_app(services, settings), host="127.0.0.1"),
                        cookie_jar=CookieJar(unsafe=True))
    await client.start_server()
    return client


def add_staff(engine, user_id: str, unit_code: str | None = None, platform: str = "telegram"):
    with session_scope(engine) as s:
        unit = repo.unit_by_code(s, unit_code) if unit_code else None
        repo.add_admin(s, platform, user_id, unit.id if unit else None)


def add_report(services, unit_code: str, photos: int = 0, at=None, participants: int = 12,
               content: str = "Dọn vệ sinh đường làng", reuse_of: str | None = None) -> str:
    at = at or services.clock()
    from storage.clock import iso_week
    stored = [services.media.save(photo_bytes(seed=i + len(unit_code) * 7)) for i in range(photos)]
    with session_scope(services.engine) as s:
        unit = repo.unit_by_code(s, unit_code)
        task = repo.active_tasks(s)[2]
        code = repo.new_receipt_code(s)
        report = Report(receipt_code=code, unit_id=unit.id, task_id=task.id, platform="telegram",
                        reporter_id="55", reporter_name="Nguyễn Văn An", content=content,
                        participants=participants, difficulties="Thiếu dụng cụ",
                        proposals="Xin thêm găng tay", period=iso_week(at), created_at=at,
                        updated_at=at)
        s.add(report)
        s.flush()
        from storage.models import Media
        for i, photo in enumerate(stored):
            if s.get(Media, photo.sha256) is None:
                s.add(Media(sha256=photo.sha256, path=photo.path, thumb_path=photo.thumb_path,
                            width=photo.width, height=photo.height, size_bytes=photo.size_bytes))
                s.flush()
            s.add(ReportPhoto(report_id=report.id, sha256=photo.sha256, position=i,
                              reused_from=reuse_of if i == 0 else None))
    return code


def login_token(services, user_id: str, platform: str = "telegram") -> str:
    with session_scope(services.engine) as s:
        return webdb.issue_login_token(s, platform, user_id, services.clock())


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "page has no CSRF field"
    return found[1]


async def log_in(client: TestClient, services, user_id: str) -> None:
    token = login_token(services, user_id)
    page = await client.get(f"/dang-nhap/{token}")
    assert page.status == 200
    done = await client.post(f"/dang-nhap/{token}", data={"csrf": csrf_of(await page.text())},
                             allow_redirects=False)
    assert done.status == 303, await done.text()


async def csrf(client: TestClient, path: str = "/") -> str:
    page = await client.get(path)
    return csrf_of(await page.text())


