"""Fakes for reminder tests: a timer that only pretends to wait, a sender that records."""
from __future__ import annotations

import asyncio
import math
from typing import Optional

from bot.delivery import Timer
from bot.outbox import ChatUnavailable, RetryLater
from handlers.messages import Reply
from tests.support import FakeClock


class FakeTimer(Timer):
    """Sleeping moves the test's clock forward at once; monotonic time is that clock too."""

    def __init__(self, clock: FakeClock):
        self.clock = clock
        self.slept = 0.0

    def now(self):
        return self.clock()

    def monotonic(self) -> float:
        return self.clock().timestamp()

    async def sleep(self, seconds: float) -> None:
        seconds = math.ceil(max(0.0, seconds) * 1e6) / 1e6  # the clock counts microseconds
        self.slept += seconds
        self.clock.advance(seconds=seconds)
        await asyncio.sleep(0)


class RecordingSender:
    """A platform that accepts everything, except what the test tells it to refuse."""

    def __init__(self, clock: FakeClock, platform: str = "telegram"):
        self.platform, self.clock = platform, clock
        self.sent: list[tuple[str, Reply, float]] = []  # chat, reply, clock time
        self.blocked: set[str] = set()
        self.throttle_next = 0  # answer this many sends with 429
        self.retry_after = 5.0
        self.hang_after: Optional[int] = None  # accept this many, then the next one hangs
        self.hanging = asyncio.Event()

    async def send(self, chat_id: str, reply: Reply) -> None:
        if chat_id in self.blocked:
            raise ChatUnavailable("Forbidden: bot was blocked by the user")
        if self.throttle_next > 0:
            self.throttle_next -= 1
            raise RetryLater(self.retry_after)
        self.sent.append((chat_id, reply, self.clock().timestamp()))
        if self.hang_after is not None and len(self.sent) > self.hang_after:
            # The platform got it, but the process "dies" before recording the result.
            self.hanging.set()
            await asyncio.Event().wait()

    def chats(self) -> list[str]:
        return [chat for chat, _, _ in self.sent]

    def texts(self, chat_id: str) -> list[str]:
        return [r.text for c, r, _ in self.sent if c == chat_id]
