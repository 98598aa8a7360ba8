"""`fieldreport demo` runs the whole week offline and leaves a database and a workbook."""
import asyncio

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
