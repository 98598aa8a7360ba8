"""Sending planned deliveries: claim each row in the database, pace, send, record the result.

Order per message: wait for a pacing slot -> claim the row (conditional UPDATE, committed) ->
send -> record sent / retry (429) / blocked / outside_window / failed. A platform whose quota
ran out is paused until the quota renews (one alert to the office); a sender whose configuration
is wrong (bad URL or token) is stopped without touching any chat. A row is only ever sent by
the worker whose claim succeeded, so two processes on one database cannot both send it; a
worker that dies between claim and record leaves the row `sending`, which later becomes
`unknown` and is never sent again (at most once: a lost reminder beats a duplicate in every
group).
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Mapping, Optional, Union

from sqlalchemy.engine import Engine

from bot.outbox import (ChatUnavailable, OutsideWindow, QuotaExhausted, RetryLater, Sender,
                        SenderMisconfigured)
from bot.quota import alert_rows, renews_at
from bot.ratelimit import SharedSlots
from handlers.messages import Choice, Reply
from handlers.weekly.calendar import is_quiet, late_by, out_of_quiet_hours
from storage import reminders as store
from storage.clock import fmt_local, utcnow
from storage.reminders import DeliveryKind, DeliveryStatus
from storage.db import session_scope

log = logging.getLogger(__name__)

GRACE = timedelta(hours=6)  # a delivery this late is recorded as missed, not sent
LEASE = timedelta(minutes=5)  # a claim older than this belongs to a worker that died
IDLE_POLL = 30.0  # seconds between looks for work planned by other processes
STALL = 0.010  # a send this much later than its slot restarts the spacing from the send


class Timer:
    """Wall clock, monotonic clock and sleep; tests pass one that only pretends to wait."""

    def now(self) -> datetime:
        return utcnow()

    def monotonic(self) -> float:
        return asyncio.get_running_loop().time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


@dataclass(frozen=True)
class Limits:
    """Platform limits, and the share of them we aim at so network jitter never crosses them."""

    per_second: float = 30.0
    per_chat_per_minute: float = 20.0
    headroom: float = 0.97


class Pacer:
    """Evenly spaced sends: never two closer than 1/rate overall or 60/rate in one chat.

    Even spacing (no bursts) stays under the limit in any sliding window the platform may count
    in; a leaky bucket with a burst allowance (aiolimiter's model) would not.
    """

    def __init__(self, limits: Limits, timer: Timer):
        self.gap = 1.0 / (limits.per_second * limits.headroom)
        self.chat_gap = 60.0 / (limits.per_chat_per_minute * limits.headroom)
        self.timer = timer
        self.next_free = 0.0
        self.paused_until = 0.0
        self.chat_next: dict[str, float] = {}

    def chat_wait(self, chat: str) -> float:
        return max(0.0, self.chat_next.get(chat, 0.0) - self.timer.monotonic())

    async def turn(self, chat: str) -> float:
        """Wait for the next slot this chat may use; returns the slot. Book it with `sent`."""
        slept = False
        while True:
            now = self.timer.monotonic()
            start = max(self.next_free, self.paused_until, self.chat_next.get(chat, 0.0))
            if start <= now + 1e-6:  # float clocks: a microsecond is "now"
                break
            await self.timer.sleep(start - now)
            slept = True
        # After a sleep the slot itself is the base, so small overheads do not slow the pace;
        # a caller that comes late starts from now, so the pacer never bursts to catch up.
        slot = start if slept else now
        self.next_free = slot + self.gap
        return slot

    def release(self, slot: float) -> None:
        """Nothing was sent in this slot (another process had the row): it is free again."""
        self.next_free = min(self.next_free, slot)

    def sent(self, chat: str, slot: float) -> None:
        """The message leaves now. If that is well after its slot (a stalled database write),
        the spacing counts from now: a late message followed by an on-time one would be two
        messages too close together."""
        now = self.timer.monotonic()
        base = slot if now - slot <= STALL else now
        self.next_free = max(self.next_free, base + self.gap)
        self.chat_next[chat] = max(self.chat_next.get(chat, 0.0), base + self.chat_gap)
        if len(self.chat_next) > 50_000:  # forget chats whose spacing has long passed
            self.chat_next = {c: t for c, t in self.chat_next.items() if t > now}

    def pause(self, seconds: float, chat: Optional[str] = None) -> None:
        """A 429: nothing goes out for `seconds` (Telegram asks the whole bot to wait)."""
        until = self.timer.monotonic() + seconds
        self.paused_until = max(self.paused_until, until)
        if chat is not None:
            self.chat_next[chat] = max(self.chat_next.get(chat, 0.0), until)


@dataclass(frozen=True)
class Scope:
    """Which open deliveries a drain works on; None fields mean any."""

    kind: Optional[str] = None
    period: Optional[str] = None
    unit_ids: Optional[tuple[int, ...]] = None


@dataclass
class DrainReport:
    results: Counter = field(default_factory=Counter)
    stopped_for_quiet_hours: bool = False
    paused: dict[str, datetime] = field(default_factory=dict)  # platform -> quota renews at
    stopped: dict[str, str] = field(default_factory=dict)  # platform -> configuration error

    def __str__(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in sorted(self.results.items())) or "nothing"


def worker_name() -> str:
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Deliverer:
    """One per process: every round and the background sweep share its pacers."""

    def __init__(self, engine: Engine, senders: Mapping[str, Sender],
                 limits: Union[Limits, Mapping[str, Limits]] = Limits(),
                 timer: Optional[Timer] = None, max_in_flight: int = 16, batch: int = 200,
                 quota_periods: Optional[Mapping[str, str]] = None,
                 shared: Optional[SharedSlots] = None,
                 slot_keys: Optional[Mapping[str, str]] = None):
        self.engine, self.senders = engine, dict(senders)
        # Other processes sending as the same bot: one pace for all (bot/ratelimit.py).
        self.shared, self.slot_keys = shared, dict(slot_keys or {})
        self.timer = timer or Timer()
        per_platform = limits if isinstance(limits, Mapping) else {}
        default = limits if isinstance(limits, Limits) else Limits()
        self.pacers = {p: Pacer(per_platform.get(p, default), self.timer) for p in self.senders}
        self.quota_periods = dict(quota_periods or {})
        self.max_in_flight, self.batch = max_in_flight, batch
        self.worker = worker_name()
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()  # one drain at a time: the pacers are per process
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    def request_stop(self) -> None:
        """Start nothing new; sends already under way finish and are recorded."""
        self._stopping = True
        self._wake.set()

    async def serve(self) -> None:
        """Send whatever is open until request_stop(); wake() or a poll brings new work."""
        while not self._stopping:
            try:
                await self.drain()
            except Exception:  # a database hiccup must not end reminders for good
                log.exception("delivery sweep failed; trying again shortly")
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), IDLE_POLL)
            except asyncio.TimeoutError:
                pass

    async def drain(self, scope: Scope = Scope(), stop_in_quiet_hours: bool = False
                    ) -> DrainReport:
        """Send every open delivery in scope, waiting out 429s; returns when none is left."""
        async with self._lock:
            return await self._drain(scope, stop_in_quiet_hours)

    async def _drain(self, scope: Scope, stop_in_quiet_hours: bool) -> DrainReport:
        report = DrainReport()
        in_flight: set[asyncio.Task] = set()
        self._housekeeping(report)
        try:
            while not self._stopping:
                now = self.timer.now()
                if is_quiet(now):
                    if in_flight:
                        await asyncio.wait(in_flight)
                    if stop_in_quiet_hours:
                        report.stopped_for_quiet_hours = True
                        return report
                    await self.timer.sleep((out_of_quiet_hours(now) - now).total_seconds())
                    continue
                rows = self._open_rows(scope, now)
                if not rows:
                    if in_flight:
                        await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                        continue
                    upcoming = self._next_attempt(scope)
                    if upcoming is None:
                        return report
                    if stop_in_quiet_hours and report.paused \
                            and upcoming >= min(report.paused.values()):
                        return report  # the rest waits for the quota; `run` sends it then
                    # Look again at least every IDLE_POLL: a long wait (a platform's quota)
                    # must not hold back rounds planned meanwhile for other platforms.
                    await self.timer.sleep(min((upcoming - now).total_seconds(), IDLE_POLL))
                    continue
                progressed, soonest = await self._dispatch(rows, in_flight, report)
                if not progressed:
                    if in_flight:
                        await asyncio.wait(in_flight, timeout=soonest,
                                           return_when=asyncio.FIRST_COMPLETED)
                    else:
                        await self.timer.sleep(soonest or 0.05)
            return report
        except asyncio.CancelledError:  # killed: in-flight rows stay `sending`, as in a crash
            for task in in_flight:
                task.cancel()
            raise
        finally:
            if in_flight:
                await asyncio.gather(*in_flight, return_exceptions=True)

    async def _dispatch(self, rows, in_flight: set, report: DrainReport
                        ) -> tuple[bool, Optional[float]]:
        """Claim and start sending the rows whose chat may get a message now."""
        progressed, soonest = False, None
        for row in rows:
            if self._stopping or is_quiet(self.timer.now()):
                break
            pacer = self.pacers[row.platform]
            wait = pacer.chat_wait(row.chat_id)
            if wait > 0:
                soonest = wait if soonest is None else min(soonest, wait)
                continue
            slot = await pacer.turn(row.chat_id)
            # The database work runs in a thread: a slow commit (WAL checkpoint) must not hold
            # up the HTTP requests already under way on the event loop.
            if not await asyncio.to_thread(self._claim, row, report):
                pacer.release(slot)
                continue
            await self._shared_turn(row.platform, pacer.gap)
            pacer.sent(row.chat_id, slot)
            progressed = True
            task = asyncio.create_task(self._send(row, report))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
            await asyncio.sleep(0)  # let the request start now: the claim-to-send gap stays tiny
            if len(in_flight) >= self.max_in_flight:
                await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
        return progressed, soonest

    async def _shared_turn(self, platform: str, gap: float) -> None:
        """Wait for this bot's slot shared with other processes (after the claim, so a row
        another process took costs no slot)."""
        key = self.slot_keys.get(platform)
        if self.shared is None or key is None:
            return
        try:
            wait = await self.shared.reserve(key, gap)
        except Exception:  # the shared store is down: the local pacer alone still holds
            log.exception("shared pacing unavailable; pacing this process alone")
            return
        if wait > 0:
            await self.timer.sleep(wait)

    def _open_rows(self, scope: Scope, now: datetime) -> list[store.Delivery]:
        with session_scope(self.engine) as s:
            for platform, until in store.platform_pauses(s, now).items():
                if platform in self.senders:  # rows planned meanwhile wait for the quota too
                    store.defer_platform(s, platform, until)
            return store.open_deliveries(s, now, self.batch, scope.kind, scope.period,
                                         list(scope.unit_ids) if scope.unit_ids else None,
                                         self.senders.keys())

    def _next_attempt(self, scope: Scope) -> Optional[datetime]:
        with session_scope(self.engine) as s:
            return store.next_open_attempt(s, scope.kind, scope.period,
                                           list(scope.unit_ids) if scope.unit_ids else None,
                                           self.senders.keys())

    def _housekeeping(self, report: DrainReport) -> None:
        now = self.timer.now()
        with session_scope(self.engine) as s:
            for row in store.overdue_open(s, now - GRACE):
                if late_by(row.due_at, now) > GRACE:
                    store.finish(s, row.id, DeliveryStatus.MISSED, now, "quá hạn gửi")
                    report.results[DeliveryStatus.MISSED] += 1
            report.results[DeliveryStatus.UNKNOWN] += store.settle_abandoned(s, now - LEASE, now)
        report.results += Counter()  # drop zero counts

    def _claim(self, row: store.Delivery, report: DrainReport) -> bool:
        """Take the row; a follow-up whose unit reported meanwhile is dropped instead."""
        now = self.timer.now()
        with session_scope(self.engine) as s:
            if late_by(row.due_at, now) > GRACE:
                store.finish(s, row.id, DeliveryStatus.MISSED, now, "quá hạn gửi")
                report.results[DeliveryStatus.MISSED] += 1
                return False
            if not store.claim(s, row.id, self.worker, now):
                return False
            if row.kind == DeliveryKind.FOLLOWUP and store.reported_unit_ids(
                    s, [row.unit_id], row.period):
                store.finish(s, row.id, DeliveryStatus.SKIPPED, now,
                             "đơn vị đã báo cáo trước khi nhắc")
                report.results[DeliveryStatus.SKIPPED] += 1
                return False
        return True

    async def _send(self, row: store.Delivery, report: DrainReport) -> None:
        choices = [Choice(row.button_label, url=row.button_url)] if row.button_url else []
        status, error, retry_at, pieces = DeliveryStatus.SENT, "", None, None
        quota_until: Optional[datetime] = None
        sender = self.senders.get(row.platform)
        try:
            if sender is None:  # stopped meanwhile (wrong configuration): the row waits
                raise SenderMisconfigured(report.stopped.get(row.platform, "sender stopped"))
            reply = Reply(row.text, choices=choices)
            if row.pieces_sent:  # the first pieces arrived on an earlier attempt
                await sender.send(row.chat_id, reply, start=row.pieces_sent)
            else:
                await sender.send(row.chat_id, reply)
        except RetryLater as exc:
            self.pacers[row.platform].pause(exc.retry_after, row.chat_id)
            if self.shared is not None and row.platform in self.slot_keys:
                try:
                    await self.shared.pause(self.slot_keys[row.platform], exc.retry_after)
                except Exception:
                    log.exception("could not share a 429 pause")
            status, error = DeliveryStatus.RETRY, f"429: thử lại sau {exc.retry_after:g} giây"
            retry_at = self.timer.now() + timedelta(seconds=exc.retry_after)
            pieces = exc.pieces_sent
        except QuotaExhausted as exc:
            retry_at = renews_at(self.timer.now(), self.quota_periods.get(row.platform, "day"))
            status, pieces, quota_until = DeliveryStatus.RETRY, exc.pieces_sent, retry_at
            error = f"hết hạn mức gửi tin, gửi lại từ {fmt_local(retry_at)}"
            report.paused[row.platform] = retry_at
        except OutsideWindow as exc:
            status, pieces = DeliveryStatus.OUTSIDE_WINDOW, exc.pieces_sent
            error = f"cần tương tác: chờ cán bộ nhắn cho OA ({exc})"
        except SenderMisconfigured as exc:
            self._stop_sender(row.platform, str(exc), report)
            status, error, retry_at = DeliveryStatus.RETRY, f"cấu hình sai: {exc}", self.timer.now()
            pieces = exc.pieces_sent
        except ChatUnavailable as exc:
            status, error = DeliveryStatus.BLOCKED, str(exc)
        except Exception as exc:  # unknown whether it arrived: recorded, not retried
            log.exception("delivery %s to %s:%s failed", row.id, row.platform, row.chat_id)
            status, error = DeliveryStatus.FAILED, f"{type(exc).__name__}: {exc}"
        await asyncio.to_thread(self._record, row, status, error, retry_at, pieces, quota_until)
        log.info("delivery %s %s %s to %s:%s (%s) -> %s", row.id, row.kind, row.period,
                 row.platform, row.chat_id, row.recipient, status)
        report.results[status] += 1

    def _stop_sender(self, platform: str, reason: str, report: DrainReport) -> None:
        """Wrong URL, method or token: send nothing more on this platform, change no chat."""
        if self.senders.pop(platform, None) is not None:
            report.stopped[platform] = reason
            log.error("%s sender stopped: %s. Check its API URL and token in .env and restart; "
                      "no chat was changed and its messages wait.", platform, reason)

    def _record(self, row: store.Delivery, status: DeliveryStatus, error: str,
                retry_at: Optional[datetime], pieces: Optional[int] = None,
                quota_until: Optional[datetime] = None) -> None:
        now = self.timer.now()
        with session_scope(self.engine) as s:
            store.finish(s, row.id, status, now, error, retry_at, pieces)
            if status == DeliveryStatus.BLOCKED:
                store.deactivate_chat(s, row.platform, row.chat_id)
            if quota_until is not None:  # the whole platform waits; the office hears once
                store.defer_platform(s, row.platform, quota_until)
                if store.pause_platform(s, row.platform, quota_until, error, now):
                    log.error("%s quota used up: sending paused until %s", row.platform,
                              quota_until.isoformat())
                    store.add_deliveries(s, alert_rows(s, row.platform, quota_until, now,
                                                       list(self.senders)))
