"""Yearly targets: import (.xlsx/.csv, Vietnamese or English header, unit code or level),
`targets show`, progress in /trangthai and in the weekly reminder, and `fieldreport audit`."""
from openpyxl import Workbook
from sqlmodel import select

from storage import review as store
from storage.db import session_scope
from tests.support import Person
from tests.test_review import OFFICE_CHAT, send_report, setup_office, to_chat


def xlsx(path, rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return str(path)


def test_import_by_code_and_level_then_show(cli, org, tmp_path, engine):
    path = xlsx(tmp_path / "chi-tieu.xlsx", [
        ["Mã đơn vị", "Mã nhiệm vụ", "Năm", "Số hoạt động", "Số người tham gia"],
        ["chi đoàn", "NV3", 2026, 12, None],
        ["CD-A1", "NV3", 2026, 20, 300],  # a unit's own row wins over its level's
        ["HD-A", "DP1", 2026, 5, None],  # typed without the Vietnamese Đ
    ])
    result = cli("targets", "import", path)
    assert result.exit_code == 0, result.output
    assert "Thêm mới 5" in result.output  # four branches + the district
    shown = cli("targets", "show", "--year", "2026").output
    assert "CD-A1  Chi đoàn ấp 1\n      NV3: 0/20 hoạt động (0%)" in shown
    assert "CD-B2  Chi đoàn khóm 2\n      NV3: 0/12 hoạt động" in shown
    assert "HD-A  Huyện đoàn A\n    ĐP1: 0/5 hoạt động" in shown
    again = cli("targets", "import", path)
    assert "Thêm mới 0, thay đổi 0, giữ nguyên 5" in again.output
    with session_scope(engine) as s:
        assert len([a for a in s.exec(select(store.ReviewAction)) if a.action == "target"]) == 5


def test_english_header_csv(cli, org, tmp_path):
    path = tmp_path / "targets.csv"
    path.write_text("unit_code,task_code,year,activities\nCD-B1,NV6,2026,8\n", encoding="utf-8")
    assert "Thêm mới 1" in cli("targets", "import", str(path)).output
    assert "NV6: 0/8 hoạt động" in cli("targets", "show", "--year", "2026").output


def test_bad_file_is_rejected_whole_with_row_numbers(cli, org, tmp_path, engine):
    path = xlsx(tmp_path / "bad.xlsx", [
        ["Mã đơn vị", "Mã nhiệm vụ", "Năm", "Số hoạt động"],
        ["CD-A1", "NV3", 2026, 10],
        ["XX-9", "NV3", 2026, 10],
        ["CD-A2", "NV99", 2026, 10],
        ["CD-B1", "NV1", 2026, "mười"],
        ["CD-A1", "NV3", 2026, 11],
    ])
    result = cli("targets", "import", path)
    assert result.exit_code == 1
    for expected in ("dòng 3: «XX-9» không phải mã đơn vị", "dòng 4: nhiệm vụ «NV99»",
                     "dòng 5: số hoạt động «mười»", "dòng 6: trùng với dòng 2"):
        assert expected in result.output
    with session_scope(engine) as s:
        assert store.targets(s) == []
    missing = tmp_path / "missing.csv"
    missing.write_text("Mã đơn vị,Năm\nCD-A1,2026\n", encoding="utf-8")
    output = cli("targets", "import", str(missing)).output
    assert "thiếu cột Mã nhiệm vụ, Số hoạt động" in output


async def test_progress_in_status_and_reminder(cli, org, tmp_path, services, clock):
    path = tmp_path / "t.csv"
    path.write_text("Mã đơn vị,Mã nhiệm vụ,Năm,Số hoạt động\nCD-A1,NV3,2026,12\n"
                    "CD-A1,NV1,2026,4\n", encoding="utf-8")
    assert cli("targets", "import", str(path)).exit_code == 0
    cadre = Person(services, "100", "An")
    await send_report(cadre, org)  # an NV3 activity
    await cadre.say("/trangthai")
    assert "Năm 2026 – NV3: 1/12 hoạt động" in cadre.text()
    assert "Năm 2026 – NV1: 0/4 hoạt động" in cadre.text()
    from storage import repo
    with session_scope(services.engine) as s:
        repo.bind_chat(s, "telegram", "-1001", org["CD-A1"], "Nhóm", "1")
    from tests.test_reminder_rounds import FRIDAY, run_round
    sender, _, _ = await run_round(services, clock, "reminder", FRIDAY)
    # NV1 is at 0/4 (0%), NV3 at 1/12: NV1 is furthest behind
    assert "📈 Chỉ tiêu cần tập trung: Năm 2026 – NV1: 0/4 hoạt động." in sender.texts("-1001")[0]


async def test_audit_prints_who_did_what(cli, org, services, engine):
    office = await setup_office(services, engine, org)
    office.last = to_chat(await send_report(Person(services, "100", "An"), org), OFFICE_CHAT)
    await office.tap("Duyệt")
    out = cli("audit", "--period", "2026-W47").output
    assert "Nhật ký Tuần 47/2026" in out
    assert "An  gửi báo cáo  BC-" in out
    assert "18/11/2026 17:00  Trần Văn Phòng  duyệt  BC-" in out and "Chi đoàn ấp 1" in out
    assert "0 mục" in cli("audit", "--period", "2026-W40").output
