"""The báo cáo: a Word (or PDF) report of a period, in the Union's document form, written from
the same figures as the workbook, on a template the office can edit.

    from exports.report_docx import write_report
    write_report(engine, Path("bao-cao-tuan-48.docx"), "2026-W48", unit_code=None,
                 letterhead=Letterhead(issuer="BCH TỈNH VĨNH LONG", place="Vĩnh Long"))
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, Optional, Union

from sqlalchemy.engine import Engine
from sqlmodel import Session

from exports.chat_files import chat_file_path
from exports.letterhead import Letterhead
from exports.periods import Period, PeriodError, as_period
from exports.report_docx.context import report_context
from exports.figures import ExportError
from exports.report_docx.pdf import PdfUnavailable, docx_to_pdf, pdf_available
from exports.report_docx.render import TemplateProblem, render_docx, write_default_template
from storage.clock import utcnow
from storage.models import Unit

SUFFIXES = (".docx", ".pdf")


class ReportError(ValueError):
    """The report cannot be made as asked; the message is for the office (Vietnamese)."""


@dataclass(frozen=True)
class ReportResult:
    path: Path
    period: Period
    context: dict


def write_report(source: Union[Session, Engine], out_path: Path, period, unit_code=None, *,
                 letterhead: Letterhead = Letterhead(), template: Optional[Path] = None,
                 as_of: Optional[datetime] = None) -> ReportResult:
    """Write the báo cáo for `period` (spec, Period or (from, to) dates) to out_path (.docx, or
    .pdf through LibreOffice). Raises ReportError with a Vietnamese message, writing nothing."""
    out_path = Path(out_path)
    suffix = out_path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ReportError(f"Tệp báo cáo cần đuôi .docx hoặc .pdf (đồng chí ghi «{out_path.name}»).")
    if suffix == ".pdf" and not pdf_available():
        raise ReportError(PdfUnavailable.MESSAGE)
    try:
        period = as_period(period)
        as_of = as_of or utcnow()
        if isinstance(source, Session):
            context = report_context(source, period, unit_code, as_of, letterhead)
        else:
            with Session(source) as s:
                context = report_context(s, period, unit_code, as_of, letterhead)
        if suffix == ".docx":
            render_docx(context, out_path, template)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                docx = render_docx(context, Path(tmp) / (out_path.stem + ".docx"), template)
                docx_to_pdf(docx, out_path)
    except (PeriodError, ExportError, TemplateProblem, PdfUnavailable) as exc:
        raise ReportError(str(exc)) from None
    return ReportResult(out_path, period, context)


def chat_report_exporter(letterhead: Letterhead, out_dir: Path, template: Optional[Path] = None,
                         keep_seconds: int = 24 * 3600) -> Callable[..., Path]:
    """For /xuat: a function (session, period_spec, unit_id=None, generated_at=None) -> Path
    writing the .docx into out_dir, like exports.rollup.chat_exporter does the workbook."""
    out_dir = Path(out_dir)

    def export(s: Session, period_spec, unit_id: Optional[int] = None,
               generated_at: Optional[datetime] = None) -> Path:
        period = as_period(period_spec)
        unit = s.get(Unit, unit_id) if unit_id is not None else None
        path = chat_file_path(out_dir, period, unit, ".docx", generated_at, keep_seconds)
        # ReportError is a ValueError: /xuat shows its Vietnamese message to the office.
        return write_report(s, path, period, unit.code if unit else None,
                            letterhead=letterhead, template=template, as_of=generated_at).path
    return export



__all__ = ["write_report", "write_default_template", "chat_report_exporter", "ReportError",
           "ReportResult", "pdf_available"]
