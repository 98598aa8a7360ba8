"""The office's command line, run as a user would (click's runner, a real database file)."""
import asyncio

import pytest
from openpyxl import load_workbook

from bot.settings import Settings


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_units_import_list_codes_and_reimport(cli, tmp_path):
    first = write(tmp_path / "units.csv", "code,name,parent_code,level\n"
                  "TD,Tỉnh đoàn,,tỉnh\nX1,Đoàn xã 1,TD,xã\nC1,Chi đoàn 1,X1,chi đoàn\n"
                  "C2,Chi đoàn 2,X1,chi đoàn\n")
    result = cli("units", "import", first)
    assert result.exit_code == 0 and "Thêm mới 4" in result.output
    tree = cli("units", "list").output.splitlines()
    assert tree == ["TD  Tỉnh đoàn", "  X1  Đoàn xã 1", "    C1  Chi đoàn 1", "    C2  Chi đoàn 2"]
    out = tmp_path / "codes.xlsx"
    assert cli("units", "codes", "--out", str(out)).exit_code == 0
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert ("Mã đơn vị", "Tên đơn vị", "Mã tham gia", "Liên kết Telegram") in [r[:4] for r in rows]
    c1 = next(r for r in rows if r[0] == "C1")
    assert c1[3] == f"https://t.me/doan_baocao_bot?start={c1[2]}"
    # move C2 under a new union, rename C1, drop nothing without --retire-missing
    second = write(tmp_path / "units2.csv", "code,name,parent_code\n"
                   "TD,Tỉnh đoàn,\nX1,Đoàn xã 1,TD\nX2,Đoàn xã 2,TD\nC1,Chi đoàn Một,X1\nC2,Chi đoàn 2,X2\n")
    assert cli("units", "import", second).exit_code == 0
    tree = cli("units", "list").output
    assert "    C1  Chi đoàn Một" in tree and "  X2  Đoàn xã 2\n    C2  Chi đoàn 2" in tree
    # C1 is gone from the third file: retired, still listed with --all, codes kept
    third = write(tmp_path / "units3.csv", "code,name,parent_code\nTD,Tỉnh đoàn,\nX1,Đoàn xã 1,TD\n"
                  "X2,Đoàn xã 2,TD\nC2,Chi đoàn 2,X2\n")
    assert cli("units", "import", third, "--retire-missing").exit_code == 0
    assert "C1" not in cli("units", "list").output
    assert "C1  Chi đoàn Một" in cli("units", "list", "--all").output


@pytest.mark.parametrize("content, message", [
    ("code,name\nA,Đơn vị A\n", "parent_code"),
    ("code,name,parent_code\nA,Đơn vị A,\nB,Đơn vị B,ZZ\n", "dòng 3: không có đơn vị cấp trên mã ZZ"),
    ("code,name,parent_code\nA,Đơn vị A,\nA,Trùng,\n", "dòng 3: mã A bị trùng"),
    ("code,name,parent_code\nA,Đơn vị A,B\nB,Đơn vị B,A\n", "vòng lặp"),
])
def test_bad_unit_file_is_rejected_whole(cli, tmp_path, content, message):
    path = write(tmp_path / "bad.csv", content)
    result = cli("units", "import", path)
    assert result.exit_code == 1
    assert message in result.output
    assert cli("units", "list").output == ""


def test_admins_and_plan(cli, tmp_path):
    assert cli("admins", "add", "telegram:12345").exit_code == 0
    assert "telegram:12345" in cli("admins", "list").output
    assert cli("admins", "add", "facebook:1").exit_code == 1
    plan = write(tmp_path / "plan.yaml", "name: Kế hoạch 2027\ntasks:\n"
                 "  - {code: A1, label: Chuyển đổi số, title: Chuyển đổi số trong Đoàn}\n"
                 "  - {code: A2, label: Khác, title: Hoạt động khác}\n")
    assert cli("plan", "import", plan).exit_code == 0
    shown = cli("plan", "show").output
    assert "Kế hoạch 2027" in shown and "A1" in shown and "NV1" not in shown
    bad = write(tmp_path / "bad.yaml", "name: x\ntasks:\n  - {code: A1}\n")
    result = cli("plan", "import", bad)
    assert result.exit_code == 1 and "label" in result.output


def test_shell_chats_with_the_real_handlers(cli, tmp_path):
    from bot.shell import run_shell
    units = write(tmp_path / "u.csv", "code,name,parent_code\nTD,Tỉnh đoàn,\nC1,Chi đoàn 1,TD\n")
    cli("units", "import", units)
    printed = []
    asyncio.run(run_shell(Settings(), "C1", "u1", "Cán bộ", out=printed.append, lines=[
        "/baocao", "3", "Dọn vệ sinh", "12", "/anh", "xong", "không có", "1"]))
    text = "\n".join(printed)
    assert "đã tham gia Chi đoàn 1" in text
    assert "3. NV3 Nông thôn mới" in text
    assert "Mã biên nhận: BC-" in text


def test_units_import_from_xlsx_with_level_and_contact(cli, tmp_path):
    from openpyxl import Workbook
    book = Workbook()
    sheet = book.active
    sheet.append(["Code", "Name", "Parent_Code", "Level", "Contact"])
    sheet.append(["TD", "Tỉnh đoàn", None, "tỉnh", None])
    sheet.append(["C1", "Chi đoàn 1", "TD", "chi đoàn", "Bí thư Lan 0909 000 111"])
    path = tmp_path / "units.xlsx"
    book.save(path)
    assert cli("units", "import", str(path)).exit_code == 0
    assert cli("units", "list").output.splitlines() == ["TD  Tỉnh đoàn", "  C1  Chi đoàn 1"]


def test_shell_answers_on_its_second_run_on_the_same_database(cli, tmp_path, db_url):
    """Each run is its own process, as at a terminal: the second must not be taken as repeats."""
    import os
    import subprocess
    import sys
    units = write(tmp_path / "u.csv", "code,name,parent_code\nTD,Tỉnh đoàn,\nC1,Chi đoàn 1,TD\n")
    cli("units", "import", units)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_"))}
    env.update(DATABASE_URL=db_url, MEDIA_DIR=str(tmp_path / "media"), REMINDERS_ENABLED="false")

    def shell_run(lines: str) -> str:
        done = subprocess.run([sys.executable, "-m", "bot.cli", "shell", "--unit", "C1",
                               "--user", "u1"], input=lines, capture_output=True, text=True,
                              env=env, cwd=tmp_path, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    first = shell_run("/trangthai\n")
    second = shell_run("/trangthai\n/giup\n")
    assert first.count("bot> ") >= 2
    assert second.count("bot> ") >= 3, second
    assert "/baocao" in second.split("bot> ")[-1]


def test_command_modules_do_not_import_the_main_group():
    """bot/cli.py assembles the commands; a module importing it back would make a cycle."""
    import ast
    from pathlib import Path
    for path in (Path(__file__).parents[1] / "bot").glob("cli_*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                     for alias in node.names}
        assert "bot.cli" not in imported, path
        assert not any(isinstance(n, ast.ImportFrom) and n.module == "bot"
                       and any(a.name == "cli" for a in n.names) for n in ast.walk(tree)), path
