"""`fieldreport targets` (yearly targets per unit and task) and `fieldreport audit` (who did
what: review actions, guidance, target changes)."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Optional

import click

from bot.cli_common import engine_from_settings, fail, unit_or_fail
from bot.cli_vi import command, group
from storage import repo
from storage.clock import LOCAL_TZ, fmt_local, utcnow
from storage.db import session_scope

ACTION_NAMES = {"submit": "gửi báo cáo", "revise": "gửi lại báo cáo đã sửa",
                "approve": "duyệt", "return": "trả lại", "commend": "biểu dương",
                "share": "chia sẻ để nhân rộng", "guidance": "cho ý kiến chỉ đạo",
                "target": "đặt chỉ tiêu"}


@group()
def targets() -> None:
    """Chỉ tiêu năm của các đơn vị theo nhiệm vụ."""


@targets.command("import")
@click.argument("path", type=click.Path(path_type=Path), metavar="TỆP")
def targets_import(path: Path) -> None:
    """Nạp chỉ tiêu từ tệp .xlsx/.csv có dòng tiêu đề
    Mã đơn vị,Mã nhiệm vụ,Năm,Số hoạt động[,Số người tham gia]
    (hoặc unit_code,task_code,year,activities[,participants]). Cột «Mã đơn vị» nhận mã đơn vị
    hoặc tên cấp (ví dụ «chi đoàn»: mọi đơn vị cấp đó)."""
    from exports.tables import TableError, read_table
    from storage.targets_import import TargetImportError, import_targets
    try:
        header, rows = read_table(path)
    except TableError as exc:
        fail(str(exc))
    try:
        with session_scope(engine_from_settings()) as s:
            result = import_targets(s, header, rows, actor="cli", now=utcnow())
    except TargetImportError as exc:
        fail(f"{path}: tệp bị từ chối, không có gì được ghi:\n" + "\n".join(exc.problems))
    click.echo(f"Thêm mới {result.added}, thay đổi {result.changed}, giữ nguyên "
               f"{result.unchanged} chỉ tiêu ({len(result.units)} đơn vị có thay đổi).")


@targets.command("show")
@click.option("--year", type=int, metavar="NĂM", help="Năm (mặc định: năm nay).")
@click.option("--unit", "unit_code", metavar="MÃ_ĐƠN_VỊ", help="Chỉ đơn vị này và cấp dưới.")
def targets_show(year: Optional[int], unit_code: Optional[str]) -> None:
    """In chỉ tiêu và tiến độ: đã thực hiện / chỉ tiêu (tỷ lệ)."""
    from handlers.review.targets import progress
    from storage import review as store
    year = year or datetime.now(LOCAL_TZ).year
    with session_scope(engine_from_settings()) as s:
        scope = None
        if unit_code:
            scope = repo.subtree_ids(s, unit_or_fail(s, unit_code).id)
        with_targets = {t.unit_id for t in store.targets(s, year, scope)}
        if not with_targets:
            click.echo(f"Chưa có chỉ tiêu năm {year}.")
            return
        for unit, depth in repo.tree_order(repo.all_units(s)):
            if unit.id not in with_targets:
                continue
            click.echo(f"{'  ' * depth}{unit.code}  {unit.name}")
            for p in progress(s, unit, year):
                share = f"{100 * p.done / p.target:.0f}%".replace(".", ",") if p.target else "–"
                click.echo(f"{'  ' * depth}  {p.task}: {p.done}/{p.target} hoạt động ({share})")


@command()
@click.option("--period", "period_spec", required=True, metavar="KỲ",
              help="Kỳ: 2026-W47 (tuần), 2026-11 (tháng), 2026-Q4 (quý), 2026-H2 hoặc 2026.")
def audit(period_spec: str) -> None:
    """In nhật ký: duyệt, trả lại, biểu dương, ý kiến chỉ đạo, thay đổi chỉ tiêu — ai, khi nào."""
    from exports.periods import PeriodError, parse_period
    from storage import review as store
    from storage.models import Report, Unit
    try:
        period = parse_period(period_spec)
    except PeriodError as exc:
        fail(str(exc), code=2)
    since = datetime.combine(period.date_from, time(), LOCAL_TZ)
    until = datetime.combine(period.date_to + timedelta(days=1), time(), LOCAL_TZ)
    with session_scope(engine_from_settings()) as s:
        rows = store.audit_rows(s, since, until)
        click.echo(f"Nhật ký {period.title}: {len(rows)} mục")
        for row in rows:
            report = s.get(Report, row.report_id) if row.report_id else None
            unit = s.get(Unit, row.unit_id) if row.unit_id else None
            who = row.actor_name or row.actor or "?"
            about = " ".join(x for x in (report.receipt_code if report else "",
                                         unit.name if unit else "") if x)
            detail = f": {row.detail}" if row.detail else ""
            click.echo(f"{fmt_local(row.created_at)}  {who}  "
                       f"{ACTION_NAMES.get(row.action, row.action)}  {about}{detail}")


COMMANDS = (targets, audit)
