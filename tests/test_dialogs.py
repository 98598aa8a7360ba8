"""The neutral core, driven by the shared transcripts and by targeted cases."""
import pytest
from sqlmodel import select

from handlers.dispatch import handle
from storage.db import session_scope
from storage.models import Media, Report, ReportPhoto
from tests import transcripts
from tests.support import Person, photo_bytes, run_script


def fill(script, org):
    return [(a.format(code=org["CD-A1"].join_code), e) for a, e in script]


@pytest.mark.parametrize("name", sorted(transcripts.ALL))
async def test_transcript(name, services, org):
    await run_script(Person(services, "100", "Nguyễn Văn An"), fill(transcripts.ALL[name], org))


async def test_saved_report_has_what_the_cadre_entered(services, org, engine):
    await run_script(Person(services, "100", "Nguyễn Văn An"),
                     fill(transcripts.JOIN_AND_REPORT, org))
    with session_scope(engine) as s:
        report = s.exec(select(Report)).one()
        photos = s.exec(select(ReportPhoto).where(ReportPhoto.report_id == report.id)).all()
        assert report.unit_id == org["CD-A1"].id
        assert report.participants == 25
        assert report.content.startswith("Ra quân dọn vệ sinh")
        assert report.difficulties == "Thiếu dụng cụ lao động"
        assert report.proposals == "hỗ trợ 10 bộ bao tay"
        assert report.period == "2026-W47"
        assert report.reporter_name == "Nguyễn Văn An"
        assert len(photos) == 2
        for p in photos:
            media = s.get(Media, p.sha256)
            assert (services.media.root / media.path).is_file()
            assert (services.media.root / media.thumb_path).is_file()


async def begin(person, org, upto="photos"):
    await person.say(f"/start {org['CD-A1'].join_code}")
    await person.say("/baocao")
    await person.tap("NV1")
    await person.say("Sinh hoạt chi đoàn chuyên đề")
    await person.say("10")


async def test_restart_mid_dialog_resumes_at_the_same_step(services, org, db_url, tmp_path, clock):
    from bot.bootstrap import open_database
    from handlers.services import Services
    from storage.media import MediaStore
    person = Person(services, "100", "An")
    await begin(person, org)
    assert "ảnh minh chứng" in person.text()
    services.engine.dispose()
    # a new process: new engine, new services, same database
    again = Services(engine=open_database(db_url), media=MediaStore(tmp_path / "media"), clock=clock)
    person.services = again
    await person.photo(seed=5)
    assert "Đã nhận ảnh 1/10" in person.text()
    await person.say("/baocao")
    assert "đang làm dở" in person.text() and "ảnh minh chứng" in person.text()


async def test_duplicate_delivery_has_one_effect(services, org, engine):
    person = Person(services, "100", "An")
    await begin(person, org)
    msg = person.message("photo", update_key="same-update", load_photo=_loader(photo_bytes(3)))
    first = await handle(msg, services)
    second = await handle(msg, services)
    assert "1/10" in first[-1].text and second == []
    await person.tap("Xong")
    await person.tap("Không có")
    await person.tap("Gửi")
    reply = await handle(person.message("choice", choice="send", update_key="same-update"), services)
    assert reply == []
    with session_scope(engine) as s:
        assert len(s.exec(select(Report)).all()) == 1
        assert len(s.exec(select(ReportPhoto)).all()) == 1


def _loader(data):
    async def load():
        return data
    return load


async def test_photo_used_before_is_flagged_not_rejected(services, org, engine):
    person = Person(services, "100", "An")
    await begin(person, org)
    await person.photo(seed=7)
    await person.tap("Xong"), await person.tap("Không có"), await person.tap("Gửi")
    first_receipt = person.text().split("Mã biên nhận: ")[1].split()[0]
    await person.say("/baocao")
    await person.tap("Báo cáo hoạt động khác")  # the unit has reported this week already
    await person.tap("NV2")
    await person.say("Hoạt động tuần sau")
    await person.say("5")
    await person.photo(seed=7)
    assert f"đã được dùng trong báo cáo {first_receipt}" in person.text()
    assert "Đã nhận ảnh 1/10" in person.text()
    await person.tap("Xong"), await person.tap("Không có"), await person.tap("Gửi")
    with session_scope(engine) as s:
        flagged = s.exec(select(ReportPhoto).where(ReportPhoto.reused_from.is_not(None))).all()
        assert [p.reused_from for p in flagged] == [first_receipt]


async def test_required_photos_setting(services, org):
    services.require_photos = True
    person = Person(services, "100", "An")
    await begin(person, org)
    await person.tap("Xong")
    assert "ít nhất 1 ảnh" in person.text()
    await person.say("chưa có ảnh")
    assert "cần ảnh minh chứng" in person.text()


async def test_unreadable_photo_is_refused_and_step_stays(services, org):
    person = Person(services, "100", "An")
    await begin(person, org)
    await person.photo(data=b"not an image at all")
    assert "Không đọc được ảnh" in person.text()
    await person.photo(seed=1)
    assert "1/10" in person.text()


async def test_photo_limit(services, org):
    services.max_photos = 2
    person = Person(services, "100", "An")
    await begin(person, org)
    for seed in range(3):
        await person.photo(seed=seed)
    assert "Đã đủ 2 ảnh" in person.text()


async def test_member_of_two_units_is_asked_which_first(services, org):
    person = Person(services, "100", "An")
    await person.say(f"/start {org['CD-A1'].join_code}")
    await person.say(f"/start {org['CD-B1'].join_code}")
    await person.say("/baocao")
    assert "đơn vị nào" in person.text()
    await person.say("2")  # typed number of the menu
    assert "nhiệm vụ nào" in person.text()
    await person.tap("NV4")
    await person.say("Tư vấn việc làm cho thanh niên")
    await person.say("bỏ qua")  # typed label of a button
    assert "ảnh minh chứng" in person.text()


async def test_group_binding_needs_office_or_secretary(services, org, engine):
    code = org["CD-A1"].join_code
    cadre = Person(services, "100", "An")
    group = cadre.in_group("-1001")
    await group.say(f"/dangky {code}")
    assert "Chỉ cán bộ Văn phòng hoặc bí thư" in group.text()
    await group.say("/baocao")
    assert "chưa gắn với đơn vị" in group.text()
    services.env_admins = (("telegram", "900"),)
    office = Person(services, "900", "Văn phòng").in_group("-1001")
    await office.say(f"/dangky {code}")
    assert "Đã gắn nhóm này với Chi đoàn ấp 1" in office.text()
    await group.say("/baocao")
    button = group.last[0].choices[0]
    assert button.url == f"https://t.me/fieldreport_test_bot?start=bc_{code}"
    # the button's deep link opens the dialog for that unit straight away
    await cadre.say(f"/start bc_{code}")
    assert "nhiệm vụ nào" in cadre.text()
    await cadre.tap("NV1"), await cadre.say("Sinh hoạt"), await cadre.say("9")
    await cadre.tap("Xong"), await cadre.tap("Không có"), await cadre.tap("Gửi")
    group_lines = [r for r in cadre.last if r.chat_id == "-1001"]
    assert len(group_lines) == 1
    assert "Chi đoàn ấp 1 đã báo cáo: NV1 Chống suy thoái – 9 người tham gia" in group_lines[0].text


async def test_secretary_may_bind_their_own_unit_only(services, org, engine):
    from storage import repo
    with session_scope(engine) as s:
        repo.join_unit(s, "telegram", "200", s.get(type(org["CD-A1"]), org["CD-A1"].id), "Bí thư",
                       "200", role="secretary")
    secretary = Person(services, "200", "Bí thư").in_group("-1002")
    await secretary.say(f"/dangky {org['CD-A2'].join_code}")
    assert "Chỉ cán bộ Văn phòng" in secretary.text()
    await secretary.say(f"/dangky {org['CD-A1'].join_code}")
    assert "Đã gắn nhóm" in secretary.text()


async def test_stale_button_is_explained(services, org):
    person = Person(services, "100", "An")
    await begin(person, org)
    await person.send(person.message("choice", choice="task:1"))
    assert "không còn hiệu lực" in person.text()
    assert [c.label for c in person.last[0].choices] == ["Xong"]


async def test_protected_sender_gets_an_explanation(services):
    person = Person(services, "300", "")
    await person.send(person.message("unsupported"))
    assert "tài khoản được bảo vệ" in person.text()


async def test_join_code_typed_alone_joins(services, org):
    person = Person(services, "100", "An", platform="zalo")
    await person.say(org["CD-B2"].join_code.lower())
    assert "đã tham gia Chi đoàn khóm 2" in person.text()


async def test_old_update_ids_are_pruned_recent_ones_kept(services, org, engine, clock):
    from datetime import timedelta
    from storage import repo
    from storage.clock import utcnow
    person = Person(services, "100", "An")
    await person.say("/giup")
    with session_scope(engine) as s:
        assert repo.prune_processed_updates(s, utcnow() - timedelta(days=30)) == 0
        assert repo.prune_processed_updates(s, utcnow() + timedelta(seconds=1)) == 1
