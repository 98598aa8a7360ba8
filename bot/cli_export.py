"""`fieldreport export`: the standing committee's Excel rollup (exports/rollup.py)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import click

from bot.cli_common import engine_from_settings, fail, settings
from bot.cli_vi import command


@command()
@click.option("--period", "period_spec", metavar="KỲ",
              help="Kỳ báo cáo: 2026-W47 (tuần), 2026-11 (tháng), 2026-Q4 (quý), 2026-H2 "
                   "(6 tháng) hoặc 2026 (năm).")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), metavar="NGÀY",
              help="Ngày đầu (dạng 2026-11-01, dùng cùng --to) thay cho --period.")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), metavar="NGÀY",
              help="Ngày cuối (tính cả ngày này).")
@click.option("--unit", "unit_code", metavar="MÃ_ĐƠN_VỊ",
              help="Chỉ đơn vị này và cấp dưới (mặc định: toàn bộ cây tổ chức).")
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
        fail(str(exc), code=2)
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
