"""Office review in chat on the neutral core: approve, return and revise, commend and share,
guidance, permissions, and exactly-once taps."""
from sqlmodel import select

from storage import repo
from storage import review as store
from storage.db import session_scope
from storage.models import Report
from tests.support import Person

OFFICE_CHAT = "-3000"  # office chat of Huyện đoàn A
GROUP_A1 = "-4001"  # the group of Chi đoàn ấp 1
GROUP_A2 = "-4002"  # its sibling's group


class Reviewer(Person):
    """Taps come from a message the bot sent (id 501), as on Telegram, so it can be edited."""

    async def tap(self, label):
        for reply in reversed(self.last):
            for choice in reply.choices:
                if label in choice.label and choice.data:
                    return await self.send(self.message("choice", choice=choice.data,
                                                        message_id="501"))
        raise AssertionError(f"no button {label!r}")


def staff(services, engine, user_id, unit, name="Trần Văn Phòng"):
    with session_scope(engine) as s:
        repo.add_admin(s, "telegram", user_id, unit.id if unit else None)
    return Reviewer(services, user_id, name).in_group(OFFICE_CHAT, "Văn phòng Huyện đoàn A")


async def setup_office(services, engine, org):
    office = staff(services, engine, "900", org["HD-A"])
    await office.say(f"/dangky {org['HD-A'].join_code} vanphong")
    for chat, code in ((GROUP_A1, "CD-A1"), (GROUP_A2, "CD-A2")):
        await office.in_group(chat).say(f"/dangky {org[code].join_code}")
    return office


async def send_report(cadre, org, difficulties="Thiếu dụng cụ\nĐề xuất: hỗ trợ bao tay"):
    await cadre.say(f"/start {org['CD-A1'].join_code}")
    await cadre.say("/baocao")
    await cadre.tap("NV3")
    await cadre.say("Dọn vệ sinh tuyến đường ấp 1")
    await cadre.say("25")
    await cadre.tap("Xong")
    if difficulties:
        await cadre.say(difficulties)
    else:
        await cadre.tap("Không có")
    return await cadre.tap("Gửi")


def to_chat(replies, chat_id):
    return [r for r in replies if r.chat_id == chat_id]


def only(replies, chat_id):
    found = to_chat(replies, chat_id)
    assert len(found) == 1, f"expected one message to {chat_id}, got {found}"
    return found[0]


def status_of(engine) -> str:
    with session_scope(engine) as s:
        report = s.exec(select(Report)).one()
        return store.review_of(s, report.id).status


async def test_report_goes_to_the_office_chat_with_review_buttons(services, engine, org):
    office = await setup_office(services, engine, org)
    replies = await send_report(Person(services, "100", "Nguyễn Văn An"), org)
    post = only(replies, OFFICE_CHAT)
    assert "📋 Báo cáo mới BC-" in post.text and "tuần 47 (16/11–22/11/2026)" in post.text
    for part in ("Đơn vị: Chi đoàn ấp 1", "Nhiệm vụ: NV3", "Dọn vệ sinh tuyến đường ấp 1",
                 "Số người tham gia: 25", "Ảnh minh chứng: 0", "Đề xuất: hỗ trợ bao tay",
                 "Trạng thái: Chờ duyệt"):
        assert part in post.text
    assert [c.label for c in post.choices] == ["✅ Duyệt", "↩️ Trả lại", "🌟 Biểu dương",
                                               "💬 Cho ý kiến"]
    assert office  # the office chat of the parent got it; the province's chat (none) did not


async def test_no_difficulties_no_guidance_button(services, engine, org):
    await setup_office(services, engine, org)
    replies = await send_report(Person(services, "100", "An"), org, difficulties="")
    assert "Cho ý kiến" not in [c.label for c in only(replies, OFFICE_CHAT).choices]


async def test_walks_up_to_the_nearest_office_chat(services, engine, org):
    province = staff(services, engine, "901", None).in_group("-3999", "Văn phòng Tỉnh đoàn")
    await province.say(f"/dangky {org['TD'].join_code} vanphong")
    replies = await send_report(Person(services, "100", "An"), org)
    assert "Chi đoàn ấp 1" in only(replies, "-3999").text


async def test_approve_edits_the_message_once_even_when_tapped_twice(services, engine, org):
    office = await setup_office(services, engine, org)
    office.last = await send_report(Person(services, "100", "An"), org)
    first = await office.tap("Duyệt")
    assert len(first) == 1 and first[0].edit_of == ("telegram", OFFICE_CHAT, "501")
    assert "Trạng thái: Đã duyệt – đồng chí Trần Văn Phòng" in first[0].text
    assert [c.label for c in first[0].choices] == ["🌟 Biểu dương", "💬 Cho ý kiến"]
    office.last = [first[0].__class__(first[0].text, choices=[c for c in first[0].choices])]
    # The same button again (the old keyboard still on a slow phone): nothing happens.
    from handlers.review.post import choice_data
    with session_scope(engine) as s:
        report = s.exec(select(Report)).one()
    again = await office.send(office.message("choice", choice=choice_data("a", report)))
    assert again == []
    assert status_of(engine) == "approved"
    with session_scope(engine) as s:
        actions = [a.action for a in s.exec(select(store.ReviewAction))]
    assert actions.count("approve") == 1


async def test_return_asks_reason_and_reporter_revises(services, engine, org):
    office = await setup_office(services, engine, org)
    cadre = Person(services, "100", "An")
    office.last = await send_report(cadre, org)
    asked = await office.tap("Trả lại")
    assert "lý do trả lại" in asked[0].text and asked[0].force_reply
    assert status_of(engine) == "pending"  # nothing changes until the reason is given
    done = await office.say("Ảnh minh chứng chưa rõ, đề nghị bổ sung ảnh")
    edited = only(done, OFFICE_CHAT)
    assert "Trạng thái: Trả lại" in edited.text and "Lý do trả lại: Ảnh minh chứng" in edited.text
    assert edited.choices == []
    to_reporter = only(done, "100")
    assert "Huyện đoàn A trả lại báo cáo BC-" in to_reporter.text
    assert "Lý do: Ảnh minh chứng chưa rõ" in to_reporter.text
    assert status_of(engine) == "returned"
    # The reporter opens the report from the button, weeks later, and sends it again.
    services.clock.advance(days=14)
    cadre.last = [to_reporter]
    await cadre.tap("Sửa báo cáo")
    assert "Đồng chí kiểm tra lại báo cáo" in cadre.text()
    await cadre.tap("Sửa")
    await cadre.tap("Số người")
    await cadre.say("30")
    resent = await cadre.tap("Gửi")
    assert "Đã cập nhật báo cáo BC-" in resent[0].text
    post = only(resent, OFFICE_CHAT)
    assert "Đã sửa (lần 2)" in post.text and "Số người tham gia: 30" in post.text
    assert "tuần 47" in post.text  # still the week the activity happened
    assert status_of(engine) == "pending"
    office.last = [post]
    assert "Trạng thái: Đã duyệt" in (await office.tap("Duyệt"))[0].text


async def test_only_the_reporter_can_open_a_returned_report(services, engine, org):
    office = await setup_office(services, engine, org)
    office.last = await send_report(Person(services, "100", "An"), org)
    await office.tap("Trả lại")
    done = await office.say("Thiếu ảnh")
    other = Person(services, "101", "Bình")
    other.last = [only(done, "100")]
    assert "Chỉ người đã gửi báo cáo" in (await other.tap("Sửa báo cáo"))[0].text


async def test_commend_thanks_the_unit_and_shares_with_siblings(services, engine, org):
    office = await setup_office(services, engine, org)
    office.last = await send_report(Person(services, "100", "Nguyễn Văn An"), org)
    replies = await office.tap("Biểu dương")
    edited = only(replies, OFFICE_CHAT)
    assert "Trạng thái: Điển hình" in edited.text
    thanks = only(replies, GROUP_A1).text
    assert "Huyện đoàn A biểu dương Chi đoàn ấp 1" in thanks
    assert "Nguyễn Văn An" not in thanks  # a unit is thanked, never a person
    assert status_of(engine) == "commended"
    office.last = [edited]
    shared = await office.tap("Chia sẻ để nhân rộng")
    assert "Điển hình để nhân rộng: Chi đoàn ấp 1" in only(shared, GROUP_A2).text
    assert not to_chat(shared, GROUP_A1)
    assert "Đã chia sẻ để nhân rộng" in only(shared, OFFICE_CHAT).text
    office.last = [edited]
    assert await office.tap("Chia sẻ để nhân rộng") == []  # once


async def test_guidance_goes_to_the_unit_group_and_is_recorded(services, engine, org):
    office = await setup_office(services, engine, org)
    office.last = await send_report(Person(services, "100", "An"), org)
    await office.tap("Cho ý kiến")
    done = await office.say("Huyện đoàn sẽ cấp 10 bộ bao tay trong tuần tới.")
    assert only(done, GROUP_A1).text.startswith(
        "Ý kiến chỉ đạo của Huyện đoàn A: Huyện đoàn sẽ cấp 10 bộ bao tay")
    assert "💬 Ý kiến chỉ đạo (Trần Văn Phòng" in only(done, OFFICE_CHAT).text
    with session_scope(engine) as s:
        rows = list(s.exec(select(store.Guidance)))
    assert [g.text for g in rows] == ["Huyện đoàn sẽ cấp 10 bộ bao tay trong tuần tới."]
    assert status_of(engine) == "pending"  # guidance is not a verdict


async def test_reviewer_outside_the_subtree_is_refused(services, engine, org):
    office = await setup_office(services, engine, org)
    replies = await send_report(Person(services, "100", "An"), org)
    outsider = staff(services, engine, "902", org["HD-B"], name="Văn phòng B")
    for label in ("Duyệt", "Trả lại", "Biểu dương", "Cho ý kiến"):
        outsider.last = to_chat(replies, OFFICE_CHAT)
        answer = await outsider.tap(label)
        assert len(answer) == 1 and "Chỉ cán bộ Văn phòng phụ trách Chi đoàn ấp 1" in answer[0].text
    assert status_of(engine) == "pending"
    assert office


async def test_a_cadre_pressing_an_office_button_changes_nothing(services, engine, org):
    await setup_office(services, engine, org)
    cadre = Person(services, "100", "An")
    replies = await send_report(cadre, org)
    cadre.last = to_chat(replies, OFFICE_CHAT)
    assert "Chỉ cán bộ Văn phòng" in (await cadre.tap("Duyệt"))[0].text
    cadre.last = to_chat(replies, OFFICE_CHAT)
    assert "Chỉ cán bộ Văn phòng" in (await cadre.tap("Biểu dương"))[0].text
    assert status_of(engine) == "pending"
    with session_scope(engine) as s:
        assert [a.action for a in s.exec(select(store.ReviewAction))] == ["submit"]


async def test_typed_numbers_with_the_receipt_on_text_platforms(services, engine, org):
    with session_scope(engine) as s:
        repo.add_admin(s, "zalo", "z-900", org["HD-A"].id)
    office = Person(services, "z-900", "Lê Văn Phòng", platform="zalo").in_group("zg-1", "VP")
    await office.say(f"/dangky {org['HD-A'].join_code} vanphong")
    replies = await send_report(Person(services, "100", "An"), org)
    post = only(replies, "zg-1")
    assert post.platform == "zalo" and "ví dụ «1 BC-" in post.text
    receipt = post.text.split("«1 ")[1].split("»")[0]
    done = await office.say(f"@Báo cáo Đoàn 1 {receipt}")
    assert done[0].edit_of is None and done[0].chat_id == "zg-1"
    assert done[0].text.startswith(f"✅ {receipt} (Chi đoàn ấp 1): Đã duyệt – đồng chí Lê Văn Phòng")
    assert await office.say(f"1 {receipt}") == []  # a repeated «1» is still «Duyệt»: nothing
    assert "Điển hình" in (await office.say(f"3 {receipt}"))[0].text
    assert "nhân rộng" in (await office.say(f"5 {receipt}"))[0].text


async def test_two_reviewers_at_once_make_one_change_and_one_message(services, engine, org):
    """Two sessions race on one report (the conditional UPDATE holds on PostgreSQL too)."""
    import asyncio
    import threading

    from handlers.dispatch import handle
    await setup_office(services, engine, org)
    replies = await send_report(Person(services, "100", "An"), org)
    post = only(replies, OFFICE_CHAT)
    second = staff(services, engine, "903", org["TD"], name="Phó Văn Phòng")
    taps = [(staff(services, engine, "900", org["HD-A"]), "Duyệt"), (second, "Duyệt")]
    barrier, results = threading.Barrier(2), {}

    def press(index):
        person, label = taps[index]
        data = next(c.data for c in post.choices if label in c.label)
        msg = person.message("choice", choice=data, message_id="501")
        barrier.wait()
        results[index] = asyncio.run(handle(msg, services))

    threads = [threading.Thread(target=press, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    spoke = [i for i in results if results[i]]
    assert len(spoke) == 1
    with session_scope(engine) as s:
        actions = [a.action for a in s.exec(select(store.ReviewAction))]
    assert actions.count("approve") == 1
    assert status_of(engine) == "approved"
    names = {0: "Trần Văn Phòng", 1: "Phó Văn Phòng"}
    assert f"Đã duyệt – đồng chí {names[spoke[0]]}" in results[spoke[0]][0].text


def test_conditional_update_waits_for_the_other_session(engine, org):
    """Session 1 approves and has not committed; session 2's approve waits for it, then finds
    the report no longer pending and changes nothing."""
    import threading
    from datetime import datetime, timezone

    from sqlmodel import Session

    from storage.models import Report as R
    now = datetime(2026, 11, 18, 10, tzinfo=timezone.utc)
    with session_scope(engine) as s:
        task_id = repo.active_tasks(s)[0].id
        report = R(receipt_code="BC-RACE22", unit_id=org["CD-A1"].id, task_id=task_id,
                   platform="telegram", reporter_id="1", content="x", period="2026-W47")
        s.add(report)
        s.flush()
        store.reset_for_revision(s, report)
        report_id = report.id
    first = Session(engine)
    assert store.transition(first, report_id, 1, [store.PENDING], store.APPROVED, "a", "A", now)
    outcome = {}

    def other():
        with session_scope(engine) as s:
            outcome["second"] = store.transition(s, report_id, 1, [store.PENDING],
                                                 store.APPROVED, "b", "B", now)

    thread = threading.Thread(target=other)
    thread.start()
    thread.join(0.5)
    assert thread.is_alive()  # blocked on the first session's row lock
    first.commit()
    thread.join()
    first.close()
    assert outcome["second"] is False
    with session_scope(engine) as s:
        review = store.review_of(s, report_id)
        assert (review.status, review.acted_by) == (store.APPROVED, "a")


async def test_commended_report_appears_in_the_monday_digest(services, engine, org, clock):
    from tests.test_reminder_rounds import MONDAY, run_round
    office = await setup_office(services, engine, org)
    replies = await send_report(Person(services, "100", "An"), org)
    office.last = to_chat(replies, OFFICE_CHAT)
    clock.advance(days=1)
    await office.tap("Biểu dương")
    sender, _, _ = await run_round(services, clock, "digest", MONDAY)
    digest = sender.texts(OFFICE_CHAT)[0]
    section = digest.split("• Điển hình (Văn phòng đã biểu dương trong tuần qua):")[1]
    assert "Chi đoàn ấp 1 – NV3 Nông thôn mới: «Dọn vệ sinh tuyến đường ấp 1» (BC-" in section


async def test_help_names_the_office_review(services, org):
    person = Person(services, "100", "An")
    await person.say("/giup")
    assert "«Duyệt», «Trả lại», «Biểu dương», «Cho ý kiến»" in person.text()
    assert "«1 BC-7K3QXM»" in person.text()
