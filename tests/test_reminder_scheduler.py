"""Schedules are data: APScheduler jobs rebuilt from the database, misfires within 6 hours."""
import asyncio
from datetime import datetime, timedelta, timezone

from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent

import handlers.weekly.calendar as calendar
from bot.delivery import Deliverer, Timer
from bot.scheduler import ReminderScheduler, job_id
from handlers.weekly.calendar import DaysOff, Slot
from storage import reminders as store
from storage.clock import LOCAL_TZ
from storage.db import session_scope
from tests.reminder_fakes import FakeTimer, RecordingSender
from tests.test_reminder_rounds import FRIDAY, PERIOD, chats  # noqa: F401  (fixture)

DEFAULT_JOBS = {job_id("reminder", "4 16:30"), job_id("followup", "6 09:00"),
                job_id("digest", "0 07:30")}


def scheduler(services, clock, sender=None, timer=None) -> ReminderScheduler:
    sender = sender or RecordingSender(clock)
    deliverer = Deliverer(services.engine, {"telegram": sender}, timer=timer or FakeTimer(clock))
    return ReminderScheduler(services, deliverer)


def local(*args):
    return datetime(*args, tzinfo=LOCAL_TZ)


async def test_jobs_come_from_the_schedules_in_the_database(services, clock, chats):
    rs = scheduler(services, clock)
    rs.sync()
    assert set(rs.slot_jobs()) == DEFAULT_JOBS
    reminder = rs.slot_jobs()[job_id("reminder", "4 16:30")]
    assert reminder.next_run_time == local(2026, 11, 20, 16, 30)  # clock: Wed 18/11 17:00
    assert reminder.trigger.get_next_fire_time(reminder.next_run_time, None) == \
        local(2026, 11, 27, 16, 30)

    with session_scope(services.engine) as s:  # HĐ A moves to Thursday 17:00
        store.set_schedule(s, chats["HD-A"].id, {"reminder": "3 17:00"})
    rs.sync()
    assert job_id("reminder", "3 17:00") in rs.slot_jobs()
    assert job_id("reminder", "4 16:30") in rs.slot_jobs()  # HĐ B keeps Friday

    with session_scope(services.engine) as s:  # the whole tree moves: Friday's job goes
        store.set_schedule(s, None, {"reminder": "3 17:00", "followup": "off"})
    rs.sync()
    assert set(rs.slot_jobs()) == {job_id("reminder", "3 17:00"), job_id("digest", "0 07:30")}


async def test_fire_sends_the_round_that_is_due(services, clock, chats):
    sender = RecordingSender(clock)
    rs = scheduler(services, clock, sender)
    clock.now = FRIDAY + timedelta(minutes=2)
    await rs.fire("reminder", "4 16:30")
    await rs.deliverer.drain()
    assert sorted(sender.chats()) == ["-1001", "-1002", "-1003", "501"]
    with session_scope(services.engine) as s:
        assert store.round_status(s, "reminder", PERIOD, "4 16:30") == "planned"
    # A restart right after: the round happened, so the job looks ahead to next week.
    rs.sync()
    assert rs.slot_jobs()[job_id("reminder", "4 16:30")].next_run_time == local(2026, 11, 27, 16, 30)


async def test_round_missed_while_down_is_recorded_not_sent(services, clock, chats):
    sender = RecordingSender(clock)
    rs = scheduler(services, clock, sender)
    with session_scope(services.engine) as s:  # the bot has run this slot before
        store.record_round(s, "reminder", "2026-W46", "4 16:30", FRIDAY - timedelta(days=7),
                           "planned")
    clock.now = FRIDAY + timedelta(hours=18)  # back on Saturday morning
    rs.sync()
    job = rs.slot_jobs()[job_id("reminder", "4 16:30")]
    assert job.next_run_time == FRIDAY  # handed to APScheduler, which decides: too late
    rs._on_missed(JobExecutionEvent(EVENT_JOB_MISSED, job.id, "default", FRIDAY))
    with session_scope(services.engine) as s:
        assert store.round_status(s, "reminder", PERIOD, "4 16:30") == "missed"
        assert store.status_counts(s, period=PERIOD) == {"missed": 4}
    await rs.deliverer.drain()
    assert sender.sent == []


async def test_new_install_does_not_start_with_a_missed_round(services, clock, chats):
    rs = scheduler(services, clock)
    clock.now = FRIDAY + timedelta(hours=18)
    rs.sync()
    assert rs.slot_jobs()[job_id("reminder", "4 16:30")].next_run_time == local(2026, 11, 27, 16, 30)


class NoDaysOff(DaysOff):
    def reason(self, day):
        return None


async def test_apscheduler_runs_a_round_5_hours_late_and_records_one_7_hours_late(
        services, clock, chats, monkeypatch):
    """The real AsyncIOScheduler decides (it reads the real clock): within the 6-hour grace the
    round is sent at start; beyond it, it is reported missed and recorded, not sent."""
    monkeypatch.setattr(calendar, "out_of_quiet_hours", lambda moment: moment.astimezone(LOCAL_TZ))
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    clock.now = now
    five, seven = (now - timedelta(hours=5)).astimezone(LOCAL_TZ), (now - timedelta(hours=7)).astimezone(LOCAL_TZ)
    reminder, digest = Slot(five.weekday(), five.time()), Slot(seven.weekday(), seven.time())
    with session_scope(services.engine) as s:
        store.set_schedule(s, None, {"reminder": reminder.key, "followup": "off",
                                     "digest": digest.key})
        store.record_round(s, "digest", "2000-W01", digest.key, now - timedelta(days=400), "planned")

    class RealNow(Timer):
        def now(self):
            return clock()

    sender = RecordingSender(clock)
    rs = scheduler(services, clock, sender, timer=RealNow())
    rs.days_off = NoDaysOff
    rs.start()
    try:
        for _ in range(200):  # event-driven: the due job runs as soon as the scheduler starts
            with session_scope(services.engine) as s:
                missed = store.status_counts(s, kind="digest").get("missed", 0)
            if len(sender.sent) == 4 and missed == 2:
                break
            await asyncio.sleep(0.05)
    finally:
        await rs.stop()
    assert sorted(sender.chats()) == ["-1001", "-1002", "-1003", "501"]
    assert missed == 2  # the two office chats, logged as missed
    assert "-2000" not in sender.chats()
