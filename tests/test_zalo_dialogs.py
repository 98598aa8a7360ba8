"""Whole dialogs on the Zalo Bot API adapter: the real client and adapter against the local fake,
by polling and by webhook, with the same transcripts the Telegram tests run."""
import pytest
from sqlmodel import select

from bot.settings import Settings
from bot.zalo.app import ZaloApp
from storage.db import session_scope
from storage.models import ChatBinding, Media, ProcessedUpdate, Report, ReportPhoto
from tests import transcripts
from tests.fake_zalo import TOKEN, FakeZaloBotApi, ZaloPerson, free_port, settle
from tests.support import photo_bytes


@pytest.fixture
async def fake():
    server = await FakeZaloBotApi().start()
    yield server
    await server.stop()


def settings_for(fake, webhook: bool, **extra) -> Settings:
    env = dict(ZALO_BOT_TOKEN=TOKEN, ZALO_API_URL=fake.url, **extra)
    if webhook:
        port = free_port()
        env.update(ZALO_WEBHOOK_URL=f"http://127.0.0.1:{port}/zalo/hook",
                   ZALO_WEBHOOK_LISTEN=f"127.0.0.1:{port}")
    return Settings(_env_file=None, **env)


@pytest.fixture(params=["polling", "webhook"])
async def zalo(request, fake, services):
    webhook = request.param == "webhook"
    app = ZaloApp(settings_for(fake, webhook), services, poll_timeout=1)
    await app.start()
    app.webhook = webhook
    yield app
    await app.stop()


def person(fake, zalo, user_id="u-100", name="Nguyễn Văn An", **kw) -> ZaloPerson:
    return ZaloPerson(fake, zalo.bot, user_id, name, zalo.webhook, **kw)


@pytest.mark.parametrize("name", sorted(transcripts.ALL))
async def test_shared_transcripts_run_on_zalo(name, fake, zalo, org):
    cadre = person(fake, zalo)
    code = org["CD-A1"].join_code
    for action, expected in transcripts.ALL[name]:
        shown = await cadre.act(action.format(code=code))
        if shown is None:
            continue
        assert expected in shown, f"after {action[:60]!r}: expected {expected!r}, got:\n{shown}"


async def test_report_with_photos_is_stored_like_telegram(fake, zalo, org, engine, services):
    cadre = person(fake, zalo)
    await cadre.say(f"/start {org['CD-A1'].join_code}")
    assert "1. NV1 Chống suy thoái" in await cadre.say("báo cáo")
    await cadre.say("3")
    await cadre.say("Dọn vệ sinh kênh mương ấp 1")
    await cadre.say("18")
    assert "Đã nhận ảnh 1/10" in await cadre.photo(seed=11)
    assert "Đã nhận ảnh 2/10" in await cadre.photo(seed=12)
    await cadre.say("xong")
    await cadre.say("KHONG CO")
    assert "Mã biên nhận: BC-" in await cadre.say("1")
    with session_scope(engine) as s:
        report = s.exec(select(Report)).one()
        assert (report.platform, report.reporter_id, report.participants) == ("zalo", "u-100", 18)
        assert report.reporter_name == "Nguyễn Văn An"
        photos = s.exec(select(ReportPhoto).where(ReportPhoto.report_id == report.id)).all()
        assert len(photos) == 2
        for p in photos:
            assert (services.media.root / s.get(Media, p.sha256).path).is_file()


async def test_menus_are_numbered_and_buttons_become_hints(fake, zalo, org):
    cadre = person(fake, zalo)
    await cadre.say(f"/start {org['CD-A1'].join_code}")
    shown = await cadre.say("/baocao")
    assert "1. NV1 Chống suy thoái" in shown and "7. ĐP1 Cán bộ" in shown and "10. Khác" in shown
    assert "Gõ số thứ tự" in shown
    await cadre.say("nv1 chong suy thoai")  # the label, accents and case ignored
    await cadre.say("Sinh hoạt chuyên đề")
    assert "«Bỏ qua»" in cadre.shown


async def test_long_reply_is_split_on_line_boundaries(fake, zalo, org):
    cadre = person(fake, zalo)
    await cadre.say(f"/start {org['CD-A1'].join_code}")
    await cadre.say("/baocao")
    await cadre.say("1")
    content = "\n".join(f"Dòng {i}: hoạt động của chi đoàn" for i in range(40))  # ~1,300 chars
    await cadre.say(content)
    await cadre.say("5")
    await cadre.say("Xong")
    pieces_before = len(fake.texts("u-100"))
    await cadre.say("\n".join(f"Khó khăn {i}: thiếu kinh phí tổ chức" for i in range(24)))
    summary = fake.texts("u-100")[pieces_before:]
    assert len(summary) == 2 and all(len(p) <= 2000 for p in summary)
    assert not summary[1].startswith("ng ")  # cut between lines, not inside one
    assert "Dòng 39: hoạt động của chi đoàn" in "\n".join(summary)


async def test_repeated_updates_have_one_effect(fake, zalo, org, engine):
    cadre = person(fake, zalo)
    await cadre.say(f"/start {org['CD-A1'].join_code}")
    event = cadre.event("text", text="/baocao")
    if zalo.webhook:
        assert await fake.post_webhook(event) == 200
        assert await fake.post_webhook(event) == 200
        await settle(fake, zalo.bot, True)
    else:
        fake.repeat_each = True
        await cadre.send(event)
        fake.repeat_each = False
        assert zalo.bot.received == fake.delivered
    asked = [t for t in fake.texts("u-100") if "nhiệm vụ nào" in t]
    assert len(asked) == 1
    with session_scope(engine) as s:
        keys = s.exec(select(ProcessedUpdate).where(
            ProcessedUpdate.update_key == event["message"]["message_id"])).all()
        assert len(keys) == 1


async def test_repeat_after_restart_is_caught_by_the_database(fake, services, org):
    """A new process has no memory of recent ids; the exactly-once claim still holds."""
    first = ZaloApp(settings_for(fake, False), services, poll_timeout=1)
    await first.start()
    try:
        cadre = ZaloPerson(fake, first.bot, "u-100", "An", webhook=False)
        event = cadre.event("text", text=f"/start {org['CD-A1'].join_code}")
        assert "đã tham gia" in await cadre.send(event)
    finally:
        await first.stop()
    second = ZaloApp(settings_for(fake, False), services, poll_timeout=1)
    await second.start()
    try:
        cadre.bot = second.bot
        assert await cadre.send(event) == ""
        assert second.bot.received == 1
    finally:
        await second.stop()


async def test_expired_photo_link_asks_for_the_photo_again(fake, zalo, org):
    cadre = person(fake, zalo)
    await cadre.say(f"/start {org['CD-A1'].join_code}")
    for answer in ("/baocao", "2", "Tuyên truyền kinh tế biển", "7"):
        await cadre.say(answer)
    url = fake.add_photo(photo_bytes(4))
    fake.expired.add(url.rsplit("/", 1)[1])
    assert "Không đọc được ảnh" in await cadre.send(cadre.event("image", photo_url=url))
    assert "Đã nhận ảnh 1/10" in await cadre.photo(seed=4)


async def test_protected_sender_and_sticker(fake, zalo, org):
    cadre = person(fake, zalo)
    shown = await cadre.send(cadre.event("unsupported"))
    assert "tài khoản được bảo vệ" in shown
    await cadre.say(f"/start {org['CD-A1'].join_code}")
    await cadre.say("/baocao")
    await cadre.say("1")
    assert "không phải nhãn dán" in await cadre.send(cadre.event("sticker", sticker="abc"))


async def test_group_binding_by_mention(fake, zalo, org, engine, services):
    services.env_admins = (("zalo", "office-1"),)
    office = person(fake, zalo, "office-1", "Văn phòng", chat_id="grp-77", group=True)
    shown = await office.say(f"@Báo cáo Đoàn /dangky {org['CD-A1'].join_code}")
    assert "Đã gắn nhóm này với Chi đoàn ấp 1" in shown
    assert "nhắn riêng cho bot lệnh /baocao" in await office.say("@Báo cáo Đoàn /baocao")
    with session_scope(engine) as s:
        binding = s.exec(select(ChatBinding)).one()
        assert (binding.platform, binding.chat_id) == ("zalo", "grp-77")


async def test_group_confirmation_is_posted_to_the_bound_group(fake, zalo, org, services):
    services.env_admins = (("zalo", "office-1"),)
    office = person(fake, zalo, "office-1", "Văn phòng", chat_id="grp-77", group=True)
    await office.say(f"@Báo cáo Đoàn /dangky {org['CD-A1'].join_code}")
    cadre = person(fake, zalo)
    for answer in (f"/start {org['CD-A1'].join_code}", "/baocao", "1", "Sinh hoạt", "9",
                   "Xong", "Không có", "Gửi"):
        await cadre.say(answer)
    assert any("Chi đoàn ấp 1 đã báo cáo: NV1" in t for t in fake.texts("grp-77"))


async def test_forged_webhook_changes_nothing(fake, services, org, engine):
    app = ZaloApp(settings_for(fake, True), services)
    await app.start()
    try:
        event = fake.text("u-666", f"/start {org['CD-A1'].join_code}")
        assert await fake.post_webhook(event, secret="wrong-secret-value") == 403
        assert await fake.post_webhook(event, secret="") == 403
        assert await fake.post_webhook(event, secret=fake.webhook_secret + "x") == 403
        await settle(fake, app.bot, True)
        assert app.bot.received == 0 and fake.texts() == []
        with session_scope(engine) as s:
            assert s.exec(select(ProcessedUpdate)).all() == []
        # the genuine call, unwrapped this time, is accepted
        assert await fake.post_webhook(event, wrapped=False) == 200
        await settle(fake, app.bot, True)
        assert "đã tham gia Chi đoàn ấp 1" in fake.texts("u-666")[0]
    finally:
        await app.stop()


async def test_webhook_mode_registers_and_polling_mode_removes_the_webhook(fake, services):
    app = ZaloApp(settings_for(fake, True, ZALO_WEBHOOK_SECRET="s3cret-of-office"), services)
    await app.start()
    assert fake.webhook_url == app.settings.zalo_webhook_url
    assert fake.webhook_secret == "s3cret-of-office"
    await app.stop()
    polling = ZaloApp(settings_for(fake, False), services, poll_timeout=1)
    await polling.start()
    assert fake.webhook_url == "" and ("deleteWebhook", {}) in fake.calls
    await polling.stop()


async def test_short_webhook_secret_is_refused(fake, services):
    app = ZaloApp(settings_for(fake, True, ZALO_WEBHOOK_SECRET="short"), services)
    with pytest.raises(SystemExit, match="từ 8 đến 256 ký tự"):
        await app.start()
    await app.stop()


# --- what Zalo users send besides text and photos (issue 12) ----------------------------------

async def test_unsupported_message_mid_dialog_asks_the_current_step_again(fake, zalo, org):
    cadre = person(fake, zalo)
    await cadre.say(f"/start {org['CD-A1'].join_code}")
    await cadre.say("báo cáo")
    await cadre.say("3")
    shown = await cadre.send(cadre.event("unsupported"))  # a file, a link card, a contact card
    assert "Bot chưa đọc được loại tin này" in shown
    assert "Bước 2/5 – Đồng chí đã làm gì?" in shown
    assert "tài khoản được bảo vệ" not in shown
    assert "Bước 3/5" in await cadre.say("Dọn vệ sinh kênh mương ấp 1")  # the step still works


async def test_voice_message_asks_for_text(fake, zalo, org):
    cadre = person(fake, zalo)
    await cadre.say(f"/start {org['CD-A1'].join_code}")
    await cadre.say("báo cáo")
    await cadre.say("3")
    shown = await cadre.send(cadre.event("voice", voice_url="https://example.invalid/v.aac"))
    assert "Bot chưa nghe được tin nhắn thoại, đồng chí gõ chữ giúp." in shown
    assert "Bước 2/5" in shown


async def test_photo_caption_is_offered_as_the_difficulties_answer(fake, zalo, org, engine):
    cadre = person(fake, zalo)
    await cadre.say(f"/start {org['CD-A1'].join_code}")
    await cadre.say("báo cáo")
    await cadre.say("3")
    await cadre.say("Dọn vệ sinh kênh mương ấp 1")
    await cadre.say("18")
    url = fake.add_photo(photo_bytes(21))
    assert "Đã nhận ảnh 1/10" in await cadre.send(cadre.event(
        "image", photo_url=url, caption="Thiếu găng tay, đề nghị huyện hỗ trợ"))
    shown = await cadre.say("xong")
    assert "Bước 5/5" in shown
    assert "«Thiếu găng tay, đề nghị huyện hỗ trợ»" in shown and "«Dùng chú thích ảnh»" in shown
    summary = await cadre.tap("Dùng chú thích ảnh")
    assert "Thiếu găng tay, đề nghị huyện hỗ trợ" in summary
    assert "Mã biên nhận: BC-" in await cadre.tap("Gửi")
    with session_scope(engine) as s:
        assert s.exec(select(Report)).one().difficulties == "Thiếu găng tay, đề nghị huyện hỗ trợ"
