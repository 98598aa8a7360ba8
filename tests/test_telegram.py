"""Real Update JSON through the real PTB Application; Bot API calls answered by RecordingRequest."""

import pytest
from sqlmodel import select

from bot.settings import Settings
from bot.telegram.app import TelegramBot
from handlers.services import Services
from storage.db import session_scope
from storage.models import Report
from tests import transcripts
from tests.support import photo_bytes
from tests.telegram_fake import TOKEN, RecordingRequest, Updates


class TelegramChat:
    """One Telegram user talking to the bot through PTB, as the shared transcripts expect."""

    def __init__(self, bot: TelegramBot, request: RecordingRequest, user_id: int, name: str,
                 chat_id: int | None = None):
        self.bot, self.request, self.updates = bot, request, Updates()
        self.user = Updates.user(user_id, name)
        self.chat_id = chat_id or user_id
        self._seen = 0

    async def feed(self, update_json: dict) -> list[str]:
        from telegram import Update
        self._seen = len(self.request.sent())
        await self.bot.app.process_update(Update.de_json(update_json, self.bot.app.bot))
        return self.new_texts()

    def new_texts(self) -> list[str]:
        return [p.get("text") or p.get("caption") or "" for p in self.request.sent()[self._seen:]]

    async def act(self, action: str) -> str:
        if action.startswith("tap:"):
            label = action[4:]
            data = next(b["callback_data"] for b in self.request.buttons()
                        if label in b["text"] and "callback_data" in b)
            await self.feed(self.updates.tap(self.user, data, self.chat_id))
        elif action.startswith("photo:"):
            file_id = f"photo{action[6:]}"
            self.request.files[file_id] = photo_bytes(int(action[6:]))
            await self.feed(self.updates.photo(self.user, file_id, self.chat_id))
        elif action == "sticker":
            await self.feed(self.updates.sticker(self.user, self.chat_id))
        elif action == "document":
            await self.feed(self.updates.document(self.user, self.chat_id))
        else:
            await self.feed(self.updates.text(self.user, action, self.chat_id))
        return "\n".join(self.new_texts())


@pytest.fixture
async def telegram(services: Services):
    request = RecordingRequest()
    settings = Settings(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL="http://127.0.0.1:9/unused")
    services.deep_links.clear()  # the adapter learns the username from getMe
    bot = TelegramBot(settings, services, request=request)
    await bot.initialize()
    yield bot, request
    await bot.app.shutdown()


@pytest.mark.parametrize("name", sorted(transcripts.ALL))
async def test_transcripts_on_telegram(name, telegram, org):
    bot, request = telegram
    chat = TelegramChat(bot, request, 100, "Nguyễn Văn An")
    for action, expected in transcripts.ALL[name]:
        text = await chat.act(action.format(code=org["CD-A1"].join_code))
        assert expected in text, f"after {action[:40]!r}: expected {expected!r}, got:\n{text}"


async def test_buttons_and_photo_download(telegram, org, services):
    bot, request = telegram
    chat = TelegramChat(bot, request, 100, "An")
    await chat.act(f"/start {org['CD-A1'].join_code}")
    await chat.act("/baocao")
    labels = [b["text"] for b in request.buttons()]
    assert labels[0] == "NV1 Chống suy thoái" and "Khác" in labels[-1]
    await chat.act("tap:NV5")
    assert ("answerCallbackQuery", ) == tuple(n for n, _ in request.calls[-2:-1])
    await chat.act("Hướng dẫn người dân dùng dịch vụ công")
    await chat.act("30")
    await chat.act("photo:9")
    called = [n for n, _ in request.calls]
    assert "getFile" in called
    stored = list((services.media.root / "photos").rglob("*.jpg"))
    assert len(stored) == 1 and stored[0].read_bytes() == photo_bytes(9)
    assert len(list((services.media.root / "thumbs").rglob("*.jpg"))) == 1


async def test_photo_caption_is_offered_as_the_difficulties_answer(telegram, org, engine):
    """A caption typed under the evidence photo is not lost: the difficulties step offers it."""
    bot, request = telegram
    chat = TelegramChat(bot, request, 100, "An")
    for action in (f"/start {org['CD-A1'].join_code}", "/baocao", "tap:NV5",
                   "Dọn vệ sinh kênh mương ấp 1", "18"):
        await chat.act(action)
    request.files["photo21"] = photo_bytes(21)
    shown = await chat.feed(chat.updates.photo(chat.user, "photo21",
                                               caption="Thiếu găng tay, đề nghị huyện hỗ trợ"))
    assert "Đã nhận ảnh 1/10" in "\n".join(shown)
    asked = await chat.act("tap:Xong")
    assert "«Thiếu găng tay, đề nghị huyện hỗ trợ»" in asked
    assert "Mã biên nhận: BC-" not in asked
    await chat.act("tap:Dùng chú thích ảnh")
    assert "Mã biên nhận: BC-" in await chat.act("tap:Gửi")
    with session_scope(engine) as s:
        assert s.exec(select(Report)).one().difficulties == "Thiếu găng tay, đề nghị huyện hỗ trợ"


async def test_duplicate_update_is_answered_once(telegram, org, engine):
    from telegram import Update
    bot, request = telegram
    chat = TelegramChat(bot, request, 100, "An")
    update = chat.updates.text(chat.user, f"/start {org['CD-A1'].join_code}")
    await chat.feed(update)
    before = len(request.sent())
    await bot.app.process_update(Update.de_json(update, bot.app.bot))
    assert len(request.sent()) == before


async def test_restart_mid_dialog(telegram, org, db_url, tmp_path, clock):
    from bot.bootstrap import open_database
    from storage.media import MediaStore
    bot, request = telegram
    chat = TelegramChat(bot, request, 100, "An")
    for action in (f"/start {org['CD-A1'].join_code}", "/baocao", "tap:NV2"):
        await chat.act(action)
    await bot.app.shutdown()
    # a new process on the same database
    services = Services(engine=open_database(db_url), media=MediaStore(tmp_path / "m2"), clock=clock)
    settings = Settings(TELEGRAM_BOT_TOKEN=TOKEN)
    chat.bot = TelegramBot(settings, services, request=request)
    await chat.bot.initialize()
    text = await chat.act("Giới thiệu việc làm tại khu kinh tế Định An")
    assert "bao nhiêu người" in text


async def test_group_report_button_and_confirmation(telegram, org, services, engine):
    bot, request = telegram
    services.env_admins = (("telegram", "900"),)
    code = org["CD-A1"].join_code
    office = TelegramChat(bot, request, 900, "Văn phòng", chat_id=-100555)
    assert "Đã gắn nhóm" in await office.act(f"/dangky@fieldreport_test_bot {code}")
    member = TelegramChat(bot, request, 100, "An", chat_id=-100555)
    text = await member.act("/baocao")
    assert "Bấm nút dưới đây để báo cáo cho Chi đoàn ấp 1" in text
    button = request.buttons()[0]
    assert button["url"] == f"https://t.me/fieldreport_test_bot?start=bc_{code}"
    # a command for another bot in the same group is none of ours
    assert await member.act("/baocao@other_bot") == ""
    private = TelegramChat(bot, request, 100, "An")
    for action in (f"/start bc_{code}", "tap:NV1", "Sinh hoạt chuyên đề", "15", "tap:Xong",
                   "tap:Không có"):
        await private.act(action)
    await private.act("tap:Gửi")
    to_group = request.texts(-100555)[-1]
    assert to_group.startswith("✅ Chi đoàn ấp 1 đã báo cáo: NV1 Chống suy thoái – 15 người")
    with session_scope(engine) as s:
        assert s.exec(select(Report)).one().participants == 15


async def test_blocked_user_does_not_break_the_bot(telegram, org):
    bot, request = telegram
    chat = TelegramChat(bot, request, 100, "An")
    request.fail_next["sendMessage"] = (403, {"ok": False, "error_code": 403,
                                              "description": "Forbidden: bot was blocked by the user"})
    await chat.act("/giup")
    assert "/baocao" in await chat.act("/giup")


async def test_confirmation_reaches_the_units_group_on_another_platform(services, org, engine):
    """A Telegram report is confirmed in the unit's Zalo OA group too."""
    from storage import repo

    class RecordingSender:
        platform = "zalo_oa"

        def __init__(self):
            self.sent = []

        async def send(self, chat_id, reply):
            self.sent.append((chat_id, reply.text))

    zalo_group = RecordingSender()
    request = RecordingRequest()
    bot = TelegramBot(Settings(TELEGRAM_BOT_TOKEN=TOKEN), services, request=request,
                      shared_senders={"zalo_oa": zalo_group})
    await bot.initialize()
    with session_scope(engine) as s:
        repo.bind_chat(s, "zalo_oa", "group:77", s.get(type(org["CD-A1"]), org["CD-A1"].id),
                       "Nhóm Zalo", "office")
    chat = TelegramChat(bot, request, 100, "An")
    for action in (f"/start {org['CD-A1'].join_code}", "/baocao", "tap:NV1", "Sinh hoạt chi đoàn",
                   "12", "tap:Xong", "tap:Không có", "tap:Gửi"):
        await chat.act(action)
    assert len(zalo_group.sent) == 1
    assert zalo_group.sent[0][0] == "group:77"
    assert "Chi đoàn ấp 1 đã báo cáo: NV1 Chống suy thoái – 12 người" in zalo_group.sent[0][1]
    await bot.app.shutdown()
