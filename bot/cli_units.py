"""`fieldreport units|admins|plan`: the organisation tree, office staff and the task catalog."""
from __future__ import annotations

from pathlib import Path

import click

from bot.cli_common import engine_from_settings, fail, parse_who, settings, unit_or_fail
from bot.cli_vi import group
from storage import repo
from storage.db import session_scope

# --- units ----------------------------------------------------------------------------------


@group()
def units() -> None:
    """Cây tổ chức: nạp danh sách đơn vị, xem, in mã tham gia."""


@units.command("import")
@click.argument("path", type=click.Path(path_type=Path), metavar="TỆP")
@click.option("--retire-missing", is_flag=True,
              help="Cho ngừng hoạt động các đơn vị không còn trong tệp (báo cáo cũ vẫn giữ).")
def units_import(path: Path, retire_missing: bool) -> None:
    """Nạp đơn vị từ tệp .csv/.xlsx có dòng tiêu đề code,name,parent_code[,level][,contact]."""
    from exports.tables import TableError, read_table
    from storage.units_import import UnitImportError, import_units
    try:
        header, rows = read_table(path)
    except TableError as exc:
        fail(str(exc))
    engine = engine_from_settings()
    try:
        with session_scope(engine) as s:
            result = import_units(s, header, rows, retire_missing=retire_missing)
    except UnitImportError as exc:
        fail(f"{path}: tệp bị từ chối, không có gì được ghi:\n" + "\n".join(exc.problems))
    click.echo(f"Thêm mới {len(result.added)}, cập nhật {len(result.updated)}, "
               f"giữ nguyên {result.unchanged}, ngừng hoạt động {len(result.retired)} đơn vị.")


@units.command("list")
@click.option("--all", "include_retired", is_flag=True, help="Kể cả đơn vị đã ngừng hoạt động.")
def units_list(include_retired: bool) -> None:
    """In cây tổ chức."""
    engine = engine_from_settings()
    with session_scope(engine) as s:
        for unit, depth in repo.tree_order(repo.all_units(s, include_retired)):
            mark = "" if unit.active else "  [ngừng hoạt động]"
            click.echo(f"{'  ' * depth}{unit.code}  {unit.name}{mark}")


@units.command("codes")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), metavar="TỆP",
              help="Tệp cần ghi: .pdf (phiếu in, mỗi đơn vị một thẻ có mã QR), .xlsx hoặc .csv.")
def units_codes(out: Path) -> None:
    """Ghi mã tham gia và liên kết Telegram/Zalo của từng đơn vị để gửi xuống cơ sở."""
    from bot.links import join_sheet
    from exports.join_sheet import JoinSheetError, check_suffix, write_join_sheet
    try:
        check_suffix(out)
    except JoinSheetError as exc:
        fail(str(exc))
    with session_scope(engine_from_settings()) as s:
        sheet = join_sheet(s, settings())
    for warning in sheet.warnings:
        click.echo(f"Lưu ý: {warning}", err=True)
    write_join_sheet(out, sheet)
    click.echo(f"Đã ghi {len(sheet.cards)} đơn vị vào {out}")


@units.command("secretary")
@click.argument("unit_code", metavar="MÃ_ĐƠN_VỊ")
@click.argument("who", metavar="NỀN_TẢNG:ID")
def units_secretary(unit_code: str, who: str) -> None:
    """Đặt bí thư của đơn vị (NỀN_TẢNG:ID, ví dụ telegram:123); bí thư gắn được nhóm của đơn vị."""
    platform, user_id = parse_who(who)
    engine = engine_from_settings()
    with session_scope(engine) as s:
        unit = unit_or_fail(s, unit_code)
        repo.join_unit(s, platform, user_id, unit, "", user_id, role="secretary")
    click.echo(f"{who} là bí thư của {unit_code}")


# --- admins ---------------------------------------------------------------------------------

@group()
def admins() -> None:
    """Cán bộ Văn phòng."""


@admins.command("add")
@click.argument("who", metavar="NỀN_TẢNG:ID")
@click.option("--unit", "unit_code", metavar="MÃ_ĐƠN_VỊ",
              help="Chỉ phụ trách đơn vị này và cấp dưới.")
def admins_add(who: str, unit_code: str | None) -> None:
    """Đặt NỀN_TẢNG:ID (ví dụ telegram:123) làm cán bộ Văn phòng."""
    platform, user_id = parse_who(who)
    engine = engine_from_settings()
    with session_scope(engine) as s:
        unit_id = unit_or_fail(s, unit_code).id if unit_code else None
        repo.add_admin(s, platform, user_id, unit_id)
    click.echo(f"{who} là cán bộ Văn phòng" + (f" của {unit_code}" if unit_code else " (toàn hệ thống)"))


@admins.command("list")
def admins_list() -> None:
    """Cán bộ Văn phòng trong cơ sở dữ liệu và trong FIELDREPORT_ADMINS."""
    from sqlmodel import select

    from storage.models import Admin, Unit
    engine = engine_from_settings()
    with session_scope(engine) as s:
        for admin in s.exec(select(Admin)):
            unit = s.get(Unit, admin.unit_id) if admin.unit_id else None
            click.echo(f"{admin.platform}:{admin.user_id}  {unit.code if unit else '(toàn hệ thống)'}")
    for platform, user_id in settings().admin_ids():
        click.echo(f"{platform}:{user_id}  (toàn hệ thống, FIELDREPORT_ADMINS)")


# --- plan -----------------------------------------------------------------------------------

@group()
def plan() -> None:
    """Danh mục nhiệm vụ (kế hoạch năm)."""


@plan.command("import")
@click.argument("path", type=click.Path(path_type=Path), metavar="TỆP")
def plan_import(path: Path) -> None:
    """Thay danh mục nhiệm vụ đang dùng bằng TỆP .yaml (báo cáo cũ giữ nguyên nhiệm vụ của mình)."""
    from storage.catalog import PlanError, import_plan, load_plan
    try:
        doc = load_plan(path)
    except PlanError as exc:
        fail(f"{path}: tệp bị từ chối, không có gì được ghi:\n{exc}")
    engine = engine_from_settings()
    with session_scope(engine) as s:
        new = import_plan(s, doc)
        click.echo(f"Kế hoạch đang dùng: {new.name} ({len(doc['tasks'])} nhiệm vụ)")


@plan.command("show")
def plan_show() -> None:
    """In danh mục nhiệm vụ đang dùng."""
    engine = engine_from_settings()
    with session_scope(engine) as s:
        current = repo.active_plan(s)
        click.echo(current.name if current else "(chưa có kế hoạch)")
        for task in repo.active_tasks(s):
            click.echo(f"  {task.code:6} {task.label:22} {task.title}")


COMMANDS = (units, admins, plan)
