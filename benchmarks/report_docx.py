"""Benchmark: the year's báo cáo for a province of 500 units against a bare python-docx document.

    python3 benchmarks/report_docx.py              # builds the data once, then measures
    python3 benchmarks/report_docx.py --fresh --repeat 5

Data (SQLite, bulk-inserted by tests/report_data.py): 500 units (a provincial union, 25
district unions, 474 branches), 26,000 reports over the ISO weeks of 2026, a tenth with a
difficulty (several wordings of the same few), some with a proposal.

Measured in one process, CPU time (user + system; steadier than wall time on a shared
machine), best of --repeat:
- document: the report's document, from its figures to the saved .docx (docxtpl filling the
  default template: exports.report_docx.render.render_docx);
- bare: a python-docx document with the same paragraphs (their text) and table rows, saved;
- figures: the one pass over the year's reports that gives every figure (the workbook's own
  code, exports.stats.Rollup; its cost is the export benchmark's business), shown for scale,
  with the whole `write_report` against reading the same rows plus the bare document.
Target: document <= 1.5 x bare. The ratio is printed last.
"""
from __future__ import annotations

import argparse
import io
import re
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

UNITS, REPORTS, YEAR = 500, 26_000, 2026
AS_OF = datetime(YEAR + 1, 1, 10, tzinfo=timezone.utc)
MARKER = "built-report-v1"


def build(folder: Path):
    from bot.bootstrap import open_database
    from tests.report_data import seed_province
    db = folder / "report.db"
    if not (folder / MARKER).exists():
        folder.mkdir(parents=True, exist_ok=True)
        db.unlink(missing_ok=True)
        t0 = time.perf_counter()
        engine = open_database(f"sqlite:///{db}")
        seed_province(engine, units=UNITS, reports=REPORTS, year=YEAR)
        (folder / MARKER).write_text("ok\n")
        print(f"built {UNITS} units, {REPORTS} reports in {time.perf_counter() - t0:.0f} s")
        return engine
    return open_database(f"sqlite:///{db}")


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return min(times)


def document_shape(path: Path) -> tuple[list[str], list[list[str]]]:
    """The body paragraphs' texts and every table row's cell texts of a .docx."""
    from docx import Document
    doc = Document(path)
    return ([p.text for p in doc.paragraphs],
            [[c.text for c in row.cells] for table in doc.tables for row in table.rows])


def bare_document(paragraphs: list[str], rows: list[list[str]]) -> None:
    from docx import Document
    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    table = doc.add_table(rows=0, cols=max(len(r) for r in rows))
    for cells in rows:
        for cell, text in zip(table.add_row().cells, cells):
            cell.text = text
    doc.save(io.BytesIO())


def bare_rows(engine) -> int:
    from sqlmodel import Session

    from exports.periods import parse_period
    from storage.reporting import iter_report_lines
    period = parse_period(str(YEAR))
    with Session(engine) as s:  # the year's reports, selected by activity week as the report
        return sum(1 for _ in iter_report_lines(s, period.weeks))


def main() -> None:
    from sqlmodel import Session

    from exports.letterhead import Letterhead
    from exports.periods import parse_period
    from exports.report_docx import write_report
    from exports.report_docx.context import report_context
    from exports.report_docx.render import render_docx

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/fieldreport-bench-report"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args()
    if args.fresh:
        (args.dir / MARKER).unlink(missing_ok=True)
    engine = build(args.dir)
    letterhead = Letterhead(issuer="BCH TỈNH VĨNH LONG", place="Vĩnh Long")
    out = args.dir / "bao-cao-nam.docx"
    period = parse_period(str(YEAR))

    def figures():
        with Session(engine) as s:
            return report_context(s, period, None, AS_OF, letterhead)
    context = figures()  # also warms up imports, the template and SQLite's page cache
    render_docx(context, out)
    paragraphs, rows = document_shape(out)
    document = best(lambda: render_docx(context, out), args.repeat)
    bare = best(lambda: bare_document(paragraphs, rows), args.repeat)
    figures_time = best(figures, max(1, args.repeat // 2))
    whole = best(lambda: write_report(engine, out, period, letterhead=letterhead, as_of=AS_OF),
                 max(1, args.repeat // 2))
    rows_time = best(lambda: bare_rows(engine), max(1, args.repeat // 2))
    pages = "?"
    try:
        from exports.report_docx.pdf import docx_to_pdf, pdf_available
        if pdf_available():
            pdf = docx_to_pdf(out, args.dir / "bao-cao-nam.pdf")
            info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
            pages = re.search(r"Pages:\s+(\d+)", info).group(1)
    except Exception as exc:  # the page count is a bonus; the timing stands without it
        pages = f"? ({exc})"
    print(f"document: {len(paragraphs)} paragraphs, {len(rows)} table rows, {pages} pages (A4)")
    print(f"figures {figures_time:.2f} s; whole report {whole:.2f} s against reading the rows "
          f"{rows_time:.2f} s + bare document {bare:.3f} s "
          f"(x{whole / (rows_time + bare):.2f}) — CPU seconds")
    print(f"document {document:.3f} s, bare python-docx {bare:.3f} s "
          f"(CPU, best of {args.repeat})")
    print(f"ratio {document / bare:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
