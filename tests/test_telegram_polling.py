"""`fieldreport run` end to end: long polling over HTTP against a local Bot API server."""
import asyncio
import time

from aiohttp import web

from bot.runner import run_bots
from bot.settings import Settings
from tests.fake_telegram_api import TOKEN, FakeBotApi, _ok
from tests.support import make_org
from bot.bootstrap import open_database


class PollingBotApi(FakeBotApi):
    """The fake Bot API plus getUpdates, fed by the test."""

    def __init__(self):
        super().__init__()
        self.updates: list[dict] = []
        self.file_requests: list[str] = []

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["method"] == "getUpdates":
            params = await request.post() if request.method == "POST" else request.query
            offset = int(params.get("offset") or 0)
            pending = [u for u in self.updates if u["update_id"] >= offset]
            if not pending:
                await asyncio.sleep(0.05)  # a very short long poll
            return _ok(pending)
        return await super()._handle(request)


def update(update_id: int, text: str) -> dict:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "text": text,
        "chat": {"id": 4242, "type": "private", "first_name": "Lan"},
        "from": {"id": 4242, "is_bot": False, "first_name": "Lan"},
        "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]}}


async def wait_for(predicate, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_run_polls_telegram_and_answers(db_url, tmp_path):
    org = make_org(open_database(db_url))
    api = PollingBotApi()
    await api.start()
    settings = Settings(DATABASE_URL=db_url, MEDIA_DIR=str(tmp_path / "media"),
                        TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=api.url)
    stop = asyncio.Event()
    bot = asyncio.create_task(run_bots(settings, stop))
    try:
        api.updates.append(update(1, f"/start {org['CD-B1'].join_code}"))
        await wait_for(lambda: api.texts("4242"))
        assert "đã tham gia Chi đoàn khóm 1" in api.texts("4242")[0]
        api.updates.append(update(2, "/baocao"))
        await wait_for(lambda: len(api.texts("4242")) >= 2)
        assert "nhiệm vụ nào" in api.texts("4242")[1]
        assert api.received[-1].buttons[0]["text"] == "NV1 Chống suy thoái"
    finally:
        stop.set()
        await asyncio.wait_for(bot, 20)
        await api.stop()
    assert len(api.texts("4242")) == 2  # each update answered once, despite re-polling
