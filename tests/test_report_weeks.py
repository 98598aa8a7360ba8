"""Which week a report belongs to: asked in the grace window, named before «Gửi» and on the
receipt, and reopened by /sua until this week's deadline (issue 14, seen item 1)."""
from datetime import datetime, timezone

from sqlmodel import select

from storage.clock import LOCAL_TZ
from storage.db import session_scope
from storage.models import Report
from tests.support import Person


def local(y, m, d, hh, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=LOCAL_TZ).astimezone(timezone.utc)


async def report_until_summary(person, task="NV3", people="12"):
    await person.tap(task)
    await person.say("Dọn vệ sinh tuyến đường ấp 1 cuối tuần")
    await person.say(people)
    await person.tap("Xong")
    await person.tap("Không có")


async def test_monday_morning_asks_the_week_and_files_the_report_under_it(services, org, engine,
                                                                        clock):
    clock.now = local(2026, 11, 30, 7, 10)
    cadre = Person(services, "100", "Nguyễn Văn An")
    await cadre.say(f"/start {org['CD-A1'].join_code}")
    await cadre.say("/baocao")
    assert "tuần nào" in cadre.text()
    assert [c.label for c in cadre.last[-1].choices] == ["Tuần 48 (23/11–29/11)",
                                                           "Tuần 49 (30/11–06/12)"]
    await cadre.tap("Tuần 48")
    assert "nhiệm vụ nào" in cadre.text()
    await report_until_summary(cadre)
    assert "Tuần 48 (23/11–29/11)" in cadre.text()
    await cadre.tap("Gửi")
    assert "Tuần 48 (23/11–29/11)" in cadre.text() and "Mã biên nhận: BC-" in cadre.text()
    with session_scope(engine) as s:
        assert s.exec(select(Report.period)).one() == "2026-W48"
    await cadre.say("/trangthai")
    assert "Tuần 48" in cadre.text() and "1 báo cáo" in cadre.text()
    await cadre.say("/sua")  # Monday: last week's report can still be corrected
    assert "Tuần 48 (23/11–29/11)" in cadre.text() and "Số người tham gia: 12" in cadre.text()


async def test_this_week_can_be_chosen_in_the_grace_window(services, org, engine, clock):
    clock.now = local(2026, 11, 30, 7, 10)
    cadre = Person(services, "100", "An")
    await cadre.say(f"/start {org['CD-A1'].join_code}")
    await cadre.say("/baocao")
    await cadre.say("2")  # typed number of the week menu
    await report_until_summary(cadre)
    assert "Tuần 49 (30/11–06/12)" in cadre.text()
    await cadre.tap("Gửi")
    with session_scope(engine) as s:
        assert s.exec(select(Report.period)).one() == "2026-W49"


async def test_outside_the_grace_window_the_week_is_not_asked_but_named(services, org, engine,
                                                                      clock):
    clock.now = local(2026, 11, 30, 12, 0)  # Monday noon: the window has closed
    cadre = Person(services, "100", "An")
    await cadre.say(f"/start {org['CD-A1'].join_code}")
    await cadre.say("/baocao")
    assert "nhiệm vụ nào" in cadre.text() and "tuần nào" not in cadre.text()
    await report_until_summary(cadre)
    assert "Tuần 49 (30/11–06/12)" in cadre.text()
    await cadre.tap("Gửi")
    assert "Tuần 49 (30/11–06/12)" in cadre.text()


async def test_sua_reopens_last_weeks_report_until_this_weeks_deadline(services, org, engine,
                                                                      clock):
    clock.now = local(2026, 11, 27, 17, 0)  # Friday of week 48
    cadre = Person(services, "100", "An")
    await cadre.say(f"/start {org['CD-A1'].join_code}")
    await cadre.say("/baocao")
    await report_until_summary(cadre)
    await cadre.tap("Gửi")
    clock.now = local(2026, 12, 2, 10, 0)  # Wednesday of week 49
    await cadre.say("/sua")
    assert "Tuần 48 (23/11–29/11)" in cadre.text()
    await cadre.tap("Sửa")
    await cadre.tap("Số người")
    await cadre.say("15")
    await cadre.tap("Gửi")
    assert "Đã cập nhật báo cáo BC-" in cadre.text()
    with session_scope(engine) as s:
        report = s.exec(select(Report)).one()
        assert (report.period, report.participants, report.revision) == ("2026-W48", 15, 2)
    clock.now = local(2026, 12, 6, 21, 30)  # week 49's deadline has passed
    await cadre.say("/sua")
    assert "chưa gửi báo cáo nào" in cadre.text()
