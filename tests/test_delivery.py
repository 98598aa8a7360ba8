"""Delivery you can trust: exactly once across a crash, 429 waits, pacing, quiet hours, HTTP."""
import asyncio
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from telegram import Bot

from bot.delivery import LEASE, Deliverer, Limits
from bot.telegram.sender import TelegramSender
from bot.scheduler import build_round
from storage import repo
from storage import reminders as store
from storage.clock import LOCAL_TZ
from storage.db import session_scope
from storage.units_import import import_units
from tests.fake_telegram_api import TOKEN, FakeBotApi
from tests.reminder_fakes import FakeTimer, RecordingSender

PERIOD = "2026-W47"
FRIDAY = datetime(2026, 11, 20, 16, 30, tzinfo=LOCAL_TZ).astimezone(timezone.utc)
SLOT = "4 16:30"


def make_groups(engine, n: int, private_units: int = 0) -> list[str]:
    """A province with n branches, each with a bound group (chat ids -100..)."""
    rows = [["P", "Tỉnh đoàn", "", "tỉnh"]]
    rows += [[f"B{i}", f"Chi đoàn {i}", "P", "chi đoàn"] for i in range(n)]
    with session_scope(engine) as s:
        import_units(s, ["code", "name", "parent_code", "level"], rows)
    chats = []
    with session_scope(engine) as s:
        for i in range(n):
            unit = repo.unit_by_code(s, f"B{i}")
            if i < private_units:  # one cadre in several units: one private chat, many messages
                repo.join_unit(s, "telegram", "777", unit, "Cán bộ", "777")
            else:
                chats.append(str(-1000 - i))
                repo.bind_chat(s, "telegram", chats[-1], unit, f"Nhóm {i}", "1")
    return chats


def plan(services, clock, kind="reminder"):
    clock.now = FRIDAY
    return build_round(services, kind, PERIOD, FRIDAY, ["telegram"], slot_key=SLOT)


def statuses(engine) -> dict[str, int]:
    with session_scope(engine) as s:
        return store.status_counts(s, period=PERIOD)


async def test_crash_mid_round_then_restart_sends_nothing_twice(services, clock):
    chats = make_groups(services.engine, 30)
    plan(services, clock)
    sender = RecordingSender(clock)
    sender.hang_after = 11  # the 12th message reaches the platform, then the process dies
    first = Deliverer(services.engine, {"telegram": sender}, timer=FakeTimer(clock))
    run = asyncio.create_task(first.drain())
    await asyncio.wait_for(sender.hanging.wait(), 10)
    run.cancel()  # the crash: nothing after this point is recorded
    with pytest.raises(asyncio.CancelledError):
        await run
    await asyncio.sleep(0.2)  # a claim already handed to a database thread still lands
    at_crash = statuses(services.engine)
    assert at_crash["sent"] == 11 and at_crash["sending"] >= 1

    clock.advance(seconds=LEASE.total_seconds() + 1)  # the restarted process, a while later
    sender.hang_after = None
    report = await Deliverer(services.engine, {"telegram": sender}, timer=FakeTimer(clock)).drain()
    assert report.results == {"sent": at_crash["pending"], "unknown": at_crash["sending"]}
    got = Counter(sender.chats())
    assert max(got.values()) == 1  # nobody twice
    with session_scope(services.engine) as s:
        in_doubt = {d.chat_id for d in store.deliveries(s, PERIOD) if d.status == "unknown"}
    # Rows claimed when the process died are never sent again and are logged as `unknown`;
    # a group can only have gone without if its row is one of those.
    assert set(chats) - set(got) <= in_doubt
    assert statuses(services.engine) == {"sent": 30 - len(in_doubt), "unknown": len(in_doubt)}


async def test_429_waits_retry_after_and_retries(services, clock):
    chats = make_groups(services.engine, 5)
    plan(services, clock)
    sender = RecordingSender(clock)
    sender.throttle_next, sender.retry_after = 1, 7.0
    timer = FakeTimer(clock)
    report = await Deliverer(services.engine, {"telegram": sender}, timer=timer).drain()
    assert report.results == {"retry": 1, "sent": 5}
    assert sorted(sender.chats()) == sorted(chats)
    gaps = [b - a for (_, _, a), (_, _, b) in zip(sender.sent, sender.sent[1:])]
    assert sender.sent[0][2] - FRIDAY.timestamp() >= 7.0  # nothing went out before retry_after
    assert all(g < 1 for g in gaps)
    with session_scope(services.engine) as s:
        retried = [d for d in store.deliveries(s, PERIOD) if d.attempts == 2]
        assert len(retried) == 1 and retried[0].status == "sent"


async def test_pacing_keeps_under_30_per_second_and_20_per_minute_per_chat(services, clock):
    make_groups(services.engine, 90, private_units=3)
    plan(services, clock)
    sender = RecordingSender(clock)
    await Deliverer(services.engine, {"telegram": sender}, Limits(30, 20),
                    timer=FakeTimer(clock)).drain()
    times = [t for _, _, t in sender.sent]
    assert len(times) == 90
    assert min(b - a for a, b in zip(times, times[1:])) >= 1 / 30
    assert all(len([t for t in times if start <= t < start + 1]) <= 30 for start in times)
    same_chat = [t for chat, _, t in sender.sent if chat == "777"]
    assert len(same_chat) == 3 and min(b - a for a, b in zip(same_chat, same_chat[1:])) >= 3.0
    groups = [t for chat, _, t in sender.sent if chat != "777"]
    assert groups[-1] - groups[0] < 87 / 30 * 1.1  # the busy chat did not hold back the groups


async def test_quiet_hours_hold_the_round_until_half_past_six(services, clock):
    make_groups(services.engine, 3)
    late = datetime(2026, 11, 20, 22, 0, tzinfo=LOCAL_TZ).astimezone(timezone.utc)
    clock.now = late
    build_round(services, "manual", PERIOD, late, ["telegram"])
    sender = RecordingSender(clock)
    deliverer = Deliverer(services.engine, {"telegram": sender}, timer=FakeTimer(clock))
    report = await deliverer.drain(stop_in_quiet_hours=True)
    assert report.stopped_for_quiet_hours and sender.sent == []
    await deliverer.drain()
    first = datetime.fromtimestamp(sender.sent[0][2], timezone.utc).astimezone(LOCAL_TZ)
    assert (first.day, first.hour, first.minute) == (21, 6, 30) and len(sender.sent) == 3


async def test_round_older_than_six_hours_is_missed_not_sent_late(services, clock):
    make_groups(services.engine, 3)
    plan(services, clock)
    clock.advance(hours=17, minutes=30)  # Saturday 10:00: 8.5 h late once quiet hours are left out
    sender = RecordingSender(clock)
    report = await Deliverer(services.engine, {"telegram": sender}, timer=FakeTimer(clock)).drain()
    assert sender.sent == [] and report.results["missed"] == 3
    assert statuses(services.engine) == {"missed": 3}


async def test_telegram_over_http_with_scaled_down_limits(services, clock):
    """The real Telegram sender against a local Bot API that enforces the limits (10x faster)."""
    chats = make_groups(services.engine, 40)
    api = FakeBotApi(per_second=30, per_chat_per_minute=20, time_scale=0.1)
    url = await api.start()
    api.blocked.add(chats[3])
    api.missing.add(chats[4])
    try:
        async with Bot(TOKEN, base_url=f"{url}/bot") as bot:
            plan(services, clock)
            deliverer = Deliverer(services.engine, {"telegram": TelegramSender(bot)},
                                  Limits(per_second=300, per_chat_per_minute=200))
            clock.now = datetime.now(timezone.utc).replace(hour=5)  # 12:00 local: not quiet
            with session_scope(services.engine) as s:  # due "now" on the real clock
                for d in store.deliveries(s, PERIOD):
                    d.due_at = d.next_attempt_at = clock.now
                    s.add(d)
            deliverer.timer.now = lambda: clock.now
            report = await deliverer.drain()
    finally:
        await api.stop()
    assert api.too_many == 0
    assert report.results == {"sent": 38, "blocked": 2}
    assert api.per_chat_counts() == {c: 1 for c in chats if c not in (chats[3], chats[4])}
    assert api.received[0].buttons[0]["url"].startswith("https://t.me/fieldreport_test_bot?start=bc_")


async def test_429_from_the_api_is_honoured(services, clock):
    chats = make_groups(services.engine, 4)
    api = FakeBotApi()
    url = await api.start()
    api.throttle_next = 1
    try:
        async with Bot(TOKEN, base_url=f"{url}/bot") as bot:
            plan(services, clock)
            deliverer = Deliverer(services.engine, {"telegram": TelegramSender(bot)},
                                  timer=FakeTimer(clock))
            report = await deliverer.drain()
    finally:
        await api.stop()
    assert api.too_many == 1 and report.results == {"retry": 1, "sent": 4}
    assert sorted(api.per_chat_counts()) == sorted(chats)
    assert clock.now - FRIDAY >= timedelta(seconds=1)  # the fake's retry_after was waited out
