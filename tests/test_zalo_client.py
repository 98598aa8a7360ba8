"""The Bot API client against the local fake: ok checks, 408, back-off on 429/5xx, no token leaks,
and the outbox Sender's error mapping."""
import logging
from pathlib import Path

import pytest

from bot.outbox import ChatUnavailable, QuotaExhausted, SendError, SenderMisconfigured
from bot.zalo.client import ZaloClient, ZaloError, ZaloNetworkError, ZaloRateLimited
from bot.zalo.sender import ZaloSender, render
from handlers.messages import Choice, Reply
from tests.fake_zalo import TOKEN, FakeZaloBotApi, free_port

SECRET_PART = TOKEN.split(":")[1]


@pytest.fixture
async def fake():
    server = await FakeZaloBotApi().start()
    yield server
    await server.stop()


@pytest.fixture
async def client(fake):
    waits = []

    async def no_wait(seconds):  # back-off is recorded, not slept
        waits.append(seconds)
    async with ZaloClient(TOKEN, fake.url, sleep=no_wait) as c:
        c.waits = waits
        yield c


async def test_get_me_and_an_empty_poll(client, fake):
    assert (await client.get_me())["account_name"] == "bot.fieldreport"
    assert await client.get_updates(timeout=1) is None  # 408: nothing new
    await fake.push(fake.text("u1", "xin chào"))
    update = await client.get_updates(timeout=1)
    assert update["message"]["text"] == "xin chào"


async def test_not_ok_is_an_error_and_is_not_retried(client, fake):
    fake.fail_next["sendMessage"] = [(400, {"ok": False, "error_code": 400,
                                            "description": "Bad request"})]
    with pytest.raises(ZaloError) as info:
        await client.send_message("u1", "a")
    assert info.value.code == 400
    assert [m for m, _ in fake.calls].count("sendMessage") == 1
    fake.fail_next["sendMessage"] = [(200, {"ok": False, "error_code": 404,
                                            "description": "Not found"})]
    with pytest.raises(ZaloError, match="404"):
        await client.send_message("u1", "a")


async def test_5xx_back_off_then_succeed(client, fake):
    fake.fail_next["sendMessage"] = [
        (502, {"ok": False, "error_code": 502, "description": "Bad gateway"}),
        (503, {"ok": False, "error_code": 503, "description": "Unavailable",
               "parameters": {"retry_after": 7}}),
    ]
    result = await client.send_message("u1", "Xin chào")
    assert result["message_id"]
    assert client.waits == [1.0, 7]
    assert [m for m, _ in fake.calls].count("sendMessage") == 3


async def test_429_is_the_quota_and_is_not_retried(client, fake):
    """On Zalo 429 means the plan's quota is used up: no short back-off can help (issue 12)."""
    fake.fail_next["sendMessage"] = [(429, {"ok": False, "error_code": 429})] * 4
    with pytest.raises(ZaloRateLimited):
        await client.send_message("u1", "Xin chào")
    assert client.waits == []
    assert [m for m, _ in fake.calls].count("sendMessage") == 1


async def test_the_token_never_reaches_a_log_line_or_an_error(fake, caplog):
    caplog.set_level(logging.DEBUG)

    async def no_wait(_):
        pass
    bad_token = ZaloClient(TOKEN.replace("fake", "wrong"), fake.url, sleep=no_wait)
    dead_port = ZaloClient(TOKEN, f"http://127.0.0.1:{free_port()}", sleep=no_wait)
    errors = []
    for client, call in ((bad_token, "get_me"), (dead_port, "get_me"), (dead_port, "download")):
        try:
            if call == "download":
                await client.download(f"http://127.0.0.1:{free_port()}/bot{TOKEN}/x.jpg")
            else:
                await client.get_me()
        except ZaloError as exc:
            logging.getLogger("test").exception("call failed")
            errors.append(exc)
        await client.close()
    assert [type(e) for e in errors] == [ZaloError, ZaloNetworkError, ZaloNetworkError]
    assert errors[0].code == 401
    for exc in errors:
        assert exc.__cause__ is None and (exc.__context__ is None or exc.__suppress_context__)
    assert caplog.records, "the failures were logged"
    logged = caplog.text + "".join(str(e) for e in errors) + repr(bad_token) + repr(dead_port)
    assert SECRET_PART not in logged and "wrong-zalo" not in logged


def test_rendering_numbered_menu_hints_links_and_files():
    menu = Reply("Chọn đơn vị:", menu=True, choices=[Choice("Chi đoàn ấp 1", "unit:1"),
                                                   Choice("Chi đoàn ấp 2", "unit:2")])
    assert render(menu) == ["Chọn đơn vị:\n\n1. Chi đoàn ấp 1\n2. Chi đoàn ấp 2\n"
                            "Gõ số thứ tự hoặc tên mục để chọn."]
    step = Reply("Gửi ảnh.", choices=[Choice("Xong", "done")])
    assert render(step) == ["Gửi ảnh.\nHoặc gõ: «Xong»"]
    link = Reply("Báo cáo riêng:", choices=[Choice("📝 Báo cáo", url="https://zalo.me/x")])
    assert render(link) == ["Báo cáo riêng:\n📝 Báo cáo: https://zalo.me/x"]
    workbook = Reply("Bảng tổng hợp tuần", document=Path("/tmp/tong-hop.xlsx"))
    assert "tệp «tong-hop.xlsx» chưa gửi được qua Zalo" in render(workbook)[0]
    long = Reply("\n".join("x" * 99 for _ in range(45)))
    pieces = render(long)
    assert [len(p) for p in pieces] == [1999, 1999, 499]


async def test_sender_maps_errors_for_the_outbox(client, fake):
    sender = ZaloSender(client)
    await sender.send("u1", Reply("Nhắc báo cáo tuần này"))
    assert fake.texts("u1") == ["Nhắc báo cáo tuần này"]
    fake.fail_next["sendMessage"] = [(429, {"ok": False, "error_code": 429})] * 4
    with pytest.raises(QuotaExhausted):
        await sender.send("u1", Reply("a"))
    fake.fail_next["sendMessage"] = [(404, {"ok": False, "error_code": 404,
                                            "description": "Not found"})]
    with pytest.raises(SenderMisconfigured):  # a wrong URL is not a missing chat (issue 12)
        await sender.send("u-gone", Reply("a"))
    fake.fail_next["sendMessage"] = [(403, {"ok": False, "error_code": 403,
                                            "description": "Forbidden"})]
    with pytest.raises(ChatUnavailable):
        await sender.send("u-gone", Reply("a"))
    fake.fail_next["sendMessage"] = [(400, {"ok": False, "error_code": 400,
                                            "description": "Bad request"})]
    with pytest.raises(SendError):
        await sender.send("u1", Reply("a"))
