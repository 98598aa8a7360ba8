"""One sending pace per bot across processes (bot/ratelimit.py, `fieldreport worker` twice).

Run as a module (`python -m tests.test_shared_pacing DB_URL API_URL START`) it is one worker
process: it plans the round and drains it with the shared pace, as `fieldreport worker` would.
"""
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import pytest

from bot.delivery import Deliverer, Limits
from bot.ratelimit import DatabaseSlots, bot_key
from bot.scheduler import build_round
from handlers.services import Services
from storage import reminders as store
from storage.db import make_engine, session_scope
from storage.media import MediaStore
from tests.fake_telegram_api import TOKEN, FakeBotApi
from tests.test_delivery_processes import FRIDAY, PERIOD, SLOT, FridayTimer

PG_URL = os.environ.get("TEST_DATABASE_URL")
GROUPS = 240
RATE = 80  # messages/s the fake allows; each worker alone would also pace at this
ROOT = Path(__file__).resolve().parent.parent


async def test_reservations_are_spaced_and_a_pause_is_shared(engine):
    # Each reservation is judged by the moment it grants (call time + wait), not by the wait
    # alone: on a loaded machine time passes between the calls and shortens the later waits.
    async def granted(slots, key):
        called = time.time()
        return called + await slots.reserve(key, 1.0)

    slots = DatabaseSlots(engine)
    start = time.time()
    moments = [await granted(slots, "telegram:k") - start for _ in range(3)]
    assert moments[0] < 0.2 and 0.95 < moments[1] < 1.2 and 1.95 < moments[2] < 2.2
    other = DatabaseSlots(engine)  # another process: same table, same pace
    assert 2.95 < await granted(other, "telegram:k") - start < 3.2
    assert await other.reserve("zalo:k", 1.0) < 0.2  # another bot has its own pace
    await slots.pause("zalo:k", 30)
    assert 29 < await other.reserve("zalo:k", 1.0) < 31


async def work(db_url: str, api_url: str, start_at: float) -> dict:
    from telegram import Bot
    from telegram.request import HTTPXRequest

    from bot.telegram.sender import TelegramSender
    engine = make_engine(db_url)
    timer = FridayTimer()
    services = Services(engine=engine, media=MediaStore(Path(tempfile.mkdtemp())),
                        clock=timer.now,
                        deep_links={"telegram": lambda p: f"https://t.me/x_bot?start={p}"})
    request = HTTPXRequest(connection_pool_size=16)
    async with Bot(TOKEN, base_url=f"{api_url}/bot", request=request) as bot:
        await asyncio.sleep(max(0.0, start_at - time.time()))
        build_round(services, "reminder", PERIOD, FRIDAY, ["telegram"], slot_key=SLOT)
        # Each process is allowed the bot's whole rate; the shared slot keeps the sum under it.
        deliverer = Deliverer(engine, {"telegram": TelegramSender(bot)},
                              Limits(per_second=RATE, per_chat_per_minute=200), timer=timer,
                              shared=DatabaseSlots(engine),
                              slot_keys={"telegram": bot_key("telegram", TOKEN)})
        report = await deliverer.drain()
    engine.dispose()
    return dict(report.results)


def busiest_second(times: list[float]) -> int:
    times, best, j = sorted(times), 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - 1.0:
            j += 1
        best = max(best, i - j + 1)
    return best


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL: set TEST_DATABASE_URL="
                    "postgresql://postgres@127.0.0.1:5432/test (two worker processes)")
async def test_two_workers_share_one_pace(engine, db_url):
    from tests.test_delivery import make_groups
    chats = make_groups(engine, GROUPS)
    api = FakeBotApi(per_second=RATE, per_chat_per_minute=20)
    url = await api.start()
    start_at = str(time.time() + 6)
    try:
        workers = [await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.test_shared_pacing", db_url, url, start_at, cwd=ROOT,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE) for _ in range(2)]
        outputs = [await asyncio.wait_for(w.communicate(), 120) for w in workers]
    finally:
        await api.stop()
    for worker, (out, err) in zip(workers, outputs):
        assert worker.returncode == 0, err.decode()[-2000:]
    results = [json.loads(out.decode().strip().splitlines()[-1]) for out, _ in outputs]
    assert api.per_chat_counts() == {chat: 1 for chat in chats}  # every group exactly once
    assert all(r.get("sent", 0) > 0 for r in results), results  # both really sent
    assert api.too_many == 0  # no self-caused 429
    assert busiest_second([r.at for r in api.received]) <= RATE
    with session_scope(engine) as s:
        assert store.status_counts(s, period=PERIOD) == {"sent": GROUPS}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(work(sys.argv[1], sys.argv[2], float(sys.argv[3])))))


@pytest.fixture
async def redis_url(tmp_path):
    """A private redis-server on a free loopback port (skipped where Redis is not installed)."""
    import shutil
    from tests.fake_zalo import free_port
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server not installed (apt-get install redis-server): REDIS_URL pacing")
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        "--dir", str(tmp_path), stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL)
    import redis.asyncio as redis
    client = redis.from_url(f"redis://127.0.0.1:{port}/0")
    for _ in range(100):
        try:
            await client.ping()
            break
        except redis.ConnectionError:
            await asyncio.sleep(0.05)
    await client.aclose()
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    await proc.wait()


async def test_redis_slots_share_the_same_pace(redis_url):
    from bot.ratelimit import RedisSlots
    one, two = RedisSlots(redis_url), RedisSlots(redis_url)
    waits = [await one.reserve("telegram:k", 1.0), await two.reserve("telegram:k", 1.0),
             await one.reserve("telegram:k", 1.0)]
    assert waits[0] < 0.05 and 0.9 < waits[1] < 1.05 and 1.9 < waits[2] < 2.05
    await two.pause("zalo:k", 30)
    assert 29 < await one.reserve("zalo:k", 1.0) < 31
    await one.close()
    await two.close()
