"""`fieldreport`: the main command group. Each command module registers here; none imports this."""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import click

from bot import (cli_export, cli_report, cli_schedule, cli_serve, cli_targets, cli_units,
                 cli_web, cli_zalo)
from bot.cli_common import engine_from_settings, settings
from bot.cli_vi import group


@group("fieldreport")
def main() -> None:
    """fieldreport: nhắc và nhận báo cáo «30 phút hành động» của các đơn vị Đoàn."""
    logging.basicConfig(level=settings().log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Library request logs would print URLs that carry the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)  # PDF font subsetting chatter


@main.group()
def db() -> None:
    """Cơ sở dữ liệu."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Cập nhật cơ sở dữ liệu lên phiên bản mới nhất."""
    engine_from_settings()
    click.echo("Cơ sở dữ liệu đã được cập nhật lên phiên bản mới nhất.")


@main.command()
def run() -> None:
    """Chạy bot cho các nền tảng đã đặt token (TELEGRAM_BOT_TOKEN, ZALO_BOT_TOKEN)."""
    from bot.runner import run_bots
    asyncio.run(run_bots(settings()))


@main.command()
@click.option("--dir", "folder", type=click.Path(path_type=Path), default=None, metavar="THƯ_MỤC",
              help="Thư mục chứa cơ sở dữ liệu, ảnh và bảng tổng hợp của bản chạy thử "
                   "(mặc định: một thư mục demo-* mới).")
@click.option("--quiet", is_flag=True, help="Chỉ in phần tóm tắt.")
def demo(folder: Path | None, quiet: bool) -> None:
    """Chạy thử một tuần trên cơ sở dữ liệu SQLite tại máy: không cần token, không cần mạng."""
    from bot.demo import run_demo
    asyncio.run(run_demo(folder, verbose=not quiet))


@main.command()
@click.option("--unit", "unit_code", metavar="MÃ_ĐƠN_VỊ", help="Tham gia đơn vị này trước.")
@click.option("--user", "user_id", default="shell-user", show_default=True, metavar="ID",
              help="Mã người dùng của cán bộ giả lập.")
@click.option("--name", default="Cán bộ thử nghiệm", show_default=True, metavar="TÊN",
              help="Tên hiển thị của cán bộ giả lập.")
def shell(unit_code: str | None, user_id: str, name: str) -> None:
    """Trò chuyện với bot ngay trong cửa sổ dòng lệnh, như một cán bộ (không cần mạng)."""
    from bot.shell import run_shell
    asyncio.run(run_shell(settings(), unit_code, user_id, name))


# Each command module lists its commands; a new module adds its own line here.
for command in (*cli_units.COMMANDS, *cli_schedule.COMMANDS, cli_export.export, cli_zalo.zalo,
                cli_web.web, cli_report.report, *cli_targets.COMMANDS,
                cli_serve.serve, cli_serve.worker):
    main.add_command(command)


if __name__ == "__main__":
    main()
