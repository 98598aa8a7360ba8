"""One unit, several reporters: the second is told before the task step (issue 14, seen item 3)."""
from sqlmodel import select

from storage.db import session_scope
from storage.models import Report
from tests.support import Person


async def send_report(person, task, people):
    await person.tap(task)
    await person.say("Ra quân dọn vệ sinh tuyến đường ấp 1")
    await person.say(people)
    await person.tap("Xong")
    await person.tap("Không có")
    await person.tap("Gửi")
    return person.text().split("Mã biên nhận: ")[1].split()[0]


async def two_reporters(services, org):
    secretary = Person(services, "100", "Nguyễn Văn An")
    deputy = Person(services, "101", "Trần Thị Bình")
    for person in (secretary, deputy):
        await person.say(f"/start {org['CD-A1'].join_code}")
    await secretary.say("/baocao")
    receipt = await send_report(secretary, "NV3", "20")
    await deputy.say("/baocao")
    return secretary, deputy, receipt


async def test_second_reporter_is_told_and_may_edit_that_report(services, org, engine):
    secretary, deputy, receipt = await two_reporters(services, org)
    shown = deputy.text()
    assert "đã có báo cáo" in shown and receipt in shown
    assert "NV3 Nông thôn mới" in shown and "Nguyễn Văn An" in shown
    assert "nhiệm vụ nào" not in shown
    assert [c.label for c in deputy.last[-1].choices] == ["Báo cáo hoạt động khác",
                                                            "Sửa báo cáo đó"]
    await deputy.tap("Sửa báo cáo đó")
    assert "Số người tham gia: 20" in deputy.text()
    await deputy.tap("Sửa")
    await deputy.tap("Số người")
    await deputy.say("22")
    await deputy.tap("Gửi")
    assert f"Đã cập nhật báo cáo {receipt}" in deputy.text()
    with session_scope(engine) as s:
        report = s.exec(select(Report)).one()
        assert (report.participants, report.revision) == (22, 2)
        assert (report.reporter_id, report.reporter_name) == ("100", "Nguyễn Văn An")


async def test_second_reporter_may_report_another_activity(services, org, engine):
    secretary, deputy, receipt = await two_reporters(services, org)
    await deputy.tap("Báo cáo hoạt động khác")
    assert "nhiệm vụ nào" in deputy.text()
    second = await send_report(deputy, "NV6", "8")
    assert second != receipt
    with session_scope(engine) as s:
        assert sorted(r.reporter_name for r in s.exec(select(Report))) == [
            "Nguyễn Văn An", "Trần Thị Bình"]


async def test_typed_answers_at_the_existing_report_question(services, org):
    secretary, deputy, receipt = await two_reporters(services, org)
    await deputy.say("sua bao cao do")
    assert "Số người tham gia: 20" in deputy.text()
    await deputy.say("/huy")
    await deputy.say("/baocao")
    await deputy.say("bao cao hoat dong khac")
    assert "nhiệm vụ nào" in deputy.text()


async def test_an_outsider_cannot_open_the_report_with_a_forged_button(services, org, engine):
    secretary, deputy, receipt = await two_reporters(services, org)
    stranger = Person(services, "102", "Lê Văn C")
    await stranger.say(f"/start {org['CD-B1'].join_code}")
    await stranger.say("/baocao")
    with session_scope(engine) as s:
        report_id = s.exec(select(Report.id)).one()
    await stranger.send(stranger.message("choice", choice=f"edit:{report_id}"))
    assert "Số người tham gia: 20" not in stranger.text()
