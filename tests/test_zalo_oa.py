"""The Official Account adapter against the local fake: signed webhooks, CS and group messages,
and the refresh-token chain that must survive crashes and concurrent processes."""
import asyncio
import json

import aiohttp
import pytest
from sqlmodel import select

from bot.settings import Settings
from bot.zalo.app import ZaloApp
from bot.zalo.oa import OaClient, OaNotAuthorized, OaTokens, signature, verify_signature
from storage import zalo as tokens_db
from storage.db import session_scope
from storage.models import ProcessedUpdate, Report, ReportPhoto
from storage.zalo import ZaloOaToken
from tests.fake_zalo import FakeZaloOa, free_port
from tests.support import photo_bytes

APP = FakeZaloOa.APP_ID


@pytest.fixture
async def fake():
    server = await FakeZaloOa().start()
    yield server
    await server.stop()


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


def tokens_for(fake, engine, http, clock, seed=None) -> OaTokens:
    async def short_wait(_):  # the lease is polled every second in production
        await asyncio.sleep(0.02)
    return OaTokens(engine, APP, fake.APP_SECRET, fake.url, lambda: http, clock=clock,
                    seed_refresh_token=fake.first_refresh_token if seed is None else seed,
                    sleep=short_wait)


def rows(engine) -> list[tuple[str, str]]:
    with session_scope(engine) as s:
        return [(r.status, r.refresh_token) for r in
                s.exec(select(ZaloOaToken).order_by(ZaloOaToken.id))]


# --- webhook signature ------------------------------------------------------------------------

def test_signature_is_sha256_of_app_id_body_timestamp_and_oa_secret():
    import hashlib
    raw = b'{"event_name":"user_send_text","timestamp":"1717061839659"}'
    mac = signature("123", raw, "1717061839659", "key")
    assert mac == hashlib.sha256(b"123" + raw + b"1717061839659" + b"key").hexdigest()
    assert verify_signature(f"mac={mac}", raw, "123", "key")
    assert verify_signature(mac.upper(), raw, "123", "key")
    assert not verify_signature(f"mac={mac}", raw, "123", "other-key")
    assert not verify_signature(f"mac={mac}", raw.replace(b"text", b"link"), "123", "key")
    assert not verify_signature("", raw, "123", "key")
    assert not verify_signature(f"mac={mac}", b"not json", "123", "key")


# --- the adapter, end to end ------------------------------------------------------------------

@pytest.fixture
async def oa_app(fake, services):
    port = free_port()
    settings = Settings(_env_file=None, ZALO_OA_APP_ID=APP, ZALO_OA_APP_SECRET=fake.APP_SECRET,
                        ZALO_OA_SECRET_KEY=fake.OA_SECRET_KEY,
                        ZALO_OA_REFRESH_TOKEN=fake.first_refresh_token,
                        ZALO_OA_API_URL=fake.url, ZALO_OA_OAUTH_URL=fake.url,
                        ZALO_WEBHOOK_LISTEN=f"127.0.0.1:{port}")
    app = ZaloApp(settings, services)
    await app.start()
    fake.webhook_url = f"http://127.0.0.1:{port}/zalo/oa/webhook"
    yield app
    await app.stop()


async def say(fake, app, event) -> list[str]:
    before = len(fake.sent)
    assert await fake.post_webhook(event) == 200
    await settle(app)
    return [body["message"].get("text", "") for _, body in fake.sent[before:]]


async def settle(app):
    for _ in range(1500):
        if not app.oa_bot.busy:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the OA adapter did not finish in time")


async def test_report_through_the_official_account(fake, oa_app, org, engine):
    user = "5510185758261927916"
    answers = [f"/start {org['CD-A1'].join_code}", "báo cáo", "6", "Nhặt rác bờ kênh", "14"]
    for text in answers:
        shown = await say(fake, oa_app, fake.text(user, text))
    assert "ảnh minh chứng" in shown[-1]
    assert "Đã nhận ảnh 1/10" in (await say(fake, oa_app, fake.image(user, photo_bytes(21))))[-1]
    for text in ("Xong", "Không có"):
        await say(fake, oa_app, fake.text(user, text))
    assert "Mã biên nhận: BC-" in (await say(fake, oa_app, fake.text(user, "1")))[0]
    assert all(kind == "cs" and body["recipient"]["user_id"] == user for kind, body in fake.sent)
    with session_scope(engine) as s:
        report = s.exec(select(Report)).one()
        assert (report.platform, report.reporter_id) == ("zalo_oa", user)
        assert len(s.exec(select(ReportPhoto)).all()) == 1
    assert fake.refreshes == 1  # the seeded refresh token was spent once, then kept in the DB


async def test_group_binding_and_confirmation_through_gmf(fake, oa_app, org, services):
    group, office, cadre = "4a9bada229cec09099df", "7001", "7002"
    services.env_admins = (("zalo_oa", office),)
    shown = await say(fake, oa_app, fake.text(office, f"/dangky {org['CD-A1'].join_code}",
                                              group_id=group))
    assert "Đã gắn nhóm này với Chi đoàn ấp 1" in shown[0]
    assert fake.sent[-1][0] == "group" and fake.sent[-1][1]["recipient"] == {"group_id": group}
    for text in (f"/start {org['CD-A1'].join_code}", "/baocao", "1", "Sinh hoạt chi đoàn", "20",
                 "Xong", "Không có", "Gửi"):
        await say(fake, oa_app, fake.text(cadre, text))
    assert any("Chi đoàn ấp 1 đã báo cáo: NV1" in t for t in fake.texts(group_id=group))


async def test_forged_or_tampered_oa_webhook_changes_nothing(fake, oa_app, org, engine):
    event = fake.text("7003", f"/start {org['CD-A1'].join_code}")
    assert await fake.post_webhook(event, sign_with="guessed-key") == 403
    assert await fake.post_webhook(event, header="") == 403
    raw = json.dumps(event).encode()
    good = signature(APP, raw, event["timestamp"], fake.OA_SECRET_KEY)
    async with aiohttp.ClientSession() as session:  # signed body, different bytes sent
        async with session.post(fake.webhook_url, data=raw.replace(b"7003", b"7004"),
                                headers={"X-ZEvent-Signature": f"mac={good}"}) as resp:
            assert resp.status == 403
    await settle(oa_app)
    assert oa_app.oa_bot.received == 0 and fake.sent == []
    with session_scope(engine) as s:
        assert s.exec(select(ProcessedUpdate)).all() == []
    shown = await say(fake, oa_app, event)
    assert "đã tham gia Chi đoàn ấp 1" in shown[0]


async def test_repeated_oa_event_has_one_effect(fake, oa_app, org):
    event = fake.text("7005", f"/start {org['CD-A1'].join_code}")
    await say(fake, oa_app, event)
    assert await say(fake, oa_app, event) == []


# --- the refresh-token chain ------------------------------------------------------------------

async def test_seed_once_then_rotate_and_keep_the_previous_pair_until_proven(
        fake, engine, http, clock):
    tokens = tokens_for(fake, engine, http, clock)
    client = OaClient(tokens, fake.url, session=http)
    pair = await tokens.current()  # the seed has no access token: refresh at once
    assert fake.refreshes == 1 and pair.refresh_token in fake.refresh_tokens
    assert [s for s, _ in rows(engine)] == ["retired", "active"]  # seed kept until proven
    await client.send_text("u1", "Xin chào")
    assert rows(engine) == [("active", pair.refresh_token)]  # proven: the old pair is gone
    again = tokens_for(fake, engine, http, clock)  # a restart with the same .env
    assert (await again.current()).access_token == pair.access_token
    assert fake.refreshes == 1 and len(rows(engine)) == 1


async def test_invalid_access_token_refreshes_once_and_retries(fake, engine, http, clock):
    tokens = tokens_for(fake, engine, http, clock)
    client = OaClient(tokens, fake.url, session=http)
    await client.send_text("u1", "một")
    fake.expire_access_tokens()  # Zalo revoked it early: error -216
    await client.send_group_text("g1", "hai")
    assert fake.refreshes == 2 and fake.texts() == ["một", "hai"]


async def test_refresh_ahead_of_expiry(fake, engine, http, clock):
    tokens = tokens_for(fake, engine, http, clock)
    first = await tokens.current()
    clock.advance(seconds=90000 - 60)  # within the margin before the access token expires
    second = await tokens.current()
    assert second.access_token != first.access_token and fake.refreshes == 2


async def test_two_processes_never_spend_the_same_refresh_token(fake, engine, http, clock):
    tokens_for(fake, engine, http, clock).ensure_seeded()
    fake.refresh_gate = asyncio.Event()
    a, b = tokens_for(fake, engine, http, clock), tokens_for(fake, engine, http, clock)
    both = asyncio.gather(a.current(), b.current())
    await asyncio.sleep(0.2)
    fake.refresh_gate.set()
    pair_a, pair_b = await both
    assert pair_a == pair_b
    assert fake.refreshes == 1 and fake.refused == 0


async def test_crash_after_storing_the_new_pair_loses_nothing(fake, engine, http, clock):
    crashed = tokens_for(fake, engine, http, clock)
    stored = await crashed.current()  # Zalo rotated, we committed, then the process died
    del crashed
    restarted = tokens_for(fake, engine, http, clock)
    await OaClient(restarted, fake.url, session=http).send_text("u1", "vẫn gửi được")
    assert fake.refreshes == 1 and fake.texts() == ["vẫn gửi được"]
    assert rows(engine) == [("active", stored.refresh_token)]


async def test_crash_while_holding_the_lease_recovers_after_it_lapses(fake, engine, http, clock):
    tokens_for(fake, engine, http, clock).ensure_seeded()
    with session_scope(engine) as s:  # a process took the lease and died before calling Zalo
        assert tokens_db.take_lease(s, tokens_db.active(s, APP).id, clock())
    clock.advance(seconds=tokens_db.LEASE.total_seconds() + 1)
    pair = await tokens_for(fake, engine, http, clock).current()
    assert pair.refresh_token in fake.refresh_tokens and fake.refreshes == 1


async def test_refused_refresh_token_asks_for_a_new_authorization(fake, engine, http, clock):
    tokens = tokens_for(fake, engine, http, clock, seed="R-unknown")
    with pytest.raises(OaNotAuthorized):
        await tokens.current()
    assert rows(engine) == [("rejected", "R-unknown")]
    with pytest.raises(OaNotAuthorized):  # not retried against Zalo with a dead token
        await tokens.current()
    assert fake.refused == 1
    with session_scope(engine) as s:  # `fieldreport zalo oa-token` after a new authorization
        tokens_db.seed(s, APP, fake.first_refresh_token, now=clock())
    assert (await tokens.current()).refresh_token in fake.refresh_tokens
