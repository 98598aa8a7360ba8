"""/xuat in chat, and `fieldreport export` on the command line."""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from bot.cli import main
from bot.settings import get_settings
from exports.rollup import chat_exporter
from storage import repo
from storage.db import session_scope
from storage.models import Unit
from tests.support import Person, make_org, run_script

HEADER = 6


@pytest.fixture
def exports_made(services, tmp_path):
    """The real exporter, with a record of every workbook it was asked for."""
    made = []
    real = chat_exporter(services.media.root, tmp_path / "exports")

    def export(*args, **kwargs):
        made.append((args[1], kwargs.get("unit_id")))
        return real(*args, **kwargs)
    services.export_workbook = export
    return made


def units_in(path) -> list[str]:
    summary = load_workbook(path)["Tổng hợp"]
    first = int(summary.freeze_panes[1:])  # under the header row (the document header is above)
    return [r[1] for r in summary.iter_rows(min_row=first, values_only=True) if r[1]]


async def test_office_staff_pick_a_period_and_get_the_workbook(services, org, exports_made):
    services.env_admins = (("telegram", "900"),)
    cadre = Person(services, "100", "Nguyễn Văn An")
    await run_script(cadre, [(f"/start {org['CD-A1'].join_code}", "Chi đoàn ấp 1"),
                             ("/baocao", "nhiệm vụ nào"), ("tap:NV3", "Đồng chí đã làm gì"),
                             ("Dọn vệ sinh đường ấp", "bao nhiêu người"), ("12", "ảnh"),
                             ("xong", "Khó khăn"), ("tap:Không có", "kiểm tra"),
                             ("tap:Gửi", "Mã biên nhận")])
    office = Person(services, "900", "Văn phòng Tỉnh đoàn")
    replies = await office.say("/xuat")
    assert "chọn kỳ" in office.text() and "toàn bộ các đơn vị" in office.text()
    assert [c.label for c in replies[0].choices] == ["Tuần này", "Tuần trước", "Tháng này",
                                                      "Quý này"]
    assert replies[0].menu
    replies = await office.tap("Tuần này")
    assert exports_made == [("2026-W47", None)]
    assert "Tuần này (2026-W47)" in office.text()
    document = replies[0].document
    assert document.suffix == ".xlsx" and document.is_file()
    detail = load_workbook(document)["Chi tiết"]
    assert detail.cell(HEADER + 1, 9).value == "Dọn vệ sinh đường ấp"
    await office.say("/xuat")
    await office.tap("Quý này")
    await office.say("/xuat 2026-11")
    assert exports_made[1:] == [("2026-Q4", None), ("2026-11", None)]
    await office.say("/xuat tuần 99")
    assert "không hợp lệ" in office.text() and len(exports_made) == 4  # asked, nothing written


async def test_staff_of_a_district_get_only_their_subtree(services, org, exports_made, engine):
    with session_scope(engine) as s:
        repo.add_admin(s, "telegram", "901", org["HD-A"].id)
    office = Person(services, "901", "Văn phòng Huyện đoàn A")
    await office.say("/xuat")
    assert "Huyện đoàn A" in office.text()
    replies = await office.tap("Tuần trước")
    assert exports_made == [("2026-W46", org["HD-A"].id)]
    assert units_in(replies[0].document) == ["CD-A1", "CD-A2"]  # HĐ A: the subtotal row


async def test_anyone_else_is_refused_and_nothing_is_generated(services, org, exports_made):
    cadre = Person(services, "100", "Nguyễn Văn An")
    await cadre.say(f"/start {org['CD-A1'].join_code}")
    replies = await cadre.say("/xuat")
    assert replies[0].document is None and not replies[0].choices
    assert "chỉ dành cho cán bộ Văn phòng" in cadre.text()
    # a period button tapped by someone else in a group is checked again
    stranger = Person(services, "555", "Người lạ").in_group("-1001", "Nhóm Văn phòng")
    await stranger.send(stranger.message("choice", choice="xuat:tuan_nay"))
    assert "chỉ dành cho cán bộ Văn phòng" in stranger.text()
    assert exports_made == []


async def test_unit_groups_never_receive_the_workbook(services, org, exports_made, engine):
    services.env_admins = (("telegram", "900"),)
    with session_scope(engine) as s:
        unit_group = repo.bind_chat(s, "telegram", "-2001", s.get(Unit, org["CD-A1"].id),
                                    "Nhóm chi đoàn", "900")
        repo.bind_chat(s, "telegram", "-3001", s.get(Unit, org["HD-B"].id), "Văn phòng HĐ B",
                       "900", purpose="office")
        repo.add_admin(s, "telegram", "901", org["HD-A"].id)
        assert unit_group.purpose == "unit"
    office = Person(services, "900", "Văn phòng Tỉnh đoàn")
    await office.in_group("-2001").say("/xuat")
    assert exports_made == []
    in_office_group = office.in_group("-3001", "Văn phòng HĐ B")
    await in_office_group.say("/xuat")
    replies = await in_office_group.tap("Tuần này")
    assert exports_made == [("2026-W47", org["HD-B"].id)]  # the group's unit, not the tree
    assert units_in(replies[0].document) == ["CD-B1", "CD-B2"]
    district_a = Person(services, "901", "Văn phòng Huyện đoàn A").in_group("-3001")
    await district_a.say("/xuat tuần này")
    assert "ngoài phạm vi" in district_a.text() and len(exports_made) == 1


async def test_export_leaves_a_report_in_progress_alone(services, org, exports_made):
    services.env_admins = (("telegram", "100"),)
    cadre = Person(services, "100", "Nguyễn Văn An")
    await run_script(cadre, [(f"/start {org['CD-A1'].join_code}", "Chi đoàn ấp 1"),
                             ("/baocao", "nhiệm vụ nào"), ("tap:NV3", "Đồng chí đã làm gì")])
    await cadre.say("/xuat")
    await cadre.tap("Tuần này")
    assert len(exports_made) == 1
    await run_script(cadre, [("Trồng cây xanh", "bao nhiêu người")])


# --- the command line -----------------------------------------------------------------------

@pytest.fixture
def cli(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("MEDIA_DIR", str(tmp_path / "media"))
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(main, list(args), catch_exceptions=False)
    get_settings.cache_clear()


def test_cli_export_periods_units_and_media(cli, engine, tmp_path, monkeypatch):
    make_org(engine)
    monkeypatch.setenv("REPORT_ISSUER", "BCH HUYỆN LONG HỒ")
    monkeypatch.setenv("REPORT_PLACE", "Long Hồ")
    get_settings.cache_clear()
    result = cli("export", "--period", "2026-11", "--unit", "HD-A", "--out", "thang.xlsx")
    assert result.exit_code == 0, result.output
    assert "Tháng 11/2026" in result.output and "thang.xlsx" in result.output
    assert units_in(tmp_path / "thang.xlsx") == ["CD-A1", "CD-A2"]
    assert cli("export", "--from", "2026-11-01", "--to", "2026-11-30").exit_code == 0
    summary = load_workbook(tmp_path / "bao-cao-20261101-20261130.xlsx")["Tổng hợp"]
    top = [c for row in summary.iter_rows(max_row=10, values_only=True) for c in row if c]
    assert "Kỳ báo cáo: Từ 01/11/2026 đến 30/11/2026" in top
    assert ("Báo cáo được tính theo tuần hoạt động: trọn 6 tuần có ngày trong khoảng này (từ "
            "26/10/2026 đến 06/12/2026).") in top
    assert top[0] == "BCH HUYỆN LONG HỒ" and top[4].startswith("Long Hồ, ngày ")
    assert cli("export", "--period", "2026-W47", "--with-media").exit_code == 0
    assert (tmp_path / "bao-cao-2026-W47.zip").is_file()
    assert cli("export", "--period", "2026-13").exit_code == 2
    assert cli("export", "--period", "2026", "--from", "2026-01-01").exit_code == 2
    assert cli("export").exit_code == 2
    unknown = cli("export", "--period", "2026", "--unit", "ZZ")
    assert unknown.exit_code == 1 and "ZZ" in unknown.output
