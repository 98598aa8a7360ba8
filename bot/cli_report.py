"""`fieldreport report`: the báo cáo as a Word or PDF document (exports/report_docx)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import click

from bot.cli_common import engine_from_settings, fail, period_options, period_or_fail, settings
from bot.cli_vi import command


@command()
@period_options
@click.option("--out", "out", type=click.Path(path_type=Path), metavar="TỆP",
              help="Tệp cần ghi: .docx (Word) hoặc .pdf (cần LibreOffice). Mặc định: "
                   "bao-cao-<kỳ>[-<đơn vị>].docx.")
@click.option("--template", "template", type=click.Path(path_type=Path), metavar="TỆP_MẪU",
              help="Mẫu báo cáo .docx của cơ quan (mặc định: REPORT_TEMPLATE, hoặc mẫu có sẵn).")
@click.option("--write-template", "write_template", type=click.Path(path_type=Path),
              metavar="TỆP_MẪU", help="Ghi mẫu báo cáo mặc định ra tệp này để sửa bằng Word "
                                      "(không ghi đè tệp đã có), rồi thoát.")
def report(period_spec: Optional[str], date_from, date_to, unit_code: Optional[str],
           out: Optional[Path], template: Optional[Path], write_template: Optional[Path]) -> None:
    """Lập báo cáo «30 phút hành động» (Word hoặc PDF) theo thể thức văn bản của Đoàn.

    Số liệu giống hệt bảng tổng hợp Excel cùng kỳ (lệnh export), bảng Excel là phụ lục."""
    from exports.letterhead import letterhead_from_settings
    from exports.report_docx import ReportError, write_report
    from exports.report_docx.render import TemplateProblem, write_default_template

    if write_template is not None:
        try:
            path = write_default_template(write_template)
        except TemplateProblem as exc:
            fail(str(exc))
        click.echo(f"Đã ghi mẫu báo cáo → {path}. Sửa bằng Word rồi đặt "
                   f"REPORT_TEMPLATE={path.resolve()} (hoặc dùng --template).")
        return
    period = period_or_fail(period_spec, date_from, date_to)
    if out is None:
        out = Path(f"bao-cao-{period.spec}{'-' + unit_code if unit_code else ''}.docx")
    config = settings()
    if template is None and config.report_template.strip():
        template = Path(config.report_template.strip())
    try:
        result = write_report(engine_from_settings(), out, period, unit_code,
                              letterhead=letterhead_from_settings(config), template=template)
    except ReportError as exc:
        fail(str(exc))
    figures = result.context["figures"]
    reported = f"{figures['units_reported']}/{figures['units_expected']} đơn vị đã báo cáo"
    if figures["weeks_open"] != "0":  # a week still before its deadline is not missed
        reported += (f" (đang mở: {figures['weeks_open_reported']}/{figures['weeks_open']} "
                     "lượt đã báo cáo)")
    click.echo(f"{period.title}: {reported}, {figures['reports']} hoạt động → {result.path}")
