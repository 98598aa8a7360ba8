"""Office staff at the command line: schedule set/show, pauses, days off, remind --now, deliveries."""
import asyncio
import threading

import pytest

from bot.settings import get_settings
from handlers.weekly.calendar import is_quiet
from storage import repo
from storage.clock import iso_week, utcnow
from storage.db import session_scope
from tests.fake_telegram_api import TOKEN, FakeBotApi


@pytest.fixture
def cli(cli, org, engine):
    """The shared CLI runner, on a database that already holds the test organisation."""
    return cli


@pytest.fixture
def bot_api(monkeypatch):
    """The fake Bot API on its own thread and loop (the CLI runs its own asyncio.run)."""
    api, loop = FakeBotApi(), asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    url = asyncio.run_coroutine_threadsafe(api.start(), loop).result(10)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_URL", url)
    get_settings.cache_clear()
    yield api
    asyncio.run_coroutine_threadsafe(api.stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def test_schedule_set_for_a_subtree_and_show(cli):
    result = cli("schedule", "set", "--unit", "HD-A", "--reminder", "thứ 5 17:00",
                 "--followup", "off")
    assert result.exit_code == 0 and "Đã lưu lịch nhắc" in result.output
    shown = cli("schedule", "show", "--unit", "CD-A1").output  # a branch inherits from HĐ A
    assert "Nhắc báo cáo hằng tuần: Thứ Năm 17:00" in shown
    assert "Nhắc lần hai (đơn vị chưa báo cáo): không gửi" in shown
    assert "Hạn báo cáo: Chủ nhật 21:00" in shown
    other = cli("schedule", "show", "--unit", "CD-B1").output
    assert "Nhắc báo cáo hằng tuần: Thứ Sáu 16:30" in other
    assert "Các nhánh có lịch riêng: HD-A" in cli("schedule", "show").output
    back = cli("schedule", "set", "--unit", "HD-A", "--reminder", "inherit")
    assert "Thứ Sáu 16:30" in back.output


def test_schedule_errors_are_explained_in_vietnamese(cli):
    bad = cli("schedule", "set", "--reminder", "friday")
    assert bad.exit_code == 1 and "Ví dụ đúng: «T6 16:30»" in bad.output
    assert "Không có đơn vị mã «XX»" in cli("schedule", "show", "--unit", "XX").output
    assert "Chưa có gì để đổi" in cli("schedule", "set").output
    assert "không tắt được" in cli("schedule", "set", "--deadline", "off").output


def test_pause_resume_and_days_off(cli):
    assert "đến hết ngày 31/12/2026" in cli("schedule", "pause", "HD-B", "--until", "31/12/2026",
                                             "--note", "sáp nhập").output
    assert "Đang tạm dừng nhắc đến hết ngày 31/12/2026 (sáp nhập)" in \
        cli("schedule", "show", "--unit", "CD-B2").output
    assert "Đã mở lại" in cli("schedule", "resume", "HD-B").output
    assert "Đã thêm ngày nghỉ Thứ Sáu 04/12/2026" in cli("schedule", "dayoff", "add", "04/12/2026",
                                                          "--note", "Đại hội").output
    assert "04/12/2026  Đại hội" in cli("schedule", "dayoff", "list").output
    assert "Đại hội" in cli("schedule", "show", "--weeks", "6").output
    assert "dd/mm/yyyy" in cli("schedule", "dayoff", "add", "2026-13-01").output
    assert "Đã bỏ ngày nghỉ 04/12/2026" in cli("schedule", "dayoff", "remove", "04/12/2026").output


def test_remind_now_sends_once_and_deliveries_lists_it(cli, bot_api, engine, org):
    with session_scope(engine) as s:
        repo.bind_chat(s, "telegram", "-1001", org["CD-A1"], "Nhóm ấp 1", "1")
        repo.bind_chat(s, "telegram", "-1002", org["CD-A2"], "Nhóm ấp 2", "1")
    first = cli("remind", "--now", "--unit", "HD-A")
    assert first.exit_code == 0, first.output
    assert "2 tin mới cần gửi" in first.output
    listing = cli("deliveries", "--period", iso_week(utcnow())).output
    if is_quiet(utcnow()):  # run at night: the round waits for 06:30, as it must
        assert "khung giờ yên lặng" in first.output and bot_api.received == []
        assert "chờ gửi" in listing
        return
    assert "đã gửi: 2" in first.output
    assert bot_api.per_chat_counts() == {"-1001": 1, "-1002": 1}
    assert "doan_baocao_bot?start=bc_" in bot_api.received[0].buttons[0]["url"]
    again = cli("remind", "--now", "--unit", "HD-A")
    assert "0 tin mới" in again.output and len(bot_api.received) == 2
    assert "CD-A1  nhắc thủ công  nhóm telegram:-1001 «Nhóm ấp 1»  → đã gửi" in listing
    assert "Tổng 2 tin: đã gửi: 2" in listing


def test_deliveries_rejects_a_bad_period(cli):
    assert "ví dụ đúng: 2026-W47" in cli("deliveries", "--period", "2026-47").output
    assert "chưa có tin nhắc nào" in cli("deliveries", "--period", "2026-W01").output


def test_remind_without_a_token_says_so(cli):
    result = cli("remind", "--now")
    assert result.exit_code == 1 and "Chưa có token bot nào" in result.output
