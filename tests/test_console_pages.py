"""Office console pages through the real app: what staff see, and what they may not."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from aiohttp import FormData
from openpyxl import Workbook, load_workbook

from storage import reminders as store, repo, web as webdb
from storage.db import session_scope
from tests.console_support import (add_report, add_staff, console_settings, csrf, log_in,
                                   start_client)


@pytest.fixture
async def district(services, org, tmp_path):
    """Logged in as office staff of Huyện đoàn A (CD-A1, CD-A2); B's units are someone else's."""
    add_staff(services.engine, "900", "HD-A")
    client = await start_client(services, console_settings(tmp_path))
    await log_in(client, services, "900")
    yield client
    await client.close()


@pytest.fixture
async def province(services, org, tmp_path):
    add_staff(services.engine, "1", None)
    client = await start_client(services, console_settings(tmp_path))
    await log_in(client, services, "1")
    yield client
    await client.close()


async def test_overview_counts_the_subtree_and_names_the_missing_secretary(province, services):
    from tests.support import Person
    secretary = Person(services, user_id="31", name="Lê Thị Bình")
    with session_scope(services.engine) as s:
        repo.join_unit(s, "telegram", "31", repo.unit_by_code(s, "CD-B1"), "Lê Thị Bình", "31",
                       role="secretary")
    add_report(services, "CD-A1")
    html = await (await province.get("/")).text()
    assert "1/4" in html and "Đang mở" in html
    assert "Chưa gửi báo cáo (3)" in html and "Lê Thị Bình" in html  # open week: not "missed"
    assert "NV3" in html  # totals by task
    drill = await (await province.get("/?don-vi=HD-A")).text()
    assert "1/2" in drill and "Chi đoàn ấp 2" in drill and "Chi đoàn khóm 1" not in drill
    del secretary


async def test_week_shows_closed_after_its_deadline(province, services, clock):
    assert "Đang mở" in await (await province.get("/")).text()
    clock.advance(days=4, hours=4, minutes=30)  # Sunday 22/11 21:30, after the 21:00 deadline
    await log_in(province, services, "1")  # the earlier session went idle
    html = await (await province.get("/")).text()
    assert "Đã hết hạn" in html and "22/11/2026 21:00" in html


async def test_nudge_queues_the_follow_up_at_most_once_an_hour(services, org, tmp_path, clock):
    add_staff(services.engine, "1", None)
    with session_scope(services.engine) as s:
        repo.join_unit(s, "telegram", "31", repo.unit_by_code(s, "CD-B1"), "Lê Thị Bình", "31",
                       role="secretary")
    settings = console_settings(tmp_path)
    settings.telegram_bot_token = "123:abc"
    client = await start_client(services, settings)
    try:
        await log_in(client, services, "1")
        token = await csrf(client)
        sent = await client.post("/nhac-lai/CD-B1", data={"csrf": token})
        page = await sent.text()
        assert "Đã gửi tin nhắc lại" in page and "telegram:1" in page and "nhắc lại Chi đoàn khóm 1 (1 tin)" in page
        with session_scope(services.engine) as s:
            rows = store.deliveries(s, kind="nhac_lai")
        assert [(r.chat_id, r.status) for r in rows] == [("31", "pending")]
        from bot.delivery import Deliverer
        from tests.reminder_fakes import FakeTimer, RecordingSender
        sender = RecordingSender(clock)
        await Deliverer(services.engine, {"telegram": sender}, timer=FakeTimer(clock)).drain()
        assert sender.chats() == ["31"] and "Chi đoàn khóm 1" in sender.texts("31")[0]
        again = await client.post("/nhac-lai/CD-B1", data={"csrf": token})
        assert "trong vòng một giờ" in await again.text()
        clock.advance(hours=1, minutes=1)
        later = await client.post("/nhac-lai/CD-B1", data={"csrf": token})
        assert "Đã gửi tin nhắc lại" in await later.text()
        with session_scope(services.engine) as s:
            assert [r.status for r in store.deliveries(s, kind="nhac_lai")] == ["pending"]
        log = await (await client.get("/lich-nhac?tuan=2026-W47")).text()
        assert "nhắc lại (trang quản lý)" in log and "Lê Thị Bình" in log and "chờ gửi" in log
        older = await (await client.get("/lich-nhac?tuan=2026-W46")).text()
        assert "nhắc lại (trang quản lý)" not in older
    finally:
        await client.close()


async def test_report_list_filters_and_report_page_shows_photos(district, services):
    mine = add_report(services, "CD-A1", photos=2, content="Trồng cây xanh")
    add_report(services, "CD-A2", content="Sinh hoạt chi đoàn")
    theirs = add_report(services, "CD-B1", content="Việc của huyện B")
    html = await (await district.get("/bao-cao")).text()
    assert mine in html and "Chi đoàn ấp 2" in html and theirs not in html
    only = await (await district.get("/bao-cao?don-vi=CD-A2")).text()
    assert mine not in only and "Chi đoàn ấp 2" in only
    page = await (await district.get(f"/bao-cao/{mine}")).text()
    assert "Trồng cây xanh" in page and "Thiếu dụng cụ" in page and "Xin thêm găng tay" in page
    assert page.count('/nho"') == 2 and page.count('/lon"') == 2
    thumb = page.split('<img src="')[1].split('"')[0]
    image = await district.get(thumb)
    assert image.status == 200 and image.content_type == "image/jpeg"


async def test_report_list_filters_by_on_time_or_late(district, services, clock):
    on_time = add_report(services, "CD-A1")
    late = add_report(services, "CD-A2", at=clock() + timedelta(days=4, hours=5))  # Sun 22:00
    html = await (await district.get("/bao-cao?han=tre-han")).text()
    assert late in html and on_time not in html and "1 báo cáo" in html
    html = await (await district.get("/bao-cao?han=dung-han&tuan=2026-W47")).text()
    assert on_time in html and late not in html


async def test_reuse_flag_names_the_earlier_receipt(district, services):
    first = add_report(services, "CD-A1", photos=1)
    second = add_report(services, "CD-A2", photos=1, reuse_of=first)
    page = await (await district.get(f"/bao-cao/{second}")).text()
    assert "Ảnh đã dùng trong báo cáo" in page and first in page


async def test_another_unions_report_photo_export_and_upload_are_404(district, services):
    theirs = add_report(services, "CD-B1", photos=1)
    assert (await district.get(f"/bao-cao/{theirs}")).status == 404
    with session_scope(services.engine) as s:
        from sqlmodel import select
        from storage.models import ReportPhoto
        photo_id = s.exec(select(ReportPhoto.id)).first()
    assert (await district.get(f"/anh/{photo_id}/lon")).status == 404
    assert (await district.get(f"/anh/{photo_id}/nho")).status == 404
    token = await csrf(district)
    export = await district.post("/xuat", data={"csrf": token, "ky": "tuan_nay", "don_vi": "HD-B"})
    assert export.status == 404
    assert (await district.get("/?don-vi=HD-B")).status == 404
    assert (await district.get("/lich-nhac?don-vi=CD-B1")).status == 404
    assert (await district.post("/lich-nhac", data={"csrf": token, "don_vi": "HD-B",
                                                    "reminder": "T5 17:00"})).status == 404
    assert (await district.post("/nhac-lai/CD-B1", data={"csrf": token})).status == 404
    upload = await district.post("/don-vi/ap-dung", data={"csrf": token, "token": "x",
                                                          "suffix": ".csv"})
    assert upload.status == 404
    sheet = units_csv([["CD-B1", "Chi đoàn khóm 1 mới", "HD-B"]])
    preview = await district.post("/don-vi/xem-truoc", data=upload_form(token, sheet, "u.csv"))
    assert "không thuộc phạm vi" in await preview.text()
    moved = units_csv([["HD-A", "Huyện đoàn A", "HD-B"]])
    preview = await district.post("/don-vi/xem-truoc", data=upload_form(token, moved, "u.csv"))
    assert "không đổi được đơn vị cấp trên của HD-A" in await preview.text()


async def test_small_export_downloads_the_workbook_of_the_subtree(district, services):
    add_report(services, "CD-A1", photos=1)
    add_report(services, "CD-B1")
    response = await district.post("/xuat", data={"csrf": await csrf(district), "ky": "tuan_nay",
                                                  "don_vi": "HD-A"})
    assert response.status == 200
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(await response.read()))
    assert "Tổng hợp" in book.sheetnames and "Chi tiết" in book.sheetnames
    detail = "\n".join(str(c.value) for row in book["Chi tiết"].iter_rows() for c in row)
    assert "Chi đoàn ấp 1" in detail and "Chi đoàn khóm 1" not in detail


async def test_bad_period_is_explained(district):
    response = await district.post("/xuat", data={"csrf": await csrf(district), "ky": "khac",
                                                  "ky_khac": "2026-W99"})
    assert "không hợp lệ" in await response.text()


async def test_large_export_runs_as_a_job_with_progress(district, services, monkeypatch):
    from bot.console import exporting
    monkeypatch.setattr(exporting, "SMALL_EXPORT", 1)
    add_report(services, "CD-A1")
    add_report(services, "CD-A2")
    start = await district.post("/xuat", data={"csrf": await csrf(district), "ky": "tuan_nay"},
                                allow_redirects=False)
    assert start.status == 303
    job = start.headers["Location"]
    page = await district.get(job)
    assert "progress" in await page.text()
    import asyncio
    for _ in range(100):
        state = await (await district.get(job + "/tien-do")).json()
        if state["status"] != "running":
            break
        await asyncio.sleep(0.1)
    assert state == {"status": "done", "progress": 100, "error": ""}
    book = load_workbook(io.BytesIO(await (await district.get(job + "/tep")).read()))
    assert "Tổng hợp" in book.sheetnames


async def test_a_job_that_died_with_its_process_says_so(district, services, clock):
    with session_scope(services.engine) as s:
        s.add(webdb.ExportJob(token_hash=webdb.digest("dead"), who="telegram:900",
                              period_spec="2026", created_at=clock() - timedelta(hours=3)))
    state = await (await district.get("/xuat/viec/dead/tien-do")).json()
    assert state["status"] == "failed" and "gián đoạn" in state["error"]


async def test_someone_elses_job_is_404(district, services):
    with session_scope(services.engine) as s:
        s.add(webdb.ExportJob(token_hash=webdb.digest("abc"), who="telegram:1", period_spec="2026",
                              status="done"))
    assert (await district.get("/xuat/viec/abc")).status == 404
    assert (await district.get("/xuat/viec/abc/tep")).status == 404


async def test_zalo_download_link(services, org, tmp_path, clock):
    add_staff(services.engine, "u1", None, platform="zalo")
    client = await start_client(services, console_settings(tmp_path))
    try:
        path = tmp_path / "bao-cao.xlsx"
        Workbook().save(path)
        with session_scope(services.engine) as s:
            token = webdb.issue_download_token(s, "zalo", "u1", str(path), clock())
        page = await client.get(f"/tai-ve/{token}")
        assert page.status == 200 and "Tải tệp Excel" in await page.text()
        data = await (await client.get(f"/tai-ve/{token}/tep")).read()
        assert load_workbook(io.BytesIO(data))
        clock.advance(hours=24, seconds=1)
        assert (await client.get(f"/tai-ve/{token}")).status == 404
        assert (await client.get("/tai-ve/wrong/tep")).status == 404
    finally:
        await client.close()


def units_csv(rows) -> bytes:
    lines = ["code,name,parent_code"] + [",".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def upload_form(token: str, content: bytes, name: str) -> FormData:
    form = FormData()
    form.add_field("csrf", token)
    form.add_field("tep", content, filename=name, content_type="text/csv")
    return form


async def test_units_upload_previews_then_applies(district, services):
    token = await csrf(district)
    sheet = units_csv([["HD-A", "Huyện đoàn A", "TD"], ["CD-A1", "Chi đoàn ấp Một", "HD-A"],
                       ["CD-A3", "Chi đoàn ấp 3", "HD-A"]])
    preview = await district.post("/don-vi/xem-truoc", data=upload_form(token, sheet, "dv.csv"))
    html = await preview.text()
    assert preview.status == 200 and "Thêm mới: 1 (CD-A3)" in html and "Chi đoàn ấp Một" in html
    with session_scope(services.engine) as s:
        assert repo.unit_by_code(s, "CD-A3") is None  # nothing written yet
    upload_token = html.split('name="token" value="')[1].split('"')[0]
    done = await district.post("/don-vi/ap-dung", data={"csrf": token, "token": upload_token,
                                                        "suffix": ".csv"})
    page = await done.text()
    assert "Đã cập nhật cây đơn vị" in page and "Chi đoàn ấp 3" in page
    assert "thêm 1, đổi tên 1" in page  # the audit line on the page it changed
    with session_scope(services.engine) as s:
        assert repo.unit_by_code(s, "CD-A1").name == "Chi đoàn ấp Một"


async def test_units_upload_names_bad_rows_and_writes_nothing(district, services):
    token = await csrf(district)
    sheet = units_csv([["CD-A3", "Chi đoàn ấp 3", "HD-A"], ["CD-A4", "", "HD-A"]])
    preview = await district.post("/don-vi/xem-truoc", data=upload_form(token, sheet, "dv.csv"))
    html = await preview.text()
    assert "Tệp bị từ chối" in html and "dòng 3" in html and "chưa có tên" in html
    with session_scope(services.engine) as s:
        assert repo.unit_by_code(s, "CD-A3") is None


async def test_units_upload_limits_type_and_size(district):
    token = await csrf(district)
    wrong = await district.post("/don-vi/xem-truoc", data=upload_form(token, b"MZ\x90", "x.exe"))
    assert "Chỉ nhận tệp .xlsx hoặc .csv" in await wrong.text()
    fake = await district.post("/don-vi/xem-truoc", data=upload_form(token, b"code,name", "x.xlsx"))
    assert "Chỉ nhận tệp .xlsx hoặc .csv" in await fake.text()
    big = await district.post("/don-vi/xem-truoc",
                              data=upload_form(token, b"a" * (2 * 1024 * 1024 + 10), "x.csv"))
    assert "lớn quá 2 MB" in await big.text()


async def test_join_sheet_downloads_for_the_subtree(district):
    pdf = await district.get("/don-vi/ma-tham-gia.pdf")
    assert pdf.status == 200 and (await pdf.read()).startswith(b"%PDF")
    xlsx = await district.get("/don-vi/ma-tham-gia.xlsx")
    cells = "\n".join(str(c.value) for row in load_workbook(io.BytesIO(await xlsx.read())).active
                      .iter_rows() for c in row)
    assert "CD-A1" in cells and "CD-B1" not in cells


async def test_schedule_change_uses_the_cli_rules_and_is_recorded(district, services):
    token = await csrf(district)
    bad = await district.post("/lich-nhac", data={"csrf": token, "don_vi": "HD-A",
                                                  "deadline": "off"})
    assert "không tắt được" in await bad.text()
    nonsense = await district.post("/lich-nhac", data={"csrf": token, "don_vi": "HD-A",
                                                       "reminder": "thứ chín"})
    assert "Giờ nhắc báo cáo:" in await nonsense.text()
    with session_scope(services.engine) as s:
        assert store.schedule_rows(s) == {}  # nothing saved
    ok = await district.post("/lich-nhac", data={"csrf": token, "don_vi": "HD-A",
                                                 "reminder": "T5 17:00", "followup": "off"})
    page = await ok.text()
    assert "Đã lưu lịch nhắc" in page and "Thứ Năm 17:00" in page
    assert "telegram:900" in page and "Giờ nhắc báo cáo: Thứ Năm 17:00" in page
    with session_scope(services.engine) as s:
        row = store.schedule_rows(s)[repo.unit_by_code(s, "HD-A").id]
        assert row.reminder == "3 17:00" and row.followup == "off"


async def test_pause_a_unit_and_day_off_for_whole_tree_staff_only(district, province, services):
    token = await csrf(district)
    paused = await district.post("/lich-nhac/tam-dung", data={"csrf": token, "don_vi": "CD-A1",
                                                              "den": "31/12/2026"})
    assert "Đã tạm dừng" in await paused.text()
    assert (await district.post("/lich-nhac/ngay-nghi",
                                data={"csrf": token, "ngay": "04/12/2026"})).status == 404
    ok = await province.post("/lich-nhac/ngay-nghi", data={"csrf": await csrf(province),
                                                           "ngay": "04/12/2026", "ghi_chu": "Đại hội"})
    assert "Đã thêm ngày nghỉ" in await ok.text()
    with session_scope(services.engine) as s:
        from datetime import date
        assert date(2026, 12, 4) in store.office_days_off(s)
