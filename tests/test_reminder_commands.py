"""In the chats: /dangky <mã> vanphong binds an office chat; /lichnhac shows the schedule."""
from datetime import date

from storage import repo
from storage import reminders as store
from storage.db import session_scope
from storage.models import ChatBinding
from tests.support import Person


def office_staff(services, engine, user_id="900", unit=None):
    with session_scope(engine) as s:
        repo.add_admin(s, "telegram", user_id, unit.id if unit else None)
    return Person(services, user_id, "Văn phòng")


async def test_office_staff_bind_an_office_chat_and_read_the_schedule(services, engine, org):
    office = office_staff(services, engine).in_group("-3000", "Văn phòng Tỉnh đoàn")
    await office.say(f"/dangky {org['TD'].join_code} vanphong")
    assert "nhóm Văn phòng của Tỉnh đoàn Vĩnh Long" in office.text()
    with session_scope(engine) as s:
        binding = s.exec(repo.select(ChatBinding).where(ChatBinding.chat_id == "-3000")).one()
        assert binding.purpose == "office" and binding.unit_id == org["TD"].id
    await office.say("/lichnhac")
    text = office.text()
    assert "Lịch nhắc báo cáo – Tỉnh đoàn Vĩnh Long" in text
    assert "Nhắc báo cáo hằng tuần: Thứ Sáu 16:30" in text
    assert "Tổng hợp gửi nhóm Văn phòng (tuần trước): Thứ Hai 07:30" in text
    assert "Tuần 47 (16/11–22/11/2026): nhắc lúc Thứ Sáu 20/11 16:30" in text  # clock: 18/11
    assert "24/11 (Ngày Văn hóa Việt Nam)" in text
    assert "21:30–06:30" in text


async def test_a_secretary_cannot_make_an_office_chat(services, engine, org):
    with session_scope(engine) as s:
        repo.join_unit(s, "telegram", "55", org["CD-A1"], "Bí thư", "55", role="secretary")
    secretary = Person(services, "55", "Bí thư").in_group("-3001")
    await secretary.say(f"/dangky {org['CD-A1'].join_code} vanphong")
    assert "Chỉ cán bộ Văn phòng" in secretary.text()
    await secretary.say(f"/dangky {org['CD-A1'].join_code}")  # the unit's own group still works
    assert "Đã gắn nhóm này với Chi đoàn ấp 1" in secretary.text()


async def test_district_staff_only_bind_offices_in_their_subtree(services, engine, org):
    staff = office_staff(services, engine, "901", org["HD-A"]).in_group("-3002")
    await staff.say(f"/dangky {org['HD-B'].join_code} vanphong")
    assert "Chỉ cán bộ Văn phòng phụ trách Huyện đoàn B" in staff.text()
    await staff.say(f"/dangky {org['HD-A'].join_code} van phong")
    assert "nhóm Văn phòng của Huyện đoàn A" in staff.text()


async def test_lichnhac_in_a_unit_group_shows_its_own_schedule_pause_and_holidays(services, engine,
                                                                                  org):
    with session_scope(engine) as s:
        repo.bind_chat(s, "telegram", "-1005", org["CD-B1"], "Nhóm khóm 1", "1")
        store.set_schedule(s, org["HD-B"].id, {"reminder": "3 17:00"})
        store.pause_unit(s, org["HD-B"].id, date(2026, 11, 30), "sáp nhập")
        store.add_day_off(s, date(2026, 11, 26), "Đại hội Đoàn tỉnh")
    member = Person(services, "70", "Đoàn viên").in_group("-1005")
    await member.say("/lichnhac")
    text = member.text()
    assert "Chi đoàn khóm 1" in text and "Thứ Năm 17:00" in text
    assert "Đang tạm dừng nhắc đến hết ngày 30/11/2026 (sáp nhập)" in text
    # Thursday 26/11 is an office day off: that week's reminder moves to Wednesday.
    assert "nhắc lúc Thứ Tư 25/11 17:00" in text and "26/11 (Đại hội Đoàn tỉnh)" in text


async def test_lichnhac_for_a_stranger_explains_where_it_works(services, org):
    stranger = Person(services, "71", "Ai đó")
    await stranger.say("/lichnhac")
    assert "Lệnh /lichnhac dùng trong nhóm đã gắn" in stranger.text()
