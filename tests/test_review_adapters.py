"""Office review through the real adapters: Telegram edits the message in place (editMessageText)
and asks for the reason with a forced reply; Zalo numbers the choices and sends short lines."""
import json

import pytest

from bot.settings import Settings
from bot.telegram.app import TelegramBot
from bot.zalo.app import ZaloApp
from handlers.services import Services
from storage import repo
from storage.db import session_scope
from tests.fake_zalo import FakeZaloBotApi, ZaloPerson
from tests.telegram_fake import TOKEN, RecordingRequest
from tests.test_telegram import TelegramChat
from tests.test_zalo_dialogs import settings_for

OFFICE = -100300
GROUP_A1 = -100401
REPORT = ["/baocao", "tap:NV3", "Dọn vệ sinh tuyến đường ấp 1", "25", "tap:Xong",
          "Thiếu dụng cụ\nĐề xuất: hỗ trợ bao tay", "tap:Gửi"]


@pytest.fixture
async def telegram(services: Services):
    request = RecordingRequest()
    services.deep_links.clear()
    bot = TelegramBot(Settings(TELEGRAM_BOT_TOKEN=TOKEN), services, request=request)
    await bot.initialize()
    yield bot, request
    await bot.app.shutdown()


def markup(params):
    raw = params.get("reply_markup")
    return json.loads(raw) if isinstance(raw, str) else (raw or {})


async def tap_in(chat: TelegramChat, params: dict, label: str, message_id: int) -> list[str]:
    data = next(b["callback_data"] for row in markup(params)["inline_keyboard"] for b in row
                if label in b["text"])
    update = chat.updates.tap(chat.user, data, chat.chat_id)
    update["callback_query"]["message"]["message_id"] = message_id
    return await chat.feed(update)


def edits(request):
    return [p for name, p in request.calls if name == "editMessageText"]


async def test_review_on_telegram(telegram, org, services, engine):
    bot, request = telegram
    with session_scope(engine) as s:
        repo.add_admin(s, "telegram", "900", org["HD-A"].id)
    office = TelegramChat(bot, request, 900, "Trần Văn Phòng", chat_id=OFFICE)
    assert "nhóm Văn phòng của Huyện đoàn A" in await office.act(
        f"/dangky {org['HD-A'].join_code} vanphong")
    await TelegramChat(bot, request, 900, "Trần Văn Phòng", chat_id=GROUP_A1).act(
        f"/dangky {org['CD-A1'].join_code}")
    cadre = TelegramChat(bot, request, 100, "Nguyễn Văn An")
    await cadre.act(f"/start {org['CD-A1'].join_code}")
    for action in REPORT:
        await cadre.act(action)
    post = request.sent(OFFICE)[-1]
    assert "📋 Báo cáo mới BC-" in post["text"] and "Trạng thái: Chờ duyệt" in post["text"]
    labels = [b["text"] for row in markup(post)["inline_keyboard"] for b in row]
    assert labels == ["✅ Duyệt", "↩️ Trả lại", "🌟 Biểu dương", "💬 Cho ý kiến"]

    # «Trả lại»: a forced reply asks the reason; the answer edits the post and reaches the cadre.
    await tap_in(office, post, "Trả lại", 1234)
    ask = request.sent(OFFICE)[-1]
    assert "lý do trả lại" in ask["text"] and markup(ask).get("force_reply") is True
    await office.act("Ảnh chưa rõ, đề nghị bổ sung")
    edit = edits(request)[-1]
    assert (int(edit["chat_id"]), int(edit["message_id"])) == (OFFICE, 1234)
    assert "Trạng thái: Trả lại – đồng chí Trần Văn Phòng" in edit["text"]
    assert "reply_markup" not in edit or not markup(edit).get("inline_keyboard")
    to_cadre = request.sent(100)[-1]
    assert "Lý do: Ảnh chưa rõ" in to_cadre["text"]

    # «Sửa báo cáo» opens the dialog; the revision comes back marked.
    await tap_in(cadre, to_cadre, "Sửa báo cáo", 2000)
    assert "Đồng chí kiểm tra lại báo cáo" in "\n".join(cadre.new_texts())
    await cadre.act("tap:Gửi")
    revised = request.sent(OFFICE)[-1]
    assert "Đã sửa (lần 2)" in revised["text"]

    # «Duyệt» tapped twice, and the same update delivered again: one edit.
    from telegram import Update
    before = len(edits(request))
    data = next(b["callback_data"] for row in markup(revised)["inline_keyboard"] for b in row
                if "Duyệt" in b["text"])
    update = office.updates.tap(office.user, data, OFFICE)
    update["callback_query"]["message"]["message_id"] = 1300
    await office.feed(update)
    await bot.app.process_update(Update.de_json(update, bot.app.bot))
    await tap_in(office, revised, "Duyệt", 1300)
    assert len(edits(request)) == before + 1
    assert "Trạng thái: Đã duyệt" in edits(request)[-1]["text"]
    assert "Đã duyệt" not in "\n".join(request.texts(OFFICE))  # edited, never re-sent


@pytest.fixture
async def zalo(services):
    fake = await FakeZaloBotApi().start()
    app = ZaloApp(settings_for(fake, False), services, poll_timeout=1)
    await app.start()
    app.webhook = False
    yield fake, app
    await app.stop()
    await fake.stop()


async def test_review_on_zalo_with_numbers(zalo, org, engine):
    fake, app = zalo
    with session_scope(engine) as s:
        repo.add_admin(s, "zalo", "z-900", org["HD-A"].id)
    office = ZaloPerson(fake, app.bot, "z-900", "Lê Văn Phòng", False, chat_id="zg-office",
                        group=True)
    assert "nhóm Văn phòng" in await office.say(
        f"@Báo cáo Đoàn /dangky {org['HD-A'].join_code} vanphong")
    cadre = ZaloPerson(fake, app.bot, "z-100", "Nguyễn Văn An", False)
    await cadre.say(f"/start {org['CD-A1'].join_code}")
    for step in ("báo cáo", "3", "Dọn vệ sinh tuyến đường ấp 1", "25", "xong",
                 "Thiếu dụng cụ\nĐề xuất: hỗ trợ bao tay", "1"):
        await cadre.say(step)
    posted = [p["text"] for m, p in fake.calls if m == "sendMessage" and p["chat_id"] == "zg-office"]
    post = posted[-1]
    assert "📋 Báo cáo mới BC-" in post
    for line in ("1. ✅ Duyệt", "2. ↩️ Trả lại", "3. 🌟 Biểu dương", "4. 💬 Cho ý kiến"):
        assert line in post
    receipt = post.split("«1 ")[1].split("»")[0]
    assert "yêu cầu" not in post
    answer = await office.say(f"@Báo cáo Đoàn 4 {receipt}")
    assert "ý kiến chỉ đạo" in answer and f"«{receipt}: nội dung»" in answer
    answer = await office.say(f"@Báo cáo Đoàn {receipt}: Huyện đoàn sẽ hỗ trợ 10 bộ bao tay")
    assert f"💬 {receipt} (Chi đoàn ấp 1): đã gửi ý kiến chỉ đạo." in answer
    to_cadre = [p["text"] for m, p in fake.calls if m == "sendMessage" and p["chat_id"] == "z-100"]
    assert to_cadre[-1].startswith("Ý kiến chỉ đạo của Huyện đoàn A: Huyện đoàn sẽ hỗ trợ 10 bộ")
    answer = await office.say(f"@Báo cáo Đoàn 1 {receipt}")
    assert f"✅ {receipt} (Chi đoàn ấp 1): Đã duyệt – đồng chí Lê Văn Phòng." in answer
    assert await office.say(f"@Báo cáo Đoàn 1 {receipt}") == ""  # once
