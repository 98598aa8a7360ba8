"""Office console: login by a /web link, sessions, CSRF, headers (route tests, real app)."""
from __future__ import annotations

import pytest

from storage import web as webdb
from storage.db import session_scope
from tests.console_support import (add_staff, console_settings, csrf, csrf_of, log_in,
                                   login_token, start_client)
from tests.support import Person


@pytest.fixture
async def client(services, org, tmp_path):
    add_staff(services.engine, "900")
    services.public_url = "http://127.0.0.1"
    client = await start_client(services, console_settings(tmp_path))
    yield client
    await client.close()


async def test_web_command_gives_staff_a_link_and_others_a_polite_no(services, org):
    add_staff(services.engine, "900")
    services.public_url = "https://baocao.example.vn"
    staff = Person(services, user_id="900", name="Văn phòng")
    await staff.say("/web")
    text = staff.text()
    assert "https://baocao.example.vn/dang-nhap/" in text and "10 phút" in text
    token = text.split("/dang-nhap/")[1].split()[0]
    with session_scope(services.engine) as s:
        stored = s.exec(webdb.select(webdb.WebToken)).all()
    assert [t.token_hash for t in stored] == [webdb.digest(token)]  # only the digest at rest
    cadre = Person(services, user_id="77", name="Cán bộ")
    await cadre.say("/web")
    assert "chỉ dành cho cán bộ Văn phòng" in cadre.text() and "dang-nhap" not in cadre.text()


async def test_login_link_logs_in_once_and_expires_after_ten_minutes(client, services, clock):
    await log_in(client, services, "900")
    page = await client.get("/")
    assert page.status == 200 and "Tổng quan" in await page.text()
    token = login_token(services, "900")
    first = await client.get(f"/dang-nhap/{token}")
    form = {"csrf": csrf_of(await first.text())}
    assert (await client.post(f"/dang-nhap/{token}", data=form, allow_redirects=False)).status == 303
    again = await client.post(f"/dang-nhap/{token}", data={"csrf": await csrf(client)},
                              allow_redirects=False)
    assert again.status == 410 and "đã được dùng" in await again.text()
    late = login_token(services, "900")
    clock.advance(minutes=10, seconds=1)
    assert (await client.get(f"/dang-nhap/{late}")).status == 410


async def test_opening_the_link_spends_nothing(client, services):
    """Chat apps fetch links to preview them: only the button press uses the token."""
    token = login_token(services, "900")
    for _ in range(3):
        assert (await client.get(f"/dang-nhap/{token}")).status == 200


async def test_a_non_staff_token_does_not_log_in(client, services):
    token = login_token(services, "12345")
    page = await client.get(f"/dang-nhap/{token}")
    done = await client.post(f"/dang-nhap/{token}", data={"csrf": csrf_of(await page.text())},
                             allow_redirects=False)
    assert done.status == 410
    assert (await client.get("/", allow_redirects=False)).status == 302


async def test_pages_need_a_session(client):
    for path in ("/", "/bao-cao", "/xuat", "/don-vi", "/lich-nhac"):
        response = await client.get(path, allow_redirects=False)
        assert response.status == 302 and response.headers["Location"] == "/dang-nhap", path


async def test_a_new_session_at_login_prevents_fixation(client, services):
    token = login_token(services, "900")
    await client.get(f"/dang-nhap/{token}")
    before = client.session.cookie_jar.filter_cookies(client.make_url("/"))["fr_console"].value
    page = await client.get(f"/dang-nhap/{token}")
    await client.post(f"/dang-nhap/{token}", data={"csrf": csrf_of(await page.text())})
    after = client.session.cookie_jar.filter_cookies(client.make_url("/"))["fr_console"].value
    assert after != before
    # The cookie an attacker could have planted before login stays logged out.
    client.session.cookie_jar.clear()
    client.session.cookie_jar.update_cookies({"fr_console": before}, client.make_url("/"))
    assert (await client.get("/", allow_redirects=False)).status == 302


async def test_logout_ends_the_session_even_for_a_copied_cookie(client, services):
    await log_in(client, services, "900")
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))["fr_console"].value
    out = await client.post("/dang-xuat", data={"csrf": await csrf(client)})
    assert out.status == 200 and "Đã đăng xuất" in await out.text()
    client.session.cookie_jar.update_cookies({"fr_console": cookie}, client.make_url("/"))
    assert (await client.get("/", allow_redirects=False)).status == 302


async def test_session_ends_after_eight_idle_hours(client, services, clock):
    await log_in(client, services, "900")
    clock.advance(hours=7, minutes=59)
    assert (await client.get("/", allow_redirects=False)).status == 200  # use keeps it alive
    clock.advance(hours=7, minutes=59)
    assert (await client.get("/", allow_redirects=False)).status == 200
    clock.advance(hours=8, seconds=1)
    assert (await client.get("/", allow_redirects=False)).status == 302


async def test_every_post_needs_the_csrf_token(client, services):
    await log_in(client, services, "900")
    posts = [r.resource.canonical for r in client.server.app.router.routes()
             if r.method == "POST"]
    assert len(posts) >= 10  # every POST route of the console, read from its router
    for canonical in posts:
        path = canonical.replace("{token}", "abc").replace("{code}", "CD-A1")
        assert "{" not in path, path
        response = await client.post(path, data={"csrf": "forged"}, allow_redirects=False)
        assert response.status == 403, path
        response = await client.post(path, data={}, allow_redirects=False)
        assert response.status == 403, path
    assert (await client.get("/", allow_redirects=False)).status == 200  # still logged in
    token = login_token(services, "900")
    assert (await client.post(f"/dang-nhap/{token}", data={})).status == 403


async def test_security_headers_and_cookie_flags(services, org, tmp_path):
    add_staff(services.engine, "900")
    client = await start_client(services, console_settings(tmp_path, "https://baocao.example.vn"))
    try:
        token = login_token(services, "900")
        page = await client.get(f"/dang-nhap/{token}")
        csp = page.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert page.headers["X-Frame-Options"] == "DENY"
        assert page.headers["Referrer-Policy"] == "no-referrer"
        cookie = page.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        for path in ("/static/console.css", "/nope"):
            assert (await client.get(path)).headers["X-Frame-Options"] == "DENY"
        html = await page.text()
        assert "<script>" not in html and " style=" not in html  # nothing inline for the CSP
    finally:
        await client.close()


def test_cli_prints_a_login_link_for_staff_only(cli, engine, org, monkeypatch):
    from bot.settings import get_settings
    monkeypatch.setenv("PUBLIC_URL", "https://baocao.example.vn")
    get_settings.cache_clear()
    add_staff(engine, "900")
    result = cli("web", "link", "telegram:900")
    assert result.exit_code == 0 and "https://baocao.example.vn/dang-nhap/" in result.output
    refused = cli("web", "link", "telegram:1")
    assert refused.exit_code != 0 and "không phải cán bộ Văn phòng" in refused.output
