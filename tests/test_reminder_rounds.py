"""What cadres and offices receive: the weekly reminder, the follow-up, the Monday digest."""
from datetime import datetime, timezone

import pytest

from bot.delivery import Deliverer, Scope
from bot.scheduler import build_round
from storage import repo
from storage import reminders as store
from storage.clock import LOCAL_TZ
from storage.db import session_scope
from storage.models import ChatBinding, Member, Report
from tests.reminder_fakes import FakeTimer, RecordingSender

PERIOD = "2026-W47"
FRIDAY = datetime(2026, 11, 20, 16, 30, tzinfo=LOCAL_TZ).astimezone(timezone.utc)
SUNDAY = datetime(2026, 11, 22, 9, 0, tzinfo=LOCAL_TZ).astimezone(timezone.utc)
MONDAY = datetime(2026, 11, 23, 7, 30, tzinfo=LOCAL_TZ).astimezone(timezone.utc)
SLOTS = {"reminder": "4 16:30", "followup": "6 09:00", "digest": "0 07:30"}  # the defaults
GROUPS = {"CD-A1": "-1001", "CD-A2": "-1002", "CD-B1": "-1003"}


@pytest.fixture
def chats(engine, org):
    """Three branches with a group; CD-B2 has only a cadre in private; offices for HD-A and TD."""
    with session_scope(engine) as s:
        for code, chat in GROUPS.items():
            repo.bind_chat(s, "telegram", chat, org[code], f"Nhóm {code}", "1")
        repo.join_unit(s, "telegram", "501", org["CD-B2"], "Trần Thị Bình", "501")
        repo.join_unit(s, "telegram", "601", org["CD-A2"], "Lê Văn Cường", "601",
                       role="secretary")
        repo.bind_chat(s, "telegram", "-2001", org["HD-A"], "Văn phòng HĐ A", "1", purpose="office")
        repo.bind_chat(s, "telegram", "-2000", org["TD"], "Văn phòng Tỉnh đoàn", "1",
                       purpose="office")
    return org


def add_report(engine, unit, participants, period=PERIOD, task_index=0):
    with session_scope(engine) as s:
        task = repo.active_tasks(s)[task_index]
        s.add(Report(receipt_code=repo.new_receipt_code(s), unit_id=unit.id, task_id=task.id,
                     platform="telegram", reporter_id="9", reporter_name="x", content="Dọn vệ sinh",
                     participants=participants, period=period))


async def run_round(services, clock, kind, due, period=PERIOD, sender=None):
    clock.now = due
    sender = sender or RecordingSender(clock)
    planned = build_round(services, kind, period, due, ["telegram"], slot_key=SLOTS[kind])
    deliverer = Deliverer(services.engine, {"telegram": sender}, timer=FakeTimer(clock))
    report = await deliverer.drain(Scope(kind=kind, period=period))
    return sender, planned, report


async def test_reminder_reaches_every_group_and_cadres_without_a_group(services, clock, chats):
    add_report(services.engine, chats["CD-A1"], 12)
    sender, planned, report = await run_round(services, clock, "reminder", FRIDAY)
    assert sorted(sender.chats()) == sorted([*GROUPS.values(), "501"])
    assert report.results["sent"] == 4
    done, todo = sender.sent[sender.chats().index("-1001")][1], sender.sent[sender.chats().index("-1002")][1]
    assert "tuần 47 (16/11–22/11/2026)" in done.text
    assert "Chi đoàn ấp 1" in done.text and "đã báo cáo (1 báo cáo)" in done.text
    assert "chưa báo cáo" in todo.text
    assert "Hạn báo cáo: 21:00 Chủ nhật 22/11/2026" in todo.text
    assert "Gợi ý 30 phút hành động" in todo.text
    button = todo.choices[0]
    assert button.label == "📝 Báo cáo"
    assert button.url == f"https://t.me/fieldreport_test_bot?start=bc_{chats['CD-A2'].join_code}"
    # The secretary of CD-A2 is not messaged privately: the unit's group got the reminder.
    assert "601" not in sender.chats()


async def test_a_second_round_for_the_same_week_sends_nothing(services, clock, chats):
    first, _, _ = await run_round(services, clock, "reminder", FRIDAY)
    again, planned, report = await run_round(services, clock, "reminder", FRIDAY)
    assert len(first.sent) == 4 and planned.added == 0 and again.sent == []


async def test_followup_names_nobody_and_counts_siblings(services, clock, chats):
    add_report(services.engine, chats["CD-A1"], 12)
    sender, _, _ = await run_round(services, clock, "followup", SUNDAY)
    # CD-A1 reported: no nudge; CD-A2 (group + secretary), CD-B1 (group), CD-B2 (cadre).
    assert sorted(sender.chats()) == sorted(["-1002", "601", "-1003", "501"])
    group = sender.texts("-1002")[0]
    assert "1/2 chi đoàn của Huyện đoàn A đã báo cáo" in group
    assert "Cường" not in group and "đồng chí" not in group.split(".")[0]
    assert "Hạn báo cáo: 21:00 Chủ nhật 22/11/2026" in group
    private = sender.texts("601")[0]
    assert private.startswith("⏰ Chào đồng chí Lê Văn Cường!")
    assert "0/2 chi đoàn của Huyện đoàn B" in sender.texts("-1003")[0]


async def test_followup_is_dropped_when_the_unit_reports_before_it_goes_out(services, clock, chats):
    clock.now = SUNDAY
    build_round(services, "followup", PERIOD, SUNDAY, ["telegram"], slot_key=SLOTS["followup"])
    add_report(services.engine, chats["CD-B1"], 5)
    sender = RecordingSender(clock)
    report = await Deliverer(services.engine, {"telegram": sender}, timer=FakeTimer(clock)).drain()
    assert "-1003" not in sender.chats() and report.results["skipped"] == 1


async def test_monday_digest_for_each_office(services, clock, chats):
    add_report(services.engine, chats["CD-A1"], 40, task_index=2)
    add_report(services.engine, chats["CD-A1"], 15, task_index=0)
    add_report(services.engine, chats["CD-B1"], 25, task_index=2)
    add_report(services.engine, chats["HD-A"], 8, task_index=5)
    sender, _, _ = await run_round(services, clock, "digest", MONDAY)
    assert sorted(sender.chats()) == ["-2000", "-2001"]
    district = sender.texts("-2001")[0]
    assert "Tổng hợp báo cáo tuần 47 (16/11–22/11/2026) – Huyện đoàn A" in district
    assert "Đã báo cáo: 1/2 đơn vị" in district
    assert "Chưa báo cáo: Chi đoàn ấp 2" in district
    assert "NV3 Nông thôn mới: 1 báo cáo, 40 người tham gia" in district
    assert "NV6" in district  # the district's own report counts in the totals
    province = sender.texts("-2000")[0]
    assert "Đã báo cáo: 2/4 đơn vị" in province
    assert "Chưa báo cáo: Chi đoàn ấp 2, Chi đoàn khóm 2" in province
    assert "NV3 Nông thôn mới: 2 báo cáo, 65 người tham gia" in province
    top = province.split("Nổi bật")[1].splitlines()[1:4]
    assert ["40 người" in top[0], "25 người" in top[1], "15 người" in top[2]] == [True] * 3
    assert "Chi đoàn ấp 1" in top[0] and "Chi đoàn khóm 1" in top[1]


async def test_blocked_chat_is_marked_inactive_and_reported_in_the_next_digest(services, clock,
                                                                               chats):
    sender = RecordingSender(clock)
    sender.blocked.add("-1003")
    _, _, report = await run_round(services, clock, "reminder", FRIDAY, sender=sender)
    assert report.results["blocked"] == 1
    with session_scope(services.engine) as s:
        binding = s.exec(repo.select(ChatBinding).where(ChatBinding.chat_id == "-1003")).one()
        assert binding.active is False
        row = [d for d in store.deliveries(s, PERIOD) if d.chat_id == "-1003"][0]
        assert row.status == "blocked" and "blocked" in row.error
    # The follow-up no longer tries the dead group, and the office hears about it on Monday.
    followup, _, _ = await run_round(services, clock, "followup", SUNDAY)
    assert "-1003" not in followup.chats()
    digest, _, _ = await run_round(services, clock, "digest", MONDAY)
    province = digest.texts("-2000")[0]
    assert "đã chặn hoặc xóa bot" in province and "Chi đoàn khóm 1: Nhóm CD-B1" in province
    assert "Chi đoàn khóm 1" not in digest.texts("-2001")[0]  # not HĐ A's branch


async def test_blocked_private_chat_deactivates_the_cadre(services, clock, chats):
    sender = RecordingSender(clock)
    sender.blocked.add("501")
    await run_round(services, clock, "reminder", FRIDAY, sender=sender)
    with session_scope(services.engine) as s:
        member = s.exec(repo.select(Member).where(Member.chat_id == "501")).one()
        assert member.active is False


async def test_paused_unit_gets_nothing(services, clock, chats):
    with session_scope(services.engine) as s:
        store.pause_unit(s, chats["HD-B"].id, None, "sáp nhập")
    sender, _, _ = await run_round(services, clock, "reminder", FRIDAY)
    assert sorted(sender.chats()) == ["-1001", "-1002"]  # HĐ B's branches are paused with it
