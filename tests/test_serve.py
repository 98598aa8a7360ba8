"""`fieldreport serve`: the Telegram webhook through the real aiohttp app and PTB parsing."""
import asyncio
import threading
from dataclasses import replace

from sqlalchemy import func
from sqlmodel import select

from bot.web import keys
from storage import serving
from storage.db import make_engine, session_scope
from storage import repo
from storage.models import Member, ProcessedUpdate, Report
from storage.serving import InboundUpdate
from tests.serve_support import Server, serve_settings, wait_for
from tests.support import photo_bytes
from tests.telegram_fake import Updates
from tests.serve_support import api, server  # noqa: F401  (shared fixtures)

USER = Updates.user(4242, "Lan", "Trần")


def count(engine, model) -> int:
    with session_scope(engine) as s:
        return s.exec(select(func.count()).select_from(model)).one()


async def say(server, api, text, updates=Updates()) -> str:
    seen = len(api.texts("4242"))
    assert await server.post_update(updates.text(USER, text)) == 200
    await server.settle()
    return "\n".join(api.texts("4242")[seen:])


async def test_a_dialog_through_the_webhook(server, api, org, engine):
    joined = await say(server, api, f"/start {org['CD-A1'].join_code}")
    assert "đã tham gia Chi đoàn ấp 1" in joined
    asked = await say(server, api, "/baocao")
    assert "nhiệm vụ nào" in asked
    assert api.received[-1].buttons[0]["text"] == "NV1 Chống suy thoái"
    with session_scope(engine) as s:
        rows = list(s.exec(select(InboundUpdate)))
    assert len(rows) == 2 and all(r.handled_at is not None and not r.error for r in rows)


async def test_wrong_secret_is_refused_and_changes_nothing(server, api, org, engine):
    update = Updates().text(USER, f"/start {org['CD-A1'].join_code}")
    assert await server.post_update(update, secret="guessed") == 403
    assert await server.post_update(update, secret="") == 403
    await asyncio.sleep(0.1)
    assert count(engine, InboundUpdate) == 0 and count(engine, ProcessedUpdate) == 0
    assert api.texts("4242") == []


async def test_garbage_body_is_a_400(server, engine):
    async with server.client.post("/telegram/webhook", data=b"{not json",
                                  headers={"X-Telegram-Bot-Api-Secret-Token": server.secret}) as r:
        assert r.status == 400
    assert await server.post_update({"update_id": "1; DROP TABLE"}) == 400
    assert count(engine, InboundUpdate) == 0


async def test_a_repeated_update_has_one_effect(server, api, org, engine):
    update = Updates().text(USER, f"/start {org['CD-A1'].join_code}")
    statuses = await asyncio.gather(*(server.post_update(update) for _ in range(3)))
    assert statuses == [200, 200, 200]
    await server.settle()
    assert len(api.texts("4242")) == 1
    assert count(engine, InboundUpdate) == 1


def test_one_group_commit_stores_a_repeated_update_once(engine, clock):
    """Updates arriving together are stored in one statement; a repeat inside the batch, or of
    an update stored earlier, gets no row id (so it is answered but not handled again)."""
    batch = [("u-1", {"update_id": 1}), ("u-1", {"update_id": 1}), ("u-2", {"update_id": 2})]
    with session_scope(engine) as s:
        first, repeat, second = serving.store_updates(s, "telegram", batch, "w", clock())
    with session_scope(engine) as s:
        again = serving.store_updates(s, "telegram", [("u-2", {"update_id": 2})], "w", clock())
    assert first is not None and second is not None and first != second
    assert repeat is None and again == [None]
    assert count(engine, InboundUpdate) == 2


async def test_update_stored_before_a_crash_is_handled_once_after_restart(
        api, services, clock, org, engine):
    """A photo is stored first (its step downloads the picture); the worker answers 200 and
    dies before handling it."""
    crashed = await Server(serve_settings(api), services, clock).start()
    never = asyncio.Event()

    async def dies_before_handling(payload, mark):
        await never.wait()
    crashed.app[keys.INBOX].handler = dies_before_handling
    assert await crashed.post_update(Updates().photo(USER, "AgACphoto")) == 200
    for task in list(crashed.app[keys.INBOX]._tasks):  # SIGKILL: nothing more runs
        task.cancel()
    await crashed.stop()
    assert api.texts("4242") == [] and count(engine, InboundUpdate) == 1

    restarted = await Server(serve_settings(api), services, clock).start()
    try:
        assert await restarted.app[keys.INBOX].recover() == 0  # its claim has not run out yet
        clock.advance(seconds=61)
        assert await restarted.app[keys.INBOX].recover() == 1
        await restarted.settle()
        assert await restarted.app[keys.INBOX].recover() == 0
        clock.advance(seconds=120)
        assert await restarted.app[keys.INBOX].recover() == 0
        await restarted.settle()
    finally:
        await restarted.stop()
    assert api.texts("4242") == ["Đồng chí gõ /baocao để báo cáo, /giup để xem hướng dẫn."]


async def test_a_text_is_stored_and_handled_in_one_commit_before_the_200(server, api, org,
                                                                         engine):
    """A text or a tap is handled within its request: when the 200 comes, the step and the
    stored update are committed together; the reply follows."""
    inbox = server.app[keys.INBOX]
    real, release = inbox.handler, asyncio.Event()
    seen_at_200 = {}

    async def replies_wait(payload, mark):
        telegram = server.app[keys.TELEGRAM]
        sender = telegram.sender._send

        async def held(chat_id, reply):
            await release.wait()
            await sender(chat_id, reply)
        telegram.sender._send = held
        try:
            await real(payload, mark)
        finally:
            telegram.sender._send = sender
    inbox.handler = replies_wait
    update = Updates().text(USER, f"/start {org['CD-A1'].join_code}")
    assert await server.post_update(update) == 200
    with session_scope(engine) as s:
        row = s.exec(select(InboundUpdate)).one()
        seen_at_200["handled"] = row.handled_at is not None
        seen_at_200["members"] = count(engine, Member)
    assert seen_at_200 == {"handled": True, "members": 1} and api.texts("4242") == []
    release.set()
    await server.settle()
    assert "đã tham gia Chi đoàn ấp 1" in api.texts("4242")[0]


async def test_a_step_that_fails_is_stored_and_tried_again_after_the_lease(
        server, api, org, engine, clock):
    """The database fails in the middle of a step: nothing of the step is kept, the update is
    (the 200 goes), and it is handled once when its claim runs out."""
    inbox = server.app[keys.INBOX]
    real = inbox.handler

    async def fails_once(payload, mark):
        inbox.handler = real
        raise OSError("server closed the connection unexpectedly")
    inbox.handler = fails_once
    assert await server.post_update(Updates().text(USER, f"/start {org['CD-A1'].join_code}")) \
        == 200
    await server.settle()
    with session_scope(engine) as s:
        assert serving.unhandled_count(s) == 1
    assert api.texts("4242") == [] and count(engine, Member) == 0
    assert await inbox.recover() == 0
    clock.advance(seconds=61)
    assert await inbox.recover() == 1
    await server.settle()
    with session_scope(engine) as s:
        assert serving.unhandled_count(s) == 0
    assert len(api.texts("4242")) == 1 and count(engine, Member) == 1


async def test_a_tap_right_after_a_photo_waits_for_the_photo(server, api, org):
    """A photo is stored first, a tap is handled on arrival: while the photo is still being
    stored, the tap that followed it cannot overtake it (the photo step needs the photo
    before «Xong»)."""
    inbox = server.app[keys.INBOX]
    real_handler, real_store = inbox.handler, inbox._store_batch
    entered, storing = threading.Event(), threading.Event()
    handled = []

    def slow_store(batch):
        entered.set()
        storing.wait(5)
        return real_store(batch)

    async def recording(payload, mark):
        handled.append("photo" if "photo" in payload.get("message", {}) else "tap")
        await real_handler(payload, mark)
    inbox.handler, inbox._store_batch = recording, slow_store
    updates = Updates()
    photo = asyncio.create_task(server.post_update(updates.photo(USER, "AgACphoto")))
    await wait_for(entered.is_set)
    tap = asyncio.create_task(server.post_update(updates.tap(USER, "done")))
    await asyncio.sleep(0.2)
    assert handled == [] and not tap.done()
    storing.set()
    assert await photo == 200 and await tap == 200
    await server.settle()
    assert handled == ["photo", "tap"]


async def test_a_whole_report_with_a_photo_through_the_webhook(server, api, org, engine):
    """The photo is stored first and downloaded from the Bot API; the taps around it are
    handled on arrival; the report keeps the photo."""
    api.files["AgACevidence"] = photo_bytes(3)
    updates = Updates()
    await say(server, api, f"/start {org['CD-A1'].join_code}")
    await say(server, api, "/baocao")
    steps = [updates.tap(USER, api.received[-1].buttons[0]["callback_data"]),
             updates.text(USER, "Ra quân dọn vệ sinh tuyến đường ấp"), updates.text(USER, "25"),
             updates.photo(USER, "AgACevidence"), updates.tap(USER, "done"),
             updates.tap(USER, "skip"), updates.tap(USER, "send")]
    for update in steps:
        assert await server.post_update(update) == 200
        await server.settle()
    assert "Mã biên nhận" in api.texts("4242")[-1]
    with session_scope(engine) as s:
        report = s.exec(select(Report)).one()
        assert report.participants == 25 and len(repo.report_photos(s, report.id)) == 1


async def test_an_update_the_core_ignores_is_kept_as_handled(server, api, engine):
    """An edited message: nothing to answer, the update is stored once, handled."""
    update = Updates().text(USER, "sửa lại")
    update["edited_message"] = update.pop("message")
    update["edited_message"]["edit_date"] = 1763460100
    for _ in range(2):
        assert await server.post_update(update) == 200
    await server.settle()
    with session_scope(engine) as s:
        rows = list(s.exec(select(InboundUpdate)))
    assert len(rows) == 1 and rows[0].handled_at is not None and api.texts("4242") == []


async def test_a_recovered_update_already_handled_is_not_handled_again(server, api, org,
                                                                        engine, clock):
    """Two processes recover the same row (a lease ran out while it was being handled)."""
    await say(server, api, f"/start {org['CD-A1'].join_code}")
    with session_scope(engine) as s:
        row = s.exec(select(InboundUpdate)).one()
    inbox = server.app[keys.INBOX]
    for _ in range(2):
        inbox._spawn(row.id, row.payload, 2)
    await server.settle()
    assert len(api.texts("4242")) == 1


async def test_healthz_reports_database_schema_and_last_update(server, api, org):
    async with server.client.get("/healthz") as resp:
        assert resp.status == 200
        body = await resp.json()
    from alembic.script import ScriptDirectory

    from storage.migrate import alembic_config
    newest = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert body["database"] == "ok" and body["schema"] == newest
    assert body["last_update_handled"] is None and body["reminder_round"] is None
    await say(server, api, f"/start {org['CD-A1'].join_code}")
    async with server.client.get("/healthz") as resp:
        body = await resp.json()
    assert body["last_update_handled"] is not None and body["updates_waiting"] == 0


async def test_healthz_is_503_when_the_database_is_down(api, services, clock):
    dead = make_engine("postgresql://nobody@127.0.0.1:9/none?connect_timeout=2")
    srv = await Server(serve_settings(api), replace(services, engine=dead), clock).start()
    try:
        async with srv.client.get("/healthz") as resp:
            assert resp.status == 503
            assert (await resp.json())["database"] == "unreachable"
    finally:
        await srv.stop()
        dead.dispose()


async def test_sigterm_drains_updates_in_progress(api, services, clock, org, engine):
    srv = await Server(serve_settings(api), services, clock).start()
    inbox = srv.app[keys.INBOX]
    real, release = inbox.handler, asyncio.Event()

    async def slow(payload, mark):
        await release.wait()
        await real(payload, mark)
    inbox.handler = slow
    posting = asyncio.create_task(
        srv.post_update(Updates().text(USER, f"/start {org['CD-A1'].join_code}")))
    await wait_for(lambda: inbox.in_flight == 1)
    # SIGTERM: the server stops listening, on_shutdown drains, the request still gets its 200
    closing = asyncio.create_task(srv.client.server.close())
    await asyncio.sleep(0.1)
    assert not closing.done() and not posting.done()
    release.set()
    assert await asyncio.wait_for(posting, 10) == 200
    await asyncio.wait_for(closing, 10)
    await srv.stop()
    assert len(api.texts("4242")) == 1
    with session_scope(engine) as s:
        assert serving.unhandled_count(s) == 0


async def test_a_button_tap_is_answered_in_the_webhook_response(server, api, org):
    await say(server, api, f"/start {org['CD-A1'].join_code}")
    await say(server, api, "/baocao")
    tap = Updates().tap(USER, api.received[-1].buttons[0]["callback_data"])
    async with server.client.post("/telegram/webhook", json=tap,
                                  headers={"X-Telegram-Bot-Api-Secret-Token": server.secret}) as r:
        assert r.status == 200
        assert await r.json() == {"method": "answerCallbackQuery",
                                  "callback_query_id": tap["callback_query"]["id"]}
    await server.settle()
    assert api.texts("4242")[-1].startswith("Bước 2/5")


async def test_a_tap_as_telegram_sends_it_with_the_whole_message(server, api, org, engine):
    """A tap comes with the message it was under: its text, formatting and whole keyboard.
    The step works as for a bare tap, and the stored update keeps all of it."""
    await say(server, api, f"/start {org['CD-A1'].join_code}")
    await say(server, api, "/baocao")
    menu = api.received[-1]
    tap = Updates().tap(USER, menu.buttons[0]["callback_data"])
    tap["callback_query"]["message"].update(
        text=menu.text, entities=[{"type": "bold", "offset": 0, "length": 4}],
        reply_markup={"inline_keyboard": [[button] for button in menu.buttons]})
    assert await server.post_update(tap) == 200
    await server.settle()
    assert api.texts("4242")[-1].startswith("Bước 2/5")
    with session_scope(engine) as s:
        stored = s.exec(select(InboundUpdate).where(
            InboundUpdate.update_key == str(tap["update_id"]))).one()
    assert stored.payload == tap and stored.handled_at is not None and not stored.error


async def test_handled_updates_are_pruned_after_thirty_days(server, api, org, engine, clock):
    await say(server, api, f"/start {org['CD-A1'].join_code}")
    with session_scope(engine) as s:
        serving.store_update(s, "telegram", "unhandled-1", {"update_id": 1}, "w", clock())
    clock.advance(days=29)
    server.app[keys.INBOX]._prune()
    assert count(engine, InboundUpdate) == 2
    clock.advance(days=2)
    server.app[keys.INBOX]._prune()
    with session_scope(engine) as s:
        left = s.exec(select(InboundUpdate)).all()
    assert [r.update_key for r in left] == ["unhandled-1"]  # never handled: kept
