"""Cán bộ văn phòng: one-time invites from the console, accepted from the bot."""
from __future__ import annotations

import pytest

from storage import repo
from storage.db import session_scope
from tests.console_support import add_staff, console_settings, csrf, log_in, start_client
from tests.support import Person


@pytest.fixture
async def district(services, org, tmp_path):
    add_staff(services.engine, "900", "HD-A")
    client = await start_client(services, console_settings(tmp_path))
    await log_in(client, services, "900")
    yield client
    await client.close()


async def test_invite_makes_office_staff_of_a_subtree_once(district, services):
    page = await district.post("/can-bo/moi", data={"csrf": await csrf(district, "/can-bo"),
                                                    "don_vi": "CD-A1"})
    html = await page.text()
    command = html.split('id="invite-command">')[1].split("<")[0]
    assert command.startswith("/start vp_") and "t.me/fieldreport_test_bot?start=vp_" in html
    invitee = Person(services, user_id="555", name="Trần Văn Cường")
    await invitee.say(command)
    assert "cán bộ Văn phòng của Chi đoàn ấp 1" in invitee.text()
    with session_scope(services.engine) as s:
        allowed, root = repo.admin_scope(s, "telegram", "555")
        assert allowed and root == repo.unit_by_code(s, "CD-A1").id
    other = Person(services, user_id="556", name="Người khác")
    await other.say(command)
    assert "đã hết hạn hoặc đã được dùng" in other.text()
    listing = await (await district.get("/can-bo")).text()
    assert "555" in listing and "Trần Văn Cường nhận lời mời của telegram:900" in listing


async def test_invites_stay_inside_the_inviters_subtree(district):
    token = await csrf(district, "/can-bo")
    assert (await district.post("/can-bo/moi", data={"csrf": token, "don_vi": "HD-B"})).status == 404
    assert (await district.post("/can-bo/moi", data={"csrf": token, "don_vi": ""})).status == 404
