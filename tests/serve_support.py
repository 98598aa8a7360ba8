"""The `fieldreport serve` application under aiohttp's test client, fed real Telegram update
JSON (parsed by PTB), its replies answered by the local fake Bot API."""
from __future__ import annotations

import asyncio
import time

import pytest

from aiohttp.test_utils import TestClient, TestServer

from bot.settings import Settings
from bot.web import keys
from bot.web.app import SECRET_HEADER, TELEGRAM_PATH, create_app, telegram_secret
from tests.fake_telegram_api import TOKEN, FakeBotApi
from tests.fake_zalo import FakeZaloBotApi


def serve_settings(api: FakeBotApi, **extra) -> Settings:
    env = dict(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=api.url, REMINDERS_ENABLED="false",
               **extra)
    return Settings(_env_file=None, **env)


class Server:
    """One worker process of `serve`, started and stopped by a test."""

    def __init__(self, settings: Settings, services, clock, **app_options):
        self.settings, self.services, self.clock = settings, services, clock
        self.options = app_options
        self.client: TestClient | None = None
        self.secret = telegram_secret(settings) if settings.telegram_bot_token else ""

    async def start(self) -> "Server":
        app = await create_app(self.settings, self.services, clock=self.clock, **self.options)
        self.client = TestClient(TestServer(app))
        await self.client.start_server()
        return self

    @property
    def app(self):
        return self.client.server.app

    async def stop(self) -> None:
        await self.client.close()

    async def post_update(self, update: dict, secret: str | None = None) -> int:
        headers = {SECRET_HEADER: self.secret if secret is None else secret}
        async with self.client.post(TELEGRAM_PATH, json=update, headers=headers) as resp:
            return resp.status

    async def settle(self) -> None:
        """Wait until every stored update of this process has been handled."""
        inbox = self.app[keys.INBOX]
        while inbox.in_flight:
            await asyncio.sleep(0.01)


async def wait_for(predicate, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


# --- fixtures the serve/worker test modules share (imported there by name) -----------------

@pytest.fixture
async def api():
    """The local fake Telegram Bot API."""
    fake = FakeBotApi()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def zalo_api():
    """The local fake Zalo Bot API."""
    fake = await FakeZaloBotApi().start()
    yield fake
    await fake.stop()


@pytest.fixture
async def server(api, services, clock):
    """`fieldreport serve`'s application on the test database, talking to the fake API."""
    srv = await Server(serve_settings(api), services, clock).start()
    yield srv
    await srv.stop()
