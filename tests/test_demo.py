"""`fieldreport demo` runs the whole week offline and leaves a database and a workbook."""
import asyncio

from docx import Document
from openpyxl import load_workbook
from sqlmodel import select

from bot.demo import run_demo
from storage.db import make_engine, session_scope
from storage.models import Report, ReportPhoto


def test_demo_week(tmp_path):
    printed = []
    result = asyncio.run(run_demo(tmp_path / "demo", verbose=True, out=printed.append))
    assert result["branches"] == 25 and 0 < result["units_reported"] < 25
    engine = make_engine(f"sqlite:///{result['database']}")
    with session_scope(engine) as s:
        reports = s.exec(select(Report)).all()
        assert len(reports) == result["reports"]
        assert any(r.revision == 2 for r in reports)  # the /sua in the script
        assert s.exec(select(ReportPhoto)).first() is not None
    engine.dispose()
    assert result["workbook"].is_file()
    book = load_workbook(result["workbook"], read_only=True)
    assert "Chi tiết" in book.sheetnames
    assert any("Mã biên nhận: BC-" in line for line in printed)
    # the week's báo cáo beside the workbook, with the workbook's figures
    assert result["report"].is_file() and result["report"].parent == result["workbook"].parent
    assert str(result["report"]) in printed[-1]
    text = "\n".join(p.text for p in Document(result["report"]).paragraphs)
    branches, reported = result["branches"], result["units_reported"]
    assert f"Có {reported}/{branches} đơn vị báo cáo" in text
    assert f"{result['reports']} hoạt động" in text
