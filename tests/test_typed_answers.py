"""Forgiving typed answers (issue 14, seen item 5): menus by number, code, name or prefix with a
one-line hint on a miss; counts in everyday words; "không" means none at optional steps."""
import pytest
from sqlmodel import select

from handlers.textutil import parse_count
from storage.db import session_scope
from storage.models import Report, Task, Unit
from tests.support import Person

HINT = "Đồng chí gõ số 1–10 hoặc tên nhiệm vụ, ví dụ «NV3»."


@pytest.mark.parametrize("text,value", [
    ("20 bạn", 20), ("khoảng 30 bạn", 30), ("30 đv", 30), ("30 đoàn viên", 30), ("~30", 30),
    ("25 người", 25), ("1.200", 1200), ("Khoảng 40 người", 40), ("khoang 15 ban", 15)])
def test_everyday_counts_are_understood(text, value):
    assert parse_count(text) == value


@pytest.mark.parametrize("text", ["hai mươi", "20 30", "bạn 20", "-5", ""])
def test_words_are_still_not_counts(text):
    assert parse_count(text) is None


async def at_task_menu(services, org, platform="telegram"):
    person = Person(services, "100", "An", platform=platform)
    await person.say(f"/start {org['CD-A1'].join_code}")
    await person.say("/baocao")
    return person


@pytest.mark.parametrize("typed,code", [
    ("NV3", "NV3"), ("nv3", "NV3"), ("Nông thôn mới", "NV3"), ("nong thon moi", "NV3"),
    ("nong thon", "NV3"), ("3", "NV3"), ("ĐP1", "ĐP1"), ("DP1", "ĐP1"), ("dp1", "ĐP1"),
    ("cải cách", "ĐP2"), ("khac", "Khác"), ("NV5 Bộ máy & CĐS", "NV5")])
async def test_task_menu_takes_number_code_name_or_prefix(services, org, engine, typed, code):
    person = await at_task_menu(services, org, platform="zalo")
    await person.say(typed)
    assert "Đồng chí đã làm gì" in person.text()
    await person.say("Hoạt động của chi đoàn")
    await person.say("khong")
    await person.say("xong")
    await person.say("khong")
    await person.say("gui")
    with session_scope(engine) as s:
        report = s.exec(select(Report)).one()
        assert s.get(Task, report.task_id).code == code


@pytest.mark.parametrize("typed", ["xyz", "nv", "12", "nhiệm vụ"])
async def test_a_miss_or_an_ambiguous_prefix_gets_one_line(services, org, typed):
    person = await at_task_menu(services, org, platform="zalo")
    await person.say(typed)
    assert person.text() == HINT
    assert all(not r.choices for r in person.last)
    await person.say("NV2")
    assert "Đồng chí đã làm gì" in person.text()


async def test_a_broken_button_payload_re_prompts(services, org):
    person = await at_task_menu(services, org)
    await person.send(person.message("choice", choice="task:abc"))
    assert person.text() == HINT
    await person.say("NV1")
    assert "Đồng chí đã làm gì" in person.text()


async def test_broken_unit_payload_re_prompts(services, org):
    person = Person(services, "100", "An")
    await person.say(f"/start {org['CD-A1'].join_code}")
    await person.say(f"/start {org['CD-B1'].join_code}")
    await person.say("/baocao")
    await person.send(person.message("choice", choice="unit:abc"))
    assert "đơn vị" in person.text()
    await person.say("khom 1")  # a unique prefix of the unit's name without its level
    assert "nhiệm vụ nào" in person.text()


@pytest.mark.parametrize("none", ["không", "khong", "ko", "k", "không có", "Không có"])
async def test_none_words_at_optional_steps(services, org, engine, none):
    person = await at_task_menu(services, org, platform="zalo")
    await person.say("1")
    await person.say("Sinh hoạt chi đoàn chuyên đề")
    await person.say(none)
    assert "ảnh minh chứng" in person.text()
    await person.say("xong")
    await person.say(none)
    assert "Khó khăn: không ghi" in person.text()
    await person.say("1")
    with session_scope(engine) as s:
        report = s.exec(select(Report)).one()
        assert (report.participants, report.difficulties) == (None, None)


async def test_typing_sua_at_the_summary_edits_this_draft(services, org, engine):
    person = await at_task_menu(services, org, platform="zalo")
    await person.say("1")
    await person.say("Sinh hoạt chi đoàn chuyên đề")
    await person.say("9")
    await person.say("xong")
    await person.say("không")
    await person.say("sửa")
    assert "sửa phần nào" in person.text()
    await person.say("so nguoi")
    await person.say("10")
    assert "Số người tham gia: 10" in person.text()
    await person.say("gửi")
    assert "Mã biên nhận" in person.text()


async def test_confirm_menu_miss_gets_one_line(services, org):
    person = await at_task_menu(services, org, platform="zalo")
    await person.say("1")
    await person.say("Sinh hoạt chi đoàn chuyên đề")
    await person.say("9")
    await person.say("xong")
    await person.say("không")
    await person.say("ok luôn")
    assert len(person.text().splitlines()) == 1 and "Gửi" in person.text()


# --- a count far above the unit's size ---------------------------------------------------------

def set_members(engine, org, n):
    with session_scope(engine) as s:
        unit = s.get(Unit, org["CD-A1"].id)
        unit.members = n
        s.add(unit)


async def at_count(services, org):
    person = await at_task_menu(services, org)
    await person.tap("NV1")
    await person.say("Sinh hoạt chi đoàn chuyên đề")
    return person


async def test_a_count_far_above_the_units_size_asks_to_confirm(services, org, engine):
    set_members(engine, org, 25)
    person = await at_count(services, org)
    await person.say("300 bạn")
    assert "25 đoàn viên" in person.text()
    assert [c.label for c in person.last[-1].choices] == ["Đúng, 300 người", "Nhập lại"]
    await person.tap("Nhập lại")
    assert "bao nhiêu người" in person.text()
    await person.say("300")
    await person.tap("Đúng, 300 người")
    assert "ảnh minh chứng" in person.text()
    await person.tap("Xong"), await person.tap("Không có"), await person.tap("Gửi")
    with session_scope(engine) as s:
        assert s.exec(select(Report.participants)).one() == 300


async def test_a_new_number_at_the_confirm_question_replaces_the_count(services, org, engine):
    set_members(engine, org, 25)
    person = await at_count(services, org)
    await person.say("300")
    await person.say("30")
    assert "ảnh minh chứng" in person.text()


@pytest.mark.parametrize("members,count,asks", [
    (25, 75, False), (25, 76, True), (5, 25, False), (5, 26, True), (None, 5000, False)])
async def test_far_above_means_three_times_and_twenty_more(services, org, engine, members,
                                                           count, asks):
    set_members(engine, org, members)
    person = await at_count(services, org)
    await person.say(str(count))
    assert ("Nhập lại" in [c.label for r in person.last for c in r.choices]) is asks
