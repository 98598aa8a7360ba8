"""`fieldreport zalo ...` and the Zalo column of `units codes`, run as office staff would."""
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from bot.bootstrap import open_database
from bot.cli import main
from bot.settings import get_settings
from storage import zalo as tokens_db
from storage.db import session_scope


@pytest.fixture
def cli(cli, monkeypatch):
    """The shared CLI runner, with the Zalo bot's chat link configured."""
    monkeypatch.setenv("ZALO_BOT_LINK", "https://zalo.me/1459232241454765289")
    return cli


def test_units_codes_has_the_zalo_chat_link(cli, tmp_path):
    units = tmp_path / "units.csv"
    units.write_text("code,name,parent_code\nTD,Tỉnh đoàn,\nC1,Chi đoàn 1,TD\n", encoding="utf-8")
    assert cli("units", "import", str(units)).exit_code == 0
    out = tmp_path / "codes.xlsx"
    assert cli("units", "codes", "--out", str(out)).exit_code == 0
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    header_at = next(i for i, r in enumerate(rows) if r[0] == "Mã đơn vị")
    assert rows[header_at][3:5] == ("Liên kết Telegram", "Liên kết Zalo")
    assert rows[header_at + 1][4] == "https://zalo.me/1459232241454765289"


def test_info_without_zalo_settings(cli):
    result = cli("zalo", "info")
    assert result.exit_code == 0
    assert "Chưa đặt ZALO_BOT_TOKEN" in result.output
    assert "Chưa đặt ZALO_OA_APP_ID" in result.output


def test_oa_token_restarts_the_chain(cli, monkeypatch, db_url):
    assert "Cần đặt ZALO_OA_APP_ID" in CliRunner().invoke(main, ["zalo", "oa-token", "R-x"]).output
    monkeypatch.setenv("ZALO_OA_APP_ID", "3482178216594085616")
    get_settings.cache_clear()
    assert "chưa có refresh token" in cli("zalo", "info").output
    result = cli("zalo", "oa-token", "R-after-new-authorization")
    assert result.exit_code == 0 and "Đã lưu refresh token mới" in result.output
    with session_scope(open_database(db_url)) as s:
        pair = tokens_db.active(s, "3482178216594085616")
        assert pair.refresh_token == "R-after-new-authorization" and pair.access_token == ""
    assert "access token hết hạn lúc" in cli("zalo", "info").output


def test_office_staff_of_the_official_account(cli):
    result = cli("admins", "add", "zalo_oa:5510185758261927916")
    assert result.exit_code == 0
    assert "zalo_oa:5510185758261927916" in cli("admins", "list").output
