"""The office console in a real browser: Playwright driving Debian's Chromium (never a download).

Skipped when /usr/bin/chromium is missing (`apt-get install chromium`; .ci/run installs it).
Any browser console error or page error fails the test. Set CONSOLE_SCREENSHOTS=<folder> to keep
the 360 px and 1280 px screenshots.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from storage import repo
from storage.db import session_scope
from tests.console_support import add_report, add_staff, console_settings, login_token, start_client

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() or shutil.which("chromium") is None,
    reason="Debian's Chromium is not installed (apt-get install chromium): browser tests skipped")
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture
async def browser():
    playwright = pytest.importorskip("playwright.async_api")
    async with playwright.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        await browser.close()


def shots_dir(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("CONSOLE_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def open_page(browser, width: int, errors: list[str]):
    context = await browser.new_context(viewport={"width": width, "height": 900},
                                        accept_downloads=True, locale="vi-VN")
    page = await context.new_page()
    page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    return context, page


def edit_report(services, receipt: str) -> None:
    """A deputy's /sua of the report, as handlers/report.py submit stores it."""
    from sqlmodel import select

    from storage.models import Report
    from storage.revisions import keep_version
    with session_scope(services.engine) as s:
        report = s.exec(select(Report).where(Report.receipt_code == receipt)).one()
        shas = [p.sha256 for p in repo.report_photos(s, report.id)]
        keep_version(s, report, shas, "telegram", "56", "Trần Thị Bình", services.clock())
        report.content += " và đường ấp"
        report.participants, report.revision = 15, 2
        report.updated_at = services.clock()
        s.add(report)


async def test_office_clerk_day_in_the_browser(browser, services, org, tmp_path):
    add_staff(services.engine, "1")
    with session_scope(services.engine) as s:
        repo.join_unit(s, "telegram", "31", repo.unit_by_code(s, "CD-B1"), "Lê Thị Bình", "31",
                       role="secretary")
    receipt = add_report(services, "CD-A1", photos=2, content="Dọn vệ sinh kênh mương ấp 1")
    add_report(services, "CD-A2", photos=1, reuse_of=receipt)
    edit_report(services, receipt)
    client = await start_client(services, console_settings(tmp_path))
    base = str(client.make_url("")).rstrip("/")
    shots, errors = shots_dir(tmp_path), []
    context, page = await open_page(browser, 1280, errors)
    try:
        # Log in through the /web link.
        await page.goto(f"{base}/dang-nhap/{login_token(services, '1')}")
        await page.get_by_role("button", name="Đăng nhập").click()
        await page.wait_for_url(f"{base}/")
        # Tổng quan.
        heading = await page.locator("h1").inner_text()
        assert heading.startswith("Tổng quan – Tuần 47")
        body = await page.locator("main").inner_text()
        assert "2/4" in body and "Lê Thị Bình" in body and "Đang mở" in body
        await page.screenshot(path=shots / "tong-quan-1280.png", full_page=True)
        # A report with photos.
        await page.get_by_role("link", name="Báo cáo", exact=True).click()
        await page.get_by_role("link", name=receipt).click()
        shown = await page.locator("main").inner_text()
        assert "Dọn vệ sinh kênh mương ấp 1 và đường ấp" in shown
        assert "Lần sửa thứ 1" in shown and "Trần Thị Bình" in shown
        images = page.locator(".photos img")
        assert await images.count() == 2
        for i in range(2):
            assert await images.nth(i).evaluate("img => img.complete && img.naturalWidth > 0")
        await page.screenshot(path=shots / "bao-cao-1280.png", full_page=True)
        # This week's workbook.
        await page.get_by_role("link", name="Xuất tệp").click()
        await page.select_option("select[name=ky]", "tuan_nay")
        assert not await page.locator("input[name=ky_khac]").is_visible()  # only for «Kỳ khác»
        await page.screenshot(path=shots / "xuat-1280.png", full_page=True)
        async with page.expect_download() as download_info:
            await page.get_by_role("button", name="Xuất Excel").click()
        download = await download_info.value
        saved = tmp_path / download.suggested_filename
        await download.save_as(saved)
        book = load_workbook(saved)
        assert "Tổng hợp" in book.sheetnames and book["Chi tiết"].max_row > 2
        # A units file with one bad row.
        await page.get_by_role("link", name="Đơn vị").click()
        bad = "code,name,parent_code\nCD-A3,Chi đoàn ấp 3,HD-A\nCD-A4,,HD-A\n".encode()
        await page.set_input_files("input[name=tep]", files=[
            {"name": "don-vi.csv", "mimeType": "text/csv", "buffer": bad}])
        await page.get_by_role("button", name="Xem trước").click()
        problems = await page.locator(".problems").inner_text()
        assert "dòng 3" in problems and "chưa có tên" in problems
        # Change a schedule.
        await page.get_by_role("link", name="Lịch nhắc").click()
        await page.select_option("select[name=don-vi]", "HD-A")
        await page.get_by_role("button", name="Xem", exact=True).click()
        await page.fill("input[name=reminder]", "T5 17:00")
        await page.get_by_role("button", name="Lưu lịch").click()
        assert "Đã lưu lịch nhắc" in await page.locator("main").inner_text()
        assert "Thứ Năm 17:00" in await page.locator("#schedule-text").inner_text()
        await page.screenshot(path=shots / "lich-nhac-1280.png", full_page=True)
        # The same pages on a 360 px phone.
        phone_context, phone = await open_page(browser, 360, errors)
        await phone_context.add_cookies(await context.cookies())
        for path, name in (("/", "tong-quan"), (f"/bao-cao/{receipt}", "bao-cao"),
                           ("/bao-cao", "danh-sach"), ("/don-vi", "don-vi"), ("/xuat", "xuat")):
            await phone.goto(base + path)
            width = await phone.evaluate("document.documentElement.scrollWidth")
            assert width <= 360, f"{path} is {width} px wide at 360 px"
            await phone.screenshot(path=shots / f"{name}-360.png", full_page=True)
        await phone_context.close()
        assert errors == []
    finally:
        await context.close()
        await client.close()


async def test_large_export_job_progress_and_staff_invite_in_the_browser(browser, services, org,
                                                                         tmp_path, monkeypatch):
    from bot.console import exporting
    monkeypatch.setattr(exporting, "SMALL_EXPORT", 0)  # every export runs as a job
    add_staff(services.engine, "1")
    add_report(services, "CD-A1", photos=1)
    client = await start_client(services, console_settings(tmp_path))
    base = str(client.make_url("")).rstrip("/")
    shots, errors = shots_dir(tmp_path), []
    context, page = await open_page(browser, 360, errors)
    try:
        await page.goto(f"{base}/dang-nhap/{login_token(services, '1')}")
        await page.get_by_role("button", name="Đăng nhập").click()
        await page.wait_for_url(f"{base}/")
        await page.goto(f"{base}/xuat")
        await page.select_option("select[name=ky]", "thang_nay")
        await page.get_by_role("button", name="Xuất Excel").click()
        await page.wait_for_url(f"{base}/xuat/viec/**")
        link = page.get_by_role("link", name="Tải tệp Excel")
        await link.wait_for(state="visible", timeout=20_000)  # shown by console.js when done
        assert await page.locator("#job-bar").evaluate("bar => bar.value") == 100
        await page.screenshot(path=shots / "xuat-viec-360.png", full_page=True)
        async with page.expect_download() as download_info:
            await link.click()
        saved = tmp_path / "job.xlsx"
        await (await download_info.value).save_as(saved)
        assert "Tổng hợp" in load_workbook(saved).sheetnames
        await page.goto(f"{base}/can-bo")
        await page.select_option("select[name=don_vi]", "HD-A")
        await page.get_by_role("button", name="Tạo lời mời").click()
        command = await page.locator("#invite-command").inner_text()
        assert command.startswith("/start vp_")
        assert await page.evaluate("document.documentElement.scrollWidth") <= 360
        await page.screenshot(path=shots / "can-bo-360.png", full_page=True)
        assert errors == []
    finally:
        await context.close()
        await client.close()
