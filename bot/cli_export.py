"""`fieldreport export`: the standing committee's Excel rollup (exports/rollup.py)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import click

from bot.cli_common import engine_from_settings, fail, period_options, period_or_fail, settings
from bot.cli_vi import command


@command()
@period_options
@click.option("--out", "out", type=click.Path(path_type=Path), metavar="TỆP",
              help="Tệp cần ghi (mặc định: bao-cao-<kỳ>[-<đơn vị>].xlsx; .zip khi có --with-media).")
@click.option("--with-media", is_flag=True,
              help="Ghi tệp .zip gồm bảng tổng hợp và thư mục photos/ chứa ảnh minh chứng.")
def export(period_spec: Optional[str], date_from, date_to, unit_code: Optional[str],
           out: Optional[Path], with_media: bool) -> None:
    """Lập bảng tổng hợp Excel cho Ban Thường vụ theo kỳ hoặc khoảng ngày.

    Các trang: Tổng hợp, Theo nhiệm vụ, Theo tuần, Chi tiết, Minh chứng, Chưa báo cáo,
    Khó khăn – Đề xuất."""
    from exports.letterhead import letterhead_from_settings
    from exports.rollup import ExportError, export_rollup

    period = period_or_fail(period_spec, date_from, date_to)
    if out is None:
        out = Path(f"bao-cao-{period.spec}{'-' + unit_code if unit_code else ''}.xlsx")
    try:
        result = export_rollup(engine_from_settings(), out, period, unit_code,
                               media_root=settings().media_dir, with_media=with_media,
                               progress=True, letterhead=letterhead_from_settings(settings()))
    except ExportError as exc:
        fail(str(exc))
    click.echo(f"{period.title}: {result.reports} báo cáo, {result.photos} ảnh, "
               f"{result.units} đơn vị → {result.path}")
