"""Sending slots shared by every process that sends as one bot (the platform counts per bot).

Each bot has a "next free slot" time; reserving a slot moves it on by one gap (1/rate) in one
atomic statement, so N processes together never send faster than one would. The same even
spacing as bot.delivery.Pacer (no bursts), only shared. Times come from the database server's
clock on PostgreSQL (all hosts agree), from this machine's on SQLite (one host by nature).

Keys are derived from the bot token by a one-way hash: tokens are never stored.
"""
from __future__ import annotations

import asyncio
import hashlib
import time
from typing import Optional, Protocol

from sqlalchemy import text
from sqlalchemy.engine import Engine


class SharedSlots(Protocol):
    async def reserve(self, key: str, gap: float) -> float:
        """Book the next slot for `key`; returns seconds to wait before using it."""

    async def pause(self, key: str, seconds: float) -> None:
        """The platform answered 429: nobody sends as this bot for `seconds`."""


def bot_key(platform: str, token: str) -> str:
    return f"{platform}:{hashlib.sha256(token.encode()).hexdigest()[:16]}"


_PG_RESERVE = text("""
    WITH now AS (SELECT extract(epoch FROM clock_timestamp())::float8 AS t)
    INSERT INTO rate_slot (key, next_free, paused_until)
    SELECT :key, now.t + :gap, 0 FROM now
    ON CONFLICT (key) DO UPDATE SET next_free =
        GREATEST(rate_slot.next_free, rate_slot.paused_until,
                 (SELECT t FROM now)) + :gap
    RETURNING next_free - :gap - (SELECT t FROM now)
""")
_PG_PAUSE = text("""
    INSERT INTO rate_slot (key, next_free, paused_until)
    VALUES (:key, 0, extract(epoch FROM clock_timestamp()) + :seconds)
    ON CONFLICT (key) DO UPDATE SET paused_until = GREATEST(rate_slot.paused_until,
        extract(epoch FROM clock_timestamp()) + :seconds)
""")
_SQLITE_RESERVE = text("""
    INSERT INTO rate_slot (key, next_free, paused_until) VALUES (:key, :now + :gap, 0)
    ON CONFLICT (key) DO UPDATE SET next_free =
        max(rate_slot.next_free, rate_slot.paused_until, :now) + :gap
    RETURNING next_free - :gap - :now
""")
_SQLITE_PAUSE = text("""
    INSERT INTO rate_slot (key, next_free, paused_until) VALUES (:key, 0, :now + :seconds)
    ON CONFLICT (key) DO UPDATE SET paused_until = max(rate_slot.paused_until, :now + :seconds)
""")


class DatabaseSlots:
    """The shared slot in the `rate_slot` table (PostgreSQL or SQLite)."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"

    async def reserve(self, key: str, gap: float) -> float:
        return await asyncio.to_thread(self._reserve, key, gap)

    def _reserve(self, key: str, gap: float) -> float:
        with self.engine.begin() as conn:
            if self.postgres:
                wait = conn.execute(_PG_RESERVE, {"key": key, "gap": gap}).scalar_one()
            else:
                wait = conn.execute(_SQLITE_RESERVE, {"key": key, "gap": gap,
                                                      "now": time.time()}).scalar_one()
        return max(0.0, float(wait))

    async def pause(self, key: str, seconds: float) -> None:
        await asyncio.to_thread(self._pause, key, seconds)

    def _pause(self, key: str, seconds: float) -> None:
        with self.engine.begin() as conn:
            if self.postgres:
                conn.execute(_PG_PAUSE, {"key": key, "seconds": seconds})
            else:
                conn.execute(_SQLITE_PAUSE, {"key": key, "seconds": seconds, "now": time.time()})


_REDIS_RESERVE = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1e6
local gap = tonumber(ARGV[1])
local free = tonumber(redis.call('HGET', KEYS[1], 'next_free') or '0')
local paused = tonumber(redis.call('HGET', KEYS[1], 'paused_until') or '0')
local slot = math.max(free, paused, t)
redis.call('HSET', KEYS[1], 'next_free', tostring(slot + gap))
redis.call('EXPIRE', KEYS[1], 3600)
return tostring(slot - t)
"""
_REDIS_PAUSE = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1e6
local until_ = t + tonumber(ARGV[1])
local paused = tonumber(redis.call('HGET', KEYS[1], 'paused_until') or '0')
if until_ > paused then redis.call('HSET', KEYS[1], 'paused_until', tostring(until_)) end
redis.call('EXPIRE', KEYS[1], 3600)
return 1
"""


class RedisSlots:
    """The same slot in Redis (REDIS_URL), on Redis's clock, one Lua script per reservation."""

    def __init__(self, url: str):
        import redis.asyncio as redis  # optional dependency: pip install 'fieldreport[redis]'
        self.client = redis.from_url(url)
        self._reserve = self.client.register_script(_REDIS_RESERVE)
        self._pause = self.client.register_script(_REDIS_PAUSE)

    async def reserve(self, key: str, gap: float) -> float:
        wait = await self._reserve(keys=[f"fieldreport:slot:{key}"], args=[gap])
        return max(0.0, float(wait))

    async def pause(self, key: str, seconds: float) -> None:
        await self._pause(keys=[f"fieldreport:slot:{key}"], args=[seconds])

    async def close(self) -> None:
        await self.client.aclose()


def shared_slots(engine: Engine, redis_url: str = "") -> Optional[SharedSlots]:
    return RedisSlots(redis_url) if redis_url else DatabaseSlots(engine)
