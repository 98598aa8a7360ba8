"""`fieldreport` command line: office set-up, exports, the bot itself, the demo and the shell."""
from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

import click

from bot.bootstrap import open_database
from bot.settings import Settings, get_settings
from storage import repo
from storage.db import session_scope


def settings() -> Settings:
    return get_settings()


def engine_from_settings():
    return open_database(settings().database_url)


def fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


@click.group()
def main() -> None:
    """fieldreport: weekly '30-minute action' reports for Youth Union units."""
    logging.basicConfig(level=settings().log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Library request logs would print URLs that carry the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


# --- database -------------------------------------------------------------------------------

@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations."""
    engine_from_settings()
    click.echo("Cơ sở dữ liệu đã được cập nhật lên phiên bản mới nhất.")


# --- units ----------------------------------------------------------------------------------

@main.group()
def units() -> None:
    """The organisation tree."""


@units.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--retire-missing", is_flag=True, help="Retire active units absent from the file.")
def units_import(path: Path, retire_missing: bool) -> None:
    """Import units from .csv/.xlsx with header code,name,parent_code[,level][,contact]."""
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
@click.option("--all", "include_retired", is_flag=True, help="Include retired units.")
def units_list(include_retired: bool) -> None:
    """Print the tree."""
    engine = engine_from_settings()
    with session_scope(engine) as s:
        for unit, depth in repo.tree_order(repo.all_units(s, include_retired)):
            mark = "" if unit.active else "  [ngừng hoạt động]"
            click.echo(f"{'  ' * depth}{unit.code}  {unit.name}{mark}")


@units.command("codes")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path))
def units_codes(out: Path) -> None:
    """Write unit code, name, join code and deep links to .csv or .xlsx."""
    from bot.links import join_links
    from exports.tables import write_table
    engine = engine_from_settings()
    with session_scope(engine) as s:
        header, rows = join_links(s, settings())
    write_table(out, header, rows, title="Mã tham gia")
    click.echo(f"Đã ghi {len(rows)} đơn vị vào {out}")


@units.command("secretary")
@click.argument("unit_code")
@click.argument("who")
def units_secretary(unit_code: str, who: str) -> None:
    """Name the unit's secretary (WHO is platform:user_id); they may bind the unit's group."""
    platform, user_id = parse_who(who)
    engine = engine_from_settings()
    with session_scope(engine) as s:
        unit = repo.unit_by_code(s, unit_code)
        if unit is None:
            fail(f"Không có đơn vị mã {unit_code}")
        repo.join_unit(s, platform, user_id, unit, "", user_id, role="secretary")
    click.echo(f"{who} là bí thư của {unit_code}")


def parse_who(who: str) -> tuple[str, str]:
    platform, _, user_id = who.partition(":")
    if platform not in ("telegram", "zalo", "zalo_oa") or not user_id.strip():
        fail(f"Cần dạng nền_tảng:id, ví dụ telegram:123456789 (nhận được {who!r})")
    return platform, user_id.strip()


# --- admins ---------------------------------------------------------------------------------

@main.group()
def admins() -> None:
    """Office staff (role office)."""


@admins.command("add")
@click.argument("who")
@click.option("--unit", "unit_code", help="Limit them to this unit's subtree.")
def admins_add(who: str, unit_code: str | None) -> None:
    """Make WHO (platform:user_id) office staff."""
    platform, user_id = parse_who(who)
    engine = engine_from_settings()
    with session_scope(engine) as s:
        unit_id = None
        if unit_code:
            unit = repo.unit_by_code(s, unit_code)
            if unit is None:
                fail(f"Không có đơn vị mã {unit_code}")
            unit_id = unit.id
        repo.add_admin(s, platform, user_id, unit_id)
    click.echo(f"{who} là cán bộ Văn phòng" + (f" của {unit_code}" if unit_code else " (toàn hệ thống)"))


@admins.command("list")
def admins_list() -> None:
    """Office staff from the database and from FIELDREPORT_ADMINS."""
    from storage.models import Admin, Unit
    from sqlmodel import select
    engine = engine_from_settings()
    with session_scope(engine) as s:
        for admin in s.exec(select(Admin)):
            unit = s.get(Unit, admin.unit_id) if admin.unit_id else None
            click.echo(f"{admin.platform}:{admin.user_id}  {unit.code if unit else '(toàn hệ thống)'}")
    for platform, user_id in settings().admin_ids():
        click.echo(f"{platform}:{user_id}  (toàn hệ thống, FIELDREPORT_ADMINS)")


# --- plan -----------------------------------------------------------------------------------

@main.group()
def plan() -> None:
    """The task catalog."""


@plan.command("import")
@click.argument("path", type=click.Path(path_type=Path))
def plan_import(path: Path) -> None:
    """Replace the active task catalog with FILE.yaml (old reports keep their tasks)."""
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
    """Print the active task catalog."""
    engine = engine_from_settings()
    with session_scope(engine) as s:
        current = repo.active_plan(s)
        click.echo(current.name if current else "(chưa có kế hoạch)")
        for task in repo.active_tasks(s):
            click.echo(f"  {task.code:6} {task.label:22} {task.title}")


# --- the bot --------------------------------------------------------------------------------

@main.command()
def run() -> None:
    """Run the bots whose tokens are set (Telegram: TELEGRAM_BOT_TOKEN)."""
    from bot.runner import run_bots
    asyncio.run(run_bots(settings()))


@main.command()
@click.option("--dir", "folder", type=click.Path(path_type=Path), default=None,
              help="Folder for the demo database, photos and workbook (default: a new demo-* folder).")
@click.option("--quiet", is_flag=True, help="Print only the summary.")
def demo(folder: Path | None, quiet: bool) -> None:
    """A scripted week on a local SQLite database: no token, no network."""
    from bot.demo import run_demo
    asyncio.run(run_demo(folder, verbose=not quiet))


@main.command()
@click.option("--unit", "unit_code", help="Join this unit first (its code).")
@click.option("--user", "user_id", default="shell-user", help="User id of the simulated cadre.")
@click.option("--name", default="Cán bộ thử nghiệm", help="Display name of the simulated cadre.")
def shell(unit_code: str | None, user_id: str, name: str) -> None:
    """Chat with the handlers in the terminal as a cadre (no network)."""
    from bot.shell import run_shell
    asyncio.run(run_shell(settings(), unit_code, user_id, name))


from bot.cli_schedule import deliveries, remind, schedule  # noqa: E402  (reminders, issue 3)
main.add_command(schedule)
main.add_command(remind)
main.add_command(deliveries)
from bot.cli_zalo import zalo  # noqa: E402  (Zalo, issue 5)
main.add_command(zalo)
from bot.cli_export import export  # noqa: E402  (Excel rollup, issue 4)
main.add_command(export)
from bot.cli_serve import serve, worker  # noqa: E402  (production server, issue 9)
main.add_command(serve)
main.add_command(worker)


if __name__ == "__main__":
    main()
