"""Report steps per second through the real Zalo webhook adapter, against a bare aiohttp echo bot.

    python3 benchmarks/zalo_webhook.py [--cadres 100]

Both sides receive the same Bot API events as HTTP POSTs from the local fake Zalo server
(127.0.0.1, secret header checked) and answer with sendMessage calls to it. The fieldreport side
goes through bot/zalo (webhook, adapter, client, sender) and the core, committing every step to
a SQLite file before replying; the bare side checks the secret and echoes. A step ends when its
last reply reached the fake. The ratio (fieldreport rate / bare rate) is printed last.
"""
from __future__ import annotations

import argparse
import asyncio
import hmac
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402

from bot.bootstrap import build_services  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.zalo.app import ZaloApp  # noqa: E402
from bot.zalo.client import ZaloClient  # noqa: E402
from bot.zalo.webhook import SECRET_HEADER, WebhookServer  # noqa: E402
from tests.fake_zalo import TOKEN, FakeZaloBotApi, free_port  # noqa: E402
from tests.support import make_org  # noqa: E402

SECRET = "benchmark-webhook-secret"


def script(fake: FakeZaloBotApi, cadres: int, join_codes: list[str]) -> list[dict]:
    """Every cadre: join code, báo cáo, task 1, content, count, Xong, Không có, 1 (send)."""
    out = []
    for i in range(cadres):
        user = f"u{10_000 + i}"
        for text in (join_codes[i % len(join_codes)], "báo cáo", "1",
                     "Ra quân dọn vệ sinh tuyến đường ấp, trồng cây xanh", "25", "Xong",
                     "Không có", "1"):
            out.append(fake.text(user, text))
    return out


async def run_steps(fake: FakeZaloBotApi, events: list[dict], idle) -> list[float]:
    latencies = []
    async with aiohttp.ClientSession() as session:
        for event in events:
            start = time.perf_counter()
            async with session.post(fake.webhook_url, json={"ok": True, "result": event},
                                    headers={SECRET_HEADER: SECRET}) as resp:
                assert resp.status == 200
            await idle()
            latencies.append(time.perf_counter() - start)
    return latencies


async def fieldreport_side(fake: FakeZaloBotApi, cadres: int, folder: Path) -> list[float]:
    port = free_port()
    settings = Settings(_env_file=None, DATABASE_URL=f"sqlite:///{folder}/bench.db",
                        MEDIA_DIR=str(folder / "media"), ZALO_BOT_TOKEN=TOKEN,
                        ZALO_API_URL=fake.url, ZALO_WEBHOOK_SECRET=SECRET,
                        ZALO_WEBHOOK_URL=f"http://127.0.0.1:{port}/zalo",
                        ZALO_WEBHOOK_LISTEN=f"127.0.0.1:{port}")
    services = build_services(settings)
    org = make_org(services.engine)
    codes = [u.join_code for code, u in org.items() if code.startswith("CD-")]
    app = ZaloApp(settings, services)
    await app.start()

    async def idle():
        while app.bot.busy:
            await asyncio.sleep(0)
    try:
        return await run_steps(fake, script(fake, cadres, codes), idle)
    finally:
        await app.stop()


async def bare_side(fake: FakeZaloBotApi, cadres: int) -> list[float]:
    """The least a webhook bot does: check the secret, parse, answer once, in the background."""
    port = free_port()
    client = ZaloClient(TOKEN, fake.url)
    pending: set[asyncio.Task] = set()

    async def receive(request: web.Request) -> web.Response:
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, "").encode(),
                                   SECRET.encode()):
            return web.json_response({"ok": False}, status=403)
        message = json.loads(await request.read())["result"]["message"]
        task = asyncio.create_task(client.send_message(message["chat"]["id"],
                                                       f"Đã nhận: {message['text']}"))
        pending.add(task)
        task.add_done_callback(pending.discard)
        return web.json_response({"ok": True})
    server = WebhookServer(f"127.0.0.1:{port}")
    server.add("/bare", receive)
    await server.start()
    fake.webhook_url = f"http://127.0.0.1:{port}/bare"

    async def idle():
        while pending:
            await asyncio.sleep(0)
    try:
        return await run_steps(fake, script(fake, cadres, ["ABCDEFGH"]), idle)
    finally:
        await server.stop()
        await client.close()


def summary(name: str, latencies: list[float]) -> float:
    rate = len(latencies) / sum(latencies)
    p99 = statistics.quantiles(latencies, n=100)[98] * 1000
    print(f"{name:12} {len(latencies):6d} steps  {rate:8.1f} steps/s  "
          f"median {statistics.median(latencies) * 1000:6.2f} ms  p99 {p99:6.2f} ms")
    return rate


async def main(cadres: int) -> None:
    fake = await FakeZaloBotApi().start()
    try:
        bare = summary("bare", await bare_side(fake, cadres))
        fake.calls.clear()
        with tempfile.TemporaryDirectory() as folder:
            ours = summary("fieldreport", await fieldreport_side(fake, cadres, Path(folder)))
    finally:
        await fake.stop()
    print(f"ratio {ours / bare:.2f} (no target set) fieldreport / a bare aiohttp echo bot")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--cadres", type=int, default=100)
    asyncio.run(main(parser.parse_args().cadres))
