"""Webhook updates (Telegram, Zalo Bot API, Zalo OA; one Inbox each): stored before the 200, handled once, recovered after a crash.

A request is answered only once its raw update is committed to `inbound_update`. Two ways:
* handled on arrival (most updates): the step's own transaction stores the update as handled
  (a repeat finds it stored and has no effect); the 200 goes once that commits, and the replies
  after. If the step fails, the update is stored unhandled for a later try.
* stored first (updates whose handling waits on the network first, e.g. a photo to download):
  committed unhandled, claimed by this process, answered, then handled in the background; the
  step's transaction sets `handled_at` only where it is still empty.
Either way one chat's updates are handled in arrival order. Rows whose claim is older than the
lease belong to a process that died or a step that failed: any process picks them up.
"""
from __future__ import annotations

import asyncio
import logging
import time
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Awaitable, Callable, Optional

from sqlalchemy.engine import Engine

from storage import serving
from storage.clock import utcnow
from storage.db import AFTER_COMMIT, session_scope

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)  # a stored update unhandled this long: its process died
SWEEP_EVERY = 15.0
KEEP = timedelta(days=30)  # handled updates are kept this long (audit, health), then pruned
PRUNE_EVERY = 3600.0
STORE_BATCH = 100  # updates stored in one commit at most
MAX_ATTEMPTS = 3  # an update that fails this often is recorded as failed, not retried

Handler = Callable[[dict, "HandledMark"], Awaitable[None]]


class HandledMark:
    """The core's claim for a stored update: marks it handled in the core's own transaction,
    only if no one did before (one statement, one commit for the whole step). The inbox marks
    the update itself when the handler never reached the core."""

    def __init__(self, row_id: int, now):
        self.row_id, self.now, self.used = row_id, now, False

    def __call__(self, s) -> bool:
        self.used = True
        return serving.claim_stored(s, self.row_id, self.now)


class ArrivalMark:
    """The core's claim for an update handled on arrival: stores it as handled in the core's
    transaction (False: stored before, a repeat). `committed` is True once that transaction
    has committed (set from the database thread; `on_commit` runs on the event loop)."""

    def __init__(self, inbox: "Inbox", update_key: str, payload: dict, on_commit: Callable):
        self.inbox, self.update_key, self.payload = inbox, update_key, payload
        self.on_commit, self.loop = on_commit, asyncio.get_running_loop()
        self.used = self.committed = False

    def __call__(self, s) -> bool:
        self.used = True
        inbox = self.inbox
        claimed = serving.store_handled(s, inbox.platform, self.update_key, self.payload,
                                        inbox.worker, inbox.clock())
        s.info.setdefault(AFTER_COMMIT, []).append(lambda: self._committed(claimed))
        return claimed

    def _committed(self, claimed: bool) -> None:
        self.committed = True
        self.loop.call_soon_threadsafe(self.on_commit, claimed)


class Inbox:
    def __init__(self, engine: Engine, platform: str, handler: Handler, worker: str,
                 clock: Callable = utcnow, chat_of: Callable[[dict], str] = lambda p: "",
                 on_arrival: Callable[[dict], bool] = lambda p: False):
        """`on_arrival(payload)`: whether to handle that update within its request (else it is
        stored first and handled in the background)."""
        self.engine, self.platform, self.handler = engine, platform, handler
        self.worker, self.clock, self.chat_of = worker, clock, chat_of
        self.on_arrival = on_arrival
        self._tasks: set[asyncio.Task] = set()
        self._locks: dict[str, asyncio.Lock] = {}
        self._sweeper: Optional[asyncio.Task] = None
        self._pending: list = []
        self._flushing = False
        self.accepting = True

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    async def receive(self, update_key: str, payload: dict) -> bool:
        """Store the update (returns once committed); False for a repeat. Then handle it."""
        if self.on_arrival(payload):
            return await self._receive_on_arrival(update_key, payload)
        stored = self._store(update_key, payload)
        # Handled by a task that takes the chat's place now: a later update of the chat
        # handled on arrival cannot overtake this one while it is being stored.
        self._track(asyncio.create_task(self._process_new(stored, payload)))
        if await asyncio.shield(stored) is None:
            log.info("repeated %s update %s ignored", self.platform, update_key)
            return False
        return True

    async def _receive_on_arrival(self, update_key: str, payload: dict) -> bool:
        """Returns once the step (or, if it failed, the raw update) is committed; the replies
        are sent after that, in the background."""
        stored = asyncio.get_running_loop().create_future()

        def settle(result) -> None:
            if not stored.done():
                if isinstance(result, BaseException):
                    stored.set_exception(result)
                else:
                    stored.set_result(result)
        self._track(asyncio.create_task(self._arrived(update_key, payload, settle)))
        return await stored

    async def _arrived(self, update_key: str, payload: dict, settle: Callable) -> None:
        async with self._chat_lock(self.chat_of(payload)):
            mark = ArrivalMark(self, update_key, payload, settle)
            try:
                await self.handler(payload, mark)
                if mark.committed:
                    return
                if not mark.used:  # the core had nothing to do: kept, as handled
                    await asyncio.to_thread(self._store_handled, update_key, payload)
                    settle(True)
                    return
                log.error("%s update %s: its step did not commit; stored for a later try",
                          self.platform, update_key)
            except Exception:
                if mark.committed:  # the step is done; only sending its replies failed
                    log.exception("%s update %s: replies failed", self.platform, update_key)
                    return
                log.exception("%s update %s failed; stored for a later try", self.platform,
                              update_key)
            try:  # claimed by this process: tried again once the claim runs out (LEASE)
                settle(await self._store(update_key, payload) is not None)
            except Exception as exc:  # not stored either: the platform gets a 500 and retries
                settle(exc)

    def _store_handled(self, update_key: str, payload: dict) -> None:
        with session_scope(self.engine) as s:
            serving.store_handled(s, self.platform, update_key, payload, self.worker,
                                  self.clock())

    def _store(self, update_key: str, payload: dict) -> asyncio.Future:
        """The row id once committed, or None for a repeat. Group commit: updates that arrive
        while a commit is under way are stored together in the next one, so under load one
        commit answers many requests; alone, an update is committed at once."""
        waiter = asyncio.get_running_loop().create_future()
        self._pending.append((update_key, payload, waiter))
        if not self._flushing:
            self._flushing = True
            asyncio.create_task(self._flush())
        return waiter

    async def _flush(self) -> None:
        try:
            while self._pending:
                batch = self._pending[:STORE_BATCH]
                del self._pending[:STORE_BATCH]
                try:
                    ids = await asyncio.to_thread(self._store_batch, batch)
                except Exception as exc:  # nothing of this batch was stored: all get a 500
                    for _, _, waiter in batch:
                        if not waiter.done():
                            waiter.set_exception(exc)
                    continue
                for (_, _, waiter), row_id in zip(batch, ids):
                    if not waiter.done():
                        waiter.set_result(row_id)
        finally:
            self._flushing = False

    def _store_batch(self, batch: list) -> list[Optional[int]]:
        # One INSERT is atomic by itself: in autocommit mode it is one round trip to the
        # database, where BEGIN, INSERT and COMMIT are three.
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            return serving.store_updates(conn, self.platform, [(key, payload) for key, payload, _
                                                               in batch], self.worker, self.clock())

    def _spawn(self, row_id: int, payload: dict, attempt: int) -> None:
        self._track(asyncio.create_task(self._process(row_id, payload, attempt)))

    def _track(self, task: asyncio.Task) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @asynccontextmanager
    async def _chat_lock(self, chat: str):
        """One chat's updates one at a time; asyncio locks are fair, so in arrival order."""
        lock = self._locks.setdefault(chat, asyncio.Lock())
        try:
            async with lock:
                yield
        finally:
            if not lock.locked() and not lock._waiters:
                self._locks.pop(chat, None)

    async def _process(self, row_id: int, payload: dict, attempt: int) -> None:
        async with self._chat_lock(self.chat_of(payload)):
            await self._handle(row_id, payload, attempt)

    async def _process_new(self, stored: asyncio.Future, payload: dict) -> None:
        async with self._chat_lock(self.chat_of(payload)):
            try:
                row_id = await stored
            except Exception:  # not stored: the platform got a 500 and sends it again
                return
            if row_id is not None:
                await self._handle(row_id, payload, 1)

    async def _handle(self, row_id: int, payload: dict, attempt: int) -> None:
        mark = HandledMark(row_id, self.clock())
        try:
            await self.handler(payload, mark)
            if mark.used:
                return
            error = ""
        except Exception as exc:
            log.exception("%s update %s failed (attempt %d)", self.platform, row_id, attempt)
            if attempt < MAX_ATTEMPTS:
                return  # the claim runs out and a sweep tries again
            error = f"{type(exc).__name__}: {exc}"
        try:
            await asyncio.to_thread(self._done, row_id, error)
        except Exception:  # handled all the same; a later sweep finds it a repeat
            log.exception("could not mark %s update %s handled", self.platform, row_id)

    def _done(self, row_id: int, error: str) -> None:
        with session_scope(self.engine) as s:
            serving.mark_handled(s, row_id, self.clock(), error)

    # --- recovery ---------------------------------------------------------------------------

    async def recover(self) -> int:
        """Handle updates whose process died between storing and handling them."""
        rows = await asyncio.to_thread(self._claim_abandoned)
        for row in rows:
            self._spawn(row.id, row.payload, row.attempts + 1)
        if rows:
            log.info("recovered %d stored %s update(s)", len(rows), self.platform)
        return len(rows)

    def _claim_abandoned(self):
        with session_scope(self.engine) as s:
            return serving.claim_abandoned_updates(s, self.worker, self.clock(), LEASE,
                                                   platform=self.platform)

    def start_sweeping(self) -> None:
        self._sweeper = asyncio.create_task(self._sweep())

    async def _sweep(self) -> None:
        pruned_at = 0.0
        while True:
            try:
                await self.recover()
                if time.monotonic() - pruned_at > PRUNE_EVERY:
                    pruned_at = time.monotonic()
                    await asyncio.to_thread(self._prune)
            except Exception:
                log.exception("sweep for abandoned updates failed")
            await asyncio.sleep(SWEEP_EVERY)

    def _prune(self) -> None:
        with session_scope(self.engine) as s:
            n = serving.prune_updates(s, self.clock() - KEEP)
        if n:
            log.info("pruned %d handled %s update(s) older than %s", n, self.platform, KEEP)

    async def drain(self, timeout: float = 25.0) -> None:
        """At shutdown: stop sweeping, let updates in progress finish (SIGTERM drains)."""
        self.accepting = False
        if self._sweeper is not None:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)
        if self._tasks:
            log.info("draining %d update(s) in progress", len(self._tasks))
            await asyncio.wait(set(self._tasks), timeout=timeout)
