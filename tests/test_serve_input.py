"""Hostile and odd input through the webhook app, with real PTB update parsing."""
import asyncio
from datetime import timedelta

import pytest
from sqlmodel import select

from handlers.weekly.rounds import build_digest
from handlers.weekly.schedule import load_calendar
from storage import repo
from storage.db import session_scope
from storage.models import ChatBinding, DialogState, Report
from tests.fake_telegram_api import BOT
from tests.telegram_fake import Updates
from tests.serve_support import api, server  # noqa: F401  (shared fixtures)

USER = Updates.user(4242, "Lan", "Trần")


class Cadre:
    def __init__(self, server, api, user=USER):
        self.server, self.api, self.user, self.updates = server, api, user, Updates()

    async def send(self, update: dict) -> str:
        chat = str(self.user["id"])
        seen = len(self.api.texts(chat))
        assert await self.server.post_update(update) == 200
        await self.server.settle()
        return "\n".join(self.api.texts(chat)[seen:])

    async def say(self, text: str) -> str:
        return await self.send(self.updates.text(self.user, text))

    async def tap(self, data: str) -> str:
        return await self.send(self.updates.tap(self.user, data))


def state(engine, user_id="4242") -> DialogState:
    with session_scope(engine) as s:
        return s.exec(select(DialogState).where(DialogState.user_id == user_id)).one()


@pytest.mark.parametrize("forged", ["task:abc", "task:", "task:-1", "task:1e3", "task:٣",
                                    "task:99999999999999999999999"])
async def test_a_forged_task_button_asks_again(server, api, org, engine, forged):
    cadre = Cadre(server, api)
    await cadre.say(f"/start {org['CD-A1'].join_code}")
    assert "nhiệm vụ nào" in await cadre.say("/baocao")
    answer = await cadre.tap(forged)
    assert "hoặc tên nhiệm vụ" in answer  # the step's one-line hint; nothing is stored
    assert state(engine).step == "task"
    task = next(m for m in reversed(api.received) if m.buttons).buttons[0]["callback_data"]
    await cadre.tap(task)
    assert state(engine).step == "content"


@pytest.mark.parametrize("forged", ["unit:4 OR 1=1", "unit:", "unit:abc", "unit: 4"])
async def test_a_forged_unit_button_asks_again(server, api, org, engine, forged):
    cadre = Cadre(server, api)
    await cadre.say(f"/start {org['CD-A1'].join_code}")
    await cadre.say(f"/start {org['CD-B1'].join_code}")
    assert "đơn vị nào" in await cadre.say("/baocao")
    assert "hoặc tên đơn vị" in await cadre.tap(forged)
    assert state(engine).step == "unit"
    assert "nhiệm vụ nào" in await cadre.tap(f"unit:{org['CD-B1'].id}")


async def test_control_characters_are_stripped_before_storage(server, api, org, engine):
    cadre = Cadre(server, api)
    await cadre.say(f"/start {org['CD-A1'].join_code}")
    await cadre.say("/baocao")
    await cadre.tap(api.received[-1].buttons[0]["callback_data"])
    await cadre.say("Dọn vệ sinh\x00 khu\x07 phố\r\nvà trồng cây")
    await cadre.say("25")
    await cadre.tap("done")
    await cadre.say("Thiếu\x00 dụng cụ\x1b")
    assert "Mã biên nhận" in await cadre.tap("send")
    with session_scope(engine) as s:
        report = s.exec(select(Report)).one()
    assert report.content == "Dọn vệ sinh khu phố\nvà trồng cây"
    assert report.difficulties == "Thiếu dụng cụ"


async def test_zero_width_only_text_is_empty(server, api, org, engine):
    cadre = Cadre(server, api)
    await cadre.say(f"/start {org['CD-A1'].join_code}")
    await cadre.say("/baocao")
    await cadre.tap(api.received[-1].buttons[0]["callback_data"])
    assert "quá ngắn" in await cadre.say("\u200b\u200b\u200d\ufeff")
    assert state(engine).step == "content"


def bind_group(engine, org, chat_id: str, title: str) -> None:
    with session_scope(engine) as s:
        repo.bind_chat(s, "telegram", chat_id, org["CD-A1"], title, "test")


def group_update(updates: Updates, chat_id: int, **message) -> dict:
    return {"update_id": next(updates._ids), "message": {
        "message_id": next(updates._messages), "date": 1763460000,
        "chat": {"id": chat_id, "type": "group", "title": "Chi đoàn ấp 1"},
        "from": USER, **message}}


async def test_group_upgraded_to_supergroup_keeps_its_unit(server, org, engine):
    bind_group(engine, org, "-4001", "Chi đoàn ấp 1")
    updates = Updates()
    old = group_update(updates, -4001, migrate_to_chat_id=-1004001)
    new = group_update(updates, -1004001, migrate_from_chat_id=-4001)
    new["message"]["chat"] = {"id": -1004001, "type": "supergroup", "title": "Chi đoàn ấp 1"}
    assert await server.post_update(old) == 200
    assert await server.post_update(new) == 200
    await server.settle()
    with session_scope(engine) as s:
        groups = repo.groups_of_unit(s, org["CD-A1"].id)
    assert [g.chat_id for g in groups] == ["-1004001"]


async def test_bot_removed_from_group_is_inactive_and_in_the_digest(server, org, engine, clock):
    bind_group(engine, org, "-1004002", "Nhóm Chi đoàn ấp 1")
    updates = Updates()
    chat = {"id": -1004002, "type": "supergroup", "title": "Nhóm Chi đoàn ấp 1"}
    bot_user = {k: BOT[k] for k in ("id", "is_bot", "first_name", "username")}
    removed = {"update_id": next(updates._ids), "my_chat_member": {
        "chat": chat, "from": USER, "date": 1763460000,
        "old_chat_member": {"status": "member", "user": bot_user},
        "new_chat_member": {"status": "kicked", "user": bot_user, "until_date": 0}}}
    assert await server.post_update(removed) == 200
    await server.settle()
    with session_scope(engine) as s:
        binding = s.exec(select(ChatBinding).where(ChatBinding.chat_id == "-1004002")).one()
        assert binding.active is False and binding.deactivated_at is not None
        assert repo.groups_of_unit(s, org["CD-A1"].id) == []
        digest = build_digest(s, load_calendar(s), org["TD"], "2026-W47",
                              clock() - timedelta(days=7), clock().date())
    text = digest.text()
    assert "đã chặn hoặc xóa bot" in text and "Nhóm Chi đoàn ấp 1" in text


async def test_bot_left_by_service_message_is_also_noticed(server, org, engine):
    bind_group(engine, org, "-1004003", "Nhóm 3")
    updates = Updates()
    bot_user = {k: BOT[k] for k in ("id", "is_bot", "first_name", "username")}
    left = group_update(updates, -1004003, left_chat_member=bot_user)
    assert await server.post_update(left) == 200
    await server.settle()
    with session_scope(engine) as s:
        assert repo.groups_of_unit(s, org["CD-A1"].id) == []
    await asyncio.sleep(0)
