"""APScheduler jobs rebuilt from the database: one job per (kind, weekly slot) in use.

The database is the source of truth: at start, and every few minutes after (so a `fieldreport
schedule set` from another process takes effect), jobs are added or removed to match the
schedules. A job's trigger knows holidays, office days off and quiet hours. A round that fell
due while the bot was down is handed to APScheduler with its past run time: within the 6-hour
misfire grace it runs at once (coalesced to one run); older, APScheduler reports it missed and
we record it as missed.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Callable, Mapping, Optional

from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.delivery import GRACE, Deliverer, Limits
from bot.outbox import Sender
from handlers.weekly.calendar import DaysOff, Slot, latest_due, next_due, period_of
from handlers.weekly import rounds
from handlers.weekly.rounds import BuiltRound
from handlers.weekly.schedule import load_calendar, load_days_off
from handlers.services import Services
from storage import reminders as store
from storage.clock import LOCAL_TZ
from storage.db import session_scope

log = logging.getLogger(__name__)

SYNC_EVERY = timedelta(minutes=5)
JOB_PREFIX = "slot:"


class SlotTrigger(BaseTrigger):
    """Fires when `kind` is due on `slot`, week after week, honouring days off."""

    __slots__ = ("kind", "slot", "days_off")

    def __init__(self, kind: str, slot: Slot, days_off: Callable[[], DaysOff]):
        self.kind, self.slot, self.days_off = kind, slot, days_off

    def get_next_fire_time(self, previous_fire_time: Optional[datetime], now: datetime
                           ) -> Optional[datetime]:
        after = previous_fire_time or (now - timedelta(microseconds=1))
        found = next_due(self.kind, self.slot, after, self.days_off())
        return found[1] if found else None

    def __str__(self) -> str:
        return f"{self.kind} {self.slot.label()}"


def job_id(kind: str, slot_key: str) -> str:
    return f"{JOB_PREFIX}{kind}:{slot_key}"


def parse_job_id(jid: str) -> tuple[str, str]:
    kind, key = jid[len(JOB_PREFIX):].split(":", 1)
    return kind, key


class ReminderScheduler:
    def __init__(self, services: Services, deliverer: Deliverer,
                 scheduler: Optional[AsyncIOScheduler] = None):
        self.services, self.deliverer = services, deliverer
        self.platforms = sorted(deliverer.senders)
        self.scheduler = scheduler or AsyncIOScheduler(
            timezone=LOCAL_TZ,
            job_defaults={"misfire_grace_time": int(GRACE.total_seconds()), "coalesce": True,
                          "max_instances": 1})
        self.scheduler.add_listener(self._on_missed, EVENT_JOB_MISSED)
        self._serve: Optional[asyncio.Task] = None

    def days_off(self) -> DaysOff:
        with session_scope(self.services.engine) as s:
            return load_days_off(s)

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        """Must run inside the bot's event loop (AsyncIOScheduler uses the running loop)."""
        self.sync()
        self.scheduler.add_job(self.sync, IntervalTrigger(seconds=SYNC_EVERY.total_seconds()),
                               id="reminder-sync", name="rebuild reminder jobs from the DB")
        self.scheduler.start()
        self._serve = asyncio.create_task(self.deliverer.serve())
        log.info("reminders: %d scheduled jobs", len(self.slot_jobs()))

    async def stop(self, patience: float = 15.0) -> None:
        """Stop firing; let sends under way finish (recorded), then give up on the rest."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self._serve is not None:
            self.deliverer.request_stop()
            try:
                await asyncio.wait_for(asyncio.shield(self._serve), patience)
            except asyncio.TimeoutError:
                self._serve.cancel()
            await asyncio.gather(self._serve, return_exceptions=True)

    def slot_jobs(self) -> dict[str, object]:
        return {job.id: job for job in self.scheduler.get_jobs() if job.id.startswith(JOB_PREFIX)}

    # --- jobs from data ---------------------------------------------------------------------

    def sync(self) -> None:
        """Add a job for every (kind, slot) some unit uses; remove jobs nobody uses any more."""
        with session_scope(self.services.engine) as s:
            wanted = {job_id(kind, key): (kind, key) for kind, key in load_calendar(s).slots_in_use()}
        current = self.slot_jobs()
        for jid in set(current) - set(wanted):
            self.scheduler.remove_job(jid)
        for jid, (kind, key) in wanted.items():
            if jid in current:
                continue
            slot = Slot.from_key(key)
            first = self.first_run(kind, slot)
            if first is None:
                continue
            self.scheduler.add_job(self.fire, SlotTrigger(kind, slot, self.days_off), id=jid,
                                   name=f"{kind} {slot.label()}", args=(kind, key),
                                   next_run_time=first)

    def first_run(self, kind: str, slot: Slot) -> Optional[datetime]:
        """The latest due time if that round never happened, else the next due time.

        A past due time goes to APScheduler, which runs it within the misfire grace or reports
        it missed. A slot with no round yet (new install, new schedule) only looks back within
        the grace, so it does not start life with a 'missed' round.
        """
        now = self.services.clock()
        days_off = self.days_off()
        latest = latest_due(kind, slot, now, days_off)
        if latest is not None:
            with session_scope(self.services.engine) as s:
                never_ran = store.round_status(s, kind, latest[0], slot.key) is None
                known = store.slot_has_rounds(s, kind, slot.key)
            if never_ran and (known or now - latest[1] <= GRACE):
                return latest[1].astimezone(LOCAL_TZ)
        upcoming = next_due(kind, slot, now, days_off)
        return upcoming[1].astimezone(LOCAL_TZ) if upcoming else None

    async def fire(self, kind: str, slot_key: str) -> None:
        """Plan the round that is due now and let the delivery worker send it."""
        now = self.services.clock()
        latest = latest_due(kind, Slot.from_key(slot_key), now, self.days_off())
        if latest is None or now - latest[1] > GRACE:
            return
        period, due = latest
        planned = build_round(self.services, kind, period, due, self.platforms, slot_key=slot_key)
        log.info("round %s %s (%s): %d units, %d new deliveries", kind, period, slot_key,
                 planned.units, planned.added)
        self.deliverer.wake()

    def _on_missed(self, event: JobExecutionEvent) -> None:
        if not event.job_id.startswith(JOB_PREFIX):
            return
        kind, key = parse_job_id(event.job_id)
        slot = Slot.from_key(key)
        period = period_of(kind, slot, event.scheduled_run_time, self.days_off())
        if period is None:
            return
        n = record_missed(self.services, kind, period, event.scheduled_run_time, self.platforms,
                          key)
        log.warning("round %s %s (%s) missed: due %s, bot was not running; %d deliveries "
                    "recorded as missed", kind, period, key, event.scheduled_run_time, n)


def build_round(svc: Services, kind: str, period: str, due: datetime, platforms: list[str],
                slot_key: Optional[str] = None, root_id: Optional[int] = None) -> BuiltRound:
    """One round's delivery rows, written in one transaction (handlers/weekly/rounds.py)."""
    with session_scope(svc.engine) as s:
        return rounds.build_round(s, svc, kind, period, due, platforms, slot_key, root_id)


def record_missed(svc: Services, kind: str, period: str, due: datetime, platforms: list[str],
                  slot_key: str) -> int:
    """A round found too late, recorded as missed in one transaction."""
    with session_scope(svc.engine) as s:
        return rounds.record_missed(s, svc, kind, period, due, platforms, slot_key)


ZALO_PLATFORMS = ("zalo", "zalo_oa")


def pacing(settings) -> tuple[dict[str, Limits], dict[str, str]]:
    """Per-platform send limits and quota periods from the settings (.env.example says why)."""
    telegram = Limits(per_second=settings.delivery_max_per_second,
                      per_chat_per_minute=settings.delivery_max_per_chat_per_minute)
    zalo = Limits(per_second=settings.zalo_max_per_second,
                  per_chat_per_minute=settings.zalo_max_per_chat_per_minute)
    limits = {"telegram": telegram, **dict.fromkeys(ZALO_PLATFORMS, zalo)}
    return limits, dict.fromkeys(ZALO_PLATFORMS, settings.zalo_quota_period)


def build_deliverer(settings, services: Services, senders: Mapping[str, Sender]) -> Deliverer:
    """The paced sender; every process sending as one bot shares its pace (bot/ratelimit.py)."""
    from bot.ratelimit import bot_key, shared_slots
    limits, periods = pacing(settings)
    tokens = {"telegram": settings.telegram_bot_token, "zalo": settings.zalo_bot_token,
              "zalo_oa": settings.zalo_oa_app_id}
    keys = {}
    for platform in senders:
        token = tokens.get(platform)
        value = token.get_secret_value() if hasattr(token, "get_secret_value") else token
        if value:
            keys[platform] = bot_key(platform, value)
    return Deliverer(services.engine, senders, limits, quota_periods=periods,
                     shared=shared_slots(services.engine, settings.redis_url), slot_keys=keys)


def start_reminders(settings, services: Services, senders: Mapping[str, Sender]
                    ) -> Optional[ReminderScheduler]:
    """Wire reminders into a running bot (called by bot.runner inside its event loop).
    Every process sending as one bot shares its pace (bot/ratelimit.py)."""
    if not settings.reminders_enabled or not senders:
        return None
    reminders = ReminderScheduler(services, build_deliverer(settings, services, senders))
    reminders.start()
    return reminders
