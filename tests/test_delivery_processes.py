"""Two processes on one PostgreSQL database send the same round: every group gets it once.

Run as a module (`python -m tests.test_delivery_processes DB_URL API_URL`) it is one of the
two worker processes: it plans the round and drains it, as `fieldreport run` would.
"""
import asyncio
import json
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.delivery import Deliverer, Limits, Timer
from bot.scheduler import build_round
from handlers.services import Services
from storage.clock import LOCAL_TZ
from storage.db import make_engine, session_scope
from storage import reminders as store
from storage.media import MediaStore
from tests.fake_telegram_api import TOKEN, FakeBotApi

PG_URL = os.environ.get("TEST_DATABASE_URL")
PERIOD, SLOT = "2026-W47", "4 16:30"
FRIDAY = datetime(2026, 11, 20, 16, 30, tzinfo=LOCAL_TZ).astimezone(timezone.utc)
GROUPS = 200
ROOT = Path(__file__).resolve().parent.parent


class FridayTimer(Timer):
    """Real waiting, but the wall clock reads Friday 16:30 onwards (never quiet hours)."""

    def __init__(self):
        self.start = time.monotonic()

    def now(self):
        return FRIDAY + timedelta(seconds=time.monotonic() - self.start)


async def work(db_url: str, api_url: str, start_at: float) -> dict:
    from telegram import Bot
    from telegram.request import HTTPXRequest
    from bot.telegram.sender import TelegramSender
    engine = make_engine(db_url)
    timer = FridayTimer()
    services = Services(engine=engine, media=MediaStore(Path(tempfile.mkdtemp())), clock=timer.now,
                        deep_links={"telegram": lambda p: f"https://t.me/fieldreport_test_bot?start={p}"})
    request = HTTPXRequest(connection_pool_size=16)  # concurrent sends, as in the bot
    async with Bot(TOKEN, base_url=f"{api_url}/bot", request=request) as bot:
        await asyncio.sleep(max(0.0, start_at - time.time()))  # both start together
        build_round(services, "reminder", PERIOD, FRIDAY, ["telegram"], slot_key=SLOT)
        # Each process paces itself; together they stay under the fake's 300/s.
        deliverer = Deliverer(engine, {"telegram": TelegramSender(bot)},
                              Limits(per_second=60, per_chat_per_minute=200), timer=timer)
        report = await deliverer.drain()
    engine.dispose()
    return dict(report.results)


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL: set TEST_DATABASE_URL="
                    "postgresql://postgres@127.0.0.1:5432/test to prove two processes never "
                    "double-send")
async def test_two_processes_never_send_the_same_reminder_twice(engine, db_url):
    from tests.test_delivery import make_groups
    chats = make_groups(engine, GROUPS)
    api = FakeBotApi(time_scale=0.1)  # 300 messages/s, 20 per 6 s per group
    url = await api.start()
    start_at = str(time.time() + 6)  # after both have imported and connected
    try:
        workers = [await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.test_delivery_processes", db_url, url, start_at, cwd=ROOT,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE) for _ in range(2)]
        outputs = [await asyncio.wait_for(w.communicate(), 120) for w in workers]
    finally:
        await api.stop()
    for worker, (out, err) in zip(workers, outputs):
        assert worker.returncode == 0, err.decode()[-2000:]
    results = [json.loads(out.decode().strip().splitlines()[-1]) for out, _ in outputs]
    assert api.per_chat_counts() == {chat: 1 for chat in chats}  # every group exactly once
    assert sum(r.get("sent", 0) for r in results) == GROUPS
    assert all(r.get("sent", 0) > 0 for r in results), results  # both really took part
    with session_scope(engine) as s:
        assert store.status_counts(s, period=PERIOD) == {"sent": GROUPS}
        senders = {d.claimed_by for d in store.deliveries(s, PERIOD)}
    assert len(senders) == 2


if __name__ == "__main__":
    print(json.dumps(asyncio.run(work(sys.argv[1], sys.argv[2], float(sys.argv[3])))))
