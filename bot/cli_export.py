"""`fieldreport export`: the standing committee's Excel rollup (exports/rollup.py)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import click


@click.command()
@click.option("--period", "period_spec", metavar="PERIOD",
              help="2026-W47 (week), 2026-11 (month), 2026-Q4, 2026-H2 or 2026.")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]),
              help="First local date (with --to), instead of --period.")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]),
              help="Last local date, inclusive.")
@click.option("--unit", "unit_code", metavar="CODE",
              help="Only this unit's subtree (default: the whole tree).")
@click.option("--out", "out", type=click.Path(path_type=Path),
              help="Output file (default: bao-cao-<kỳ>[-<unit>].xlsx, .zip with --with-media).")
@click.option("--with-media", is_flag=True,
              help="Write a .zip: the workbook plus a photos/ folder its links point into.")
def export(period_spec: Optional[str], date_from, date_to, unit_code: Optional[str],
           out: Optional[Path], with_media: bool) -> None:
    """Write the rollup workbook (Tổng hợp, Theo nhiệm vụ, Theo tuần, Chi tiết, Minh chứng,
    Chưa báo cáo, Khó khăn – Đề xuất) for a period or a date range."""
    from bot.cli import engine_from_settings, settings
    from exports.periods import PeriodError, parse_period, period_between
    from exports.rollup import ExportError, export_rollup

    try:
        if period_spec and (date_from or date_to):
            raise PeriodError("Dùng --period hoặc --from/--to, không dùng cả hai.")
        if period_spec:
            period = parse_period(period_spec)
        elif date_from and date_to:
            period = period_between(date_from.date(), date_to.date())
        else:
            raise PeriodError("Cần --period (ví dụ 2026-W47) hoặc cả --from và --to.")
    except PeriodError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    if out is None:
        out = Path(f"bao-cao-{period.spec}{'-' + unit_code if unit_code else ''}.xlsx")
    try:
        result = export_rollup(engine_from_settings(), out, period, unit_code,
                               media_root=settings().media_dir, with_media=with_media,
                               progress=True)
    except ExportError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    click.echo(f"{period.title}: {result.reports} báo cáo, {result.photos} ảnh, "
               f"{result.units} đơn vị → {result.path}")
