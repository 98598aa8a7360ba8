"""Zalo's answers handled by their meaning (issue 12): every row of bot/zalo/errors.py against the
local fakes, then a whole reminder round where some cadres are outside the OA's window, one has
blocked the OA and the quota runs out half-way."""
import asyncio
import logging
from datetime import datetime, timedelta, timezone

import aiohttp
import pytest
from sqlmodel import select

from bot.delivery import Deliverer
from bot.outbox import (ChatUnavailable, OutsideWindow, QuotaExhausted, SendError,
                        SenderMisconfigured)
from bot.settings import Settings
from bot.zalo.client import ZaloClient
from bot.zalo.errors import TABLE, Api, Meaning
from bot.zalo.oa import OaClient, OaNotAuthorized, OaTokens
from bot.zalo.oa_events import OaSender
from bot.zalo.sender import ZaloSender
from handlers.messages import Reply
from bot.scheduler import build_round
from storage import repo
from storage import reminders as store
from storage.clock import LOCAL_TZ
from storage.db import session_scope
from storage.models import Member
from storage.reminders import DeliveryKind, DeliveryStatus
from storage.units_import import import_units
from storage.zalo import ZaloOaToken
from tests.fake_zalo import TOKEN, FakeZaloBotApi, FakeZaloOa
from tests.reminder_fakes import FakeTimer, RecordingSender

PERIOD = "2026-W47"
FRIDAY = datetime(2026, 11, 20, 16, 30, tzinfo=LOCAL_TZ).astimezone(timezone.utc)
SLOT = "4 16:30"
EXPECTED = {Meaning.GONE: ChatUnavailable, Meaning.OUTSIDE_WINDOW: OutsideWindow,
            Meaning.QUOTA: QuotaExhausted, Meaning.CONFIGURATION: SenderMisconfigured,
            Meaning.TOKEN: SenderMisconfigured, Meaning.FAILED: SendError}


async def no_wait(_):
    pass


@pytest.fixture
async def bot_fake():
    server = await FakeZaloBotApi().start()
    yield server
    await server.stop()


@pytest.fixture
async def oa_fake():
    server = await FakeZaloOa().start()
    yield server
    await server.stop()


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


def oa_client(fake, engine, http, clock) -> OaClient:
    tokens = OaTokens(engine, FakeZaloOa.APP_ID, fake.APP_SECRET, fake.url, lambda: http,
                      clock=clock, seed_refresh_token=fake.first_refresh_token, sleep=no_wait)
    return OaClient(tokens, fake.url, session=http)


def row_id(row) -> str:
    return f"{row.api.value}-{row.http or ''}-{row.code if row.code is not None else ''}"


# --- one test per row of the table ------------------------------------------------------------

@pytest.mark.parametrize("row", [r for r in TABLE if r.api == Api.BOT], ids=row_id)
async def test_bot_api_answer_means_what_the_table_says(row, bot_fake):
    client = ZaloClient(TOKEN, bot_fake.url, sleep=no_wait)
    bot_fake.answer_chat["u1"] = row.code
    with pytest.raises(SendError) as info:
        await ZaloSender(client).send("u1", Reply("Nhắc báo cáo"))
    assert type(info.value) is EXPECTED[row.meaning]
    assert [m for m, _ in bot_fake.calls].count("sendMessage") == 1  # no blind retries
    await client.close()


@pytest.mark.parametrize("row", [r for r in TABLE if r.api == Api.OA], ids=row_id)
async def test_oa_answer_means_what_the_table_says(row, oa_fake, engine, http, clock):
    group = row.code == -224  # a group message (Group Message Framework)
    oa_fake.answer_user["g1" if group else "u1"] = row.code if row.code is not None else row.http
    sender = OaSender(oa_client(oa_fake, engine, http, clock))
    with pytest.raises(SendError) as info:
        await sender.send("group:g1" if group else "u1", Reply("Nhắc báo cáo"))
    assert type(info.value) is EXPECTED[row.meaning]
    assert oa_fake.sent == []


@pytest.mark.parametrize("row", [r for r in TABLE if r.api == Api.OAUTH], ids=row_id)
async def test_refused_refresh_token_asks_for_a_new_authorization(row, oa_fake, engine, http,
                                                                   clock):
    oa_fake.refresh_answer = row.code
    client = oa_client(oa_fake, engine, http, clock)
    with pytest.raises(OaNotAuthorized):
        await client.send_text("u1", "x")
    with session_scope(engine) as s:
        assert [t.status for t in s.exec(select(ZaloOaToken))] == ["rejected"]


# --- meanings at work -------------------------------------------------------------------------

def branches(engine, n: int, platform: str, office: bool = True) -> dict[str, str]:
    """A province with n branches, one cadre each on `platform` (user id -> name)."""
    rows = [["P", "Tỉnh đoàn", "", "tỉnh"]]
    rows += [[f"B{i}", f"Chi đoàn {i}", "P", "chi đoàn"] for i in range(n)]
    with session_scope(engine) as s:
        import_units(s, ["code", "name", "parent_code", "level"], rows)
    cadres = {}
    with session_scope(engine) as s:
        for i in range(n):
            user = f"u{i}"
            cadres[user] = f"Cán bộ {i}"
            repo.join_unit(s, platform, user, repo.unit_by_code(s, f"B{i}"), cadres[user], user)
        if office:
            repo.bind_chat(s, "telegram", "-500", repo.unit_by_code(s, "P"), "Văn phòng", "1",
                           purpose="office")
    return cadres


def members(engine, platform: str) -> dict[str, bool]:
    with session_scope(engine) as s:
        return {m.user_id: m.active for m in s.exec(select(Member).where(
            Member.platform == platform))}


def delivery_status(engine, platform: str) -> dict[str, str]:
    with session_scope(engine) as s:
        return {d.chat_id: d.status for d in store.deliveries(s, PERIOD)
                if d.platform == platform and d.kind != DeliveryKind.ALERT}


async def test_a_round_through_the_oa_with_windows_a_block_and_the_quota_running_out(
        oa_fake, engine, services, clock, http, cli):
    """Issue 12's check: 1/3 outside the window, one blocked, quota gone half-way."""
    cadres = branches(engine, 9, "zalo_oa")
    outside = {"u1": -230, "u4": -213, "u7": -230}
    for user, code in outside.items():
        oa_fake.answer_user[user] = code
    oa_fake.answer_user["u2"] = -201  # blocked / unfollowed the OA
    oa_fake.quota = 2  # two of the five reachable cadres get theirs today
    office = RecordingSender(clock)
    senders = {"zalo_oa": OaSender(oa_client(oa_fake, engine, http, clock)), "telegram": office}
    clock.now = FRIDAY
    build_round(services, DeliveryKind.REMINDER, PERIOD, FRIDAY, sorted(senders), slot_key=SLOT)

    first = await Deliverer(engine, senders, timer=FakeTimer(clock)).drain(
        stop_in_quiet_hours=True)
    assert "zalo_oa" in first.paused
    assert len(office.texts("-500")) == 1 and "hết hạn mức" in office.texts("-500")[0]
    reached = {u for u in cadres if oa_fake.texts(user_id=u)}
    assert len(reached) == 2

    # The quota renews at local midnight; the bot goes on after the quiet hours.
    oa_fake.quota = None
    clock.now = datetime(2026, 11, 21, 7, 0, tzinfo=LOCAL_TZ).astimezone(timezone.utc)
    again = await Deliverer(engine, senders, timer=FakeTimer(clock)).drain()
    assert again.paused == {}
    fine = set(cadres) - set(outside) - {"u2"}
    assert {u for u in cadres if oa_fake.texts(user_id=u)} == fine
    assert all(len(oa_fake.texts(user_id=u)) == 1 for u in fine)  # nobody twice
    assert len(office.texts("-500")) == 1  # one alert, however many sends hit the quota

    status = delivery_status(engine, "zalo_oa")
    assert {u: status[u] for u in outside} == dict.fromkeys(outside, "outside_window")
    assert status["u2"] == "blocked"
    assert members(engine, "zalo_oa") == {u: u != "u2" for u in cadres}

    listing = cli("deliveries", "--period", PERIOD).output
    assert listing.count("→ cần tương tác") == 3

    monday = datetime(2026, 11, 23, 8, 0, tzinfo=LOCAL_TZ).astimezone(timezone.utc)
    clock.now = monday
    build_round(services, DeliveryKind.DIGEST, PERIOD, monday, sorted(senders))
    await Deliverer(engine, senders, timer=FakeTimer(clock)).drain()
    digest = office.texts("-500")[-1]
    assert "Cần tương tác" in digest
    needs = digest.split("Cần tương tác")[1]
    assert all(cadres[u] in needs for u in outside) and cadres["u2"] not in needs
    assert cadres["u2"] in digest.split("Cần tương tác")[0]  # listed as blocked instead


async def test_outside_the_window_the_reminder_waits_for_the_cadre_and_then_goes(
        oa_fake, engine, services, clock, http):
    from bot.zalo.adapter import ZaloBot
    from bot.zalo.oa_events import parse_oa_event
    branches(engine, 1, "zalo_oa", office=False)
    oa_fake.answer_user["u0"] = -230
    senders = {"zalo_oa": OaSender(oa_client(oa_fake, engine, http, clock))}
    clock.now = FRIDAY
    build_round(services, DeliveryKind.REMINDER, PERIOD, FRIDAY, ["zalo_oa"], slot_key=SLOT)
    await Deliverer(engine, senders, timer=FakeTimer(clock)).drain()
    assert delivery_status(engine, "zalo_oa") == {"u0": "outside_window"}
    assert members(engine, "zalo_oa") == {"u0": True}

    clock.advance(hours=2)  # the cadre writes to the OA: the window opens
    del oa_fake.answer_user["u0"]
    bot = ZaloBot(services, senders["zalo_oa"], download=None, window=True)
    await bot.submit(parse_oa_event(oa_fake.text("u0", "chào")))
    await Deliverer(engine, senders, timer=FakeTimer(clock)).drain()
    assert delivery_status(engine, "zalo_oa") == {"u0": "sent"}
    assert len([t for t in oa_fake.texts(user_id="u0") if "Nhắc báo cáo" in t]) == 1


async def test_with_an_approved_template_the_reminder_goes_as_a_transaction_message(
        oa_fake, engine, services, clock, http):
    branches(engine, 1, "zalo_oa", office=False)
    oa_fake.answer_user["u0"] = -230
    oa_fake.templates_approved = True
    sender = OaSender(oa_client(oa_fake, engine, http, clock), template_id="tpl-nhac-bao-cao")
    clock.now = FRIDAY
    build_round(services, DeliveryKind.REMINDER, PERIOD, FRIDAY, ["zalo_oa"], slot_key=SLOT)
    await Deliverer(engine, {"zalo_oa": sender}, timer=FakeTimer(clock)).drain()
    assert delivery_status(engine, "zalo_oa") == {"u0": "sent"}
    kind, body = oa_fake.sent[0]
    assert kind == "transaction"
    assert body["message"]["attachment"]["payload"]["template_id"] == "tpl-nhac-bao-cao"


async def test_a_wrong_api_url_stops_the_zalo_sender_and_changes_no_chat(
        bot_fake, engine, services, clock, caplog):
    branches(engine, 3, "zalo", office=False)
    wrong = ZaloClient(TOKEN, bot_fake.url + "/nhầm", sleep=no_wait)
    clock.now = FRIDAY
    build_round(services, DeliveryKind.REMINDER, PERIOD, FRIDAY, ["zalo"], slot_key=SLOT)
    caplog.set_level(logging.ERROR)
    report = await Deliverer(engine, {"zalo": ZaloSender(wrong)}, timer=FakeTimer(clock)).drain()
    assert "zalo" in report.stopped
    assert members(engine, "zalo") == {"u0": True, "u1": True, "u2": True}
    assert set(delivery_status(engine, "zalo").values()) <= {"pending", "retry"}
    assert len([r for r in caplog.records if "sender stopped" in r.getMessage()]) == 1
    await wrong.close()


async def test_a_split_message_resumes_where_it_stopped(bot_fake, engine, services, clock):
    branches(engine, 1, "zalo", office=False)
    text = "\n".join(f"Dòng {i:03d} " + "x" * 90 for i in range(45))  # three pieces on Zalo
    with session_scope(engine) as s:
        unit = repo.unit_by_code(s, "B0")
        store.add_deliveries(s, [dict(
            unit_id=unit.id, period=PERIOD, kind=DeliveryKind.MANUAL, platform="zalo",
            chat_id="u0", audience="private", recipient="Cán bộ 0", text=text, due_at=FRIDAY,
            status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=FRIDAY, claimed_by="",
            error="", created_at=FRIDAY)])
    client = ZaloClient(TOKEN, bot_fake.url, sleep=no_wait)
    bot_fake.quota = 1  # the first piece goes, then the quota is gone
    clock.now = FRIDAY
    deliverer = Deliverer(engine, {"zalo": ZaloSender(client)}, timer=FakeTimer(clock))
    await deliverer.drain(stop_in_quiet_hours=True)
    assert len(bot_fake.delivered_texts) == 1
    bot_fake.quota = None
    clock.now = datetime(2026, 11, 21, 7, 0, tzinfo=LOCAL_TZ).astimezone(timezone.utc)
    await Deliverer(engine, {"zalo": ZaloSender(client)}, timer=FakeTimer(clock)).drain()
    pieces = [t for _, t in bot_fake.delivered_texts]
    assert len(pieces) == 3 and len(set(pieces)) == 3  # each piece once, in order
    assert "\n".join(pieces).replace("\n\n", "\n").count("Dòng") == 45
    assert pieces[0].startswith("Dòng 000") and "Dòng 044" in pieces[2]
    assert delivery_status(engine, "zalo") == {"u0": "sent"}
    await client.close()


async def test_remind_checks_getme_before_building_the_zalo_sender(bot_fake, services):
    from bot.cli_schedule import open_senders
    good = Settings(_env_file=None, ZALO_BOT_TOKEN=TOKEN, ZALO_API_URL=bot_fake.url)
    async with open_senders(good, services) as senders:
        assert "zalo" in senders
    wrong = Settings(_env_file=None, ZALO_BOT_TOKEN=TOKEN, ZALO_API_URL=bot_fake.url + "/x")
    async with open_senders(wrong, services) as senders:
        assert "zalo" not in senders
    assert [m for m, _ in bot_fake.calls] == ["getMe"]  # the wrong URL never reached the fake


def test_quota_renews_at_the_next_local_day_or_month():
    from bot.quota import renews_at
    now = datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)  # 17:00 local
    assert renews_at(now, "day") == datetime(2026, 12, 1, 0, 0, tzinfo=LOCAL_TZ)
    assert renews_at(now, "month") == datetime(2026, 12, 1, 0, 0, tzinfo=LOCAL_TZ)
    assert renews_at(now + timedelta(days=-10), "month") == datetime(2026, 12, 1, tzinfo=LOCAL_TZ)


class ScaledTimer(FakeTimer):
    """Waits really, 10,000 times faster than the clock it moves: work that arrives while
    the deliverer sleeps arrives in the middle of the sleep, as in production."""

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) / 10_000)
        self.clock.advance(seconds=max(0.0, seconds))


async def test_a_zalo_quota_pause_does_not_hold_back_other_platforms(bot_fake, engine, services,
                                                                     clock):
    from bot.delivery import IDLE_POLL
    branches(engine, 2, "zalo", office=False)
    bot_fake.quota = 0
    client = ZaloClient(TOKEN, bot_fake.url, sleep=no_wait)
    telegram = RecordingSender(clock)
    clock.now = FRIDAY
    build_round(services, DeliveryKind.REMINDER, PERIOD, FRIDAY, ["zalo"], slot_key=SLOT)
    deliverer = Deliverer(engine, {"zalo": ZaloSender(client), "telegram": telegram},
                          timer=ScaledTimer(clock))
    serving = asyncio.create_task(deliverer.drain())
    for _ in range(500):
        if set(delivery_status(engine, "zalo").values()) == {"retry"}:
            break
        await asyncio.sleep(0.01)
    with session_scope(engine) as s:  # a Telegram round planned while Zalo waits for its quota
        unit = repo.unit_by_code(s, "B0")
        planned = clock.now
        store.add_deliveries(s, [dict(
            unit_id=unit.id, period=PERIOD, kind=DeliveryKind.MANUAL, platform="telegram",
            chat_id="-900", audience="group", recipient="Nhóm B0", text="Nhắc", due_at=planned,
            status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=planned, claimed_by="",
            error="", created_at=planned)])
    for _ in range(500):
        if telegram.sent:
            break
        await asyncio.sleep(0.01)
    serving.cancel()
    await asyncio.gather(serving, return_exceptions=True)
    assert telegram.sent and telegram.sent[0][2] - planned.timestamp() <= IDLE_POLL + 1
    assert bot_fake.delivered_texts == []
    await client.close()


def test_oa_voice_and_photo_captions_reach_the_core():
    from bot.zalo.adapter import to_incoming
    from bot.zalo.oa_events import parse_oa_event
    fake = FakeZaloOa()  # only its event shapes: no server needed
    voice = parse_oa_event(fake.event("user_send_audio", "u1", attachments=[
        {"type": "audio", "payload": {"url": "https://example.invalid/v.aac"}}]))
    assert to_incoming(voice).kind == "voice"
    photo = fake.image("u1", b"jpeg")
    photo["message"]["text"] = "Thiếu kinh phí"
    incoming = to_incoming(parse_oa_event(photo))
    assert (incoming.kind, incoming.text) == ("photo", "Thiếu kinh phí")
