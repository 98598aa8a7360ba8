"""Plain tables in and out of .csv and .xlsx files, chosen by extension."""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Iterable, Sequence

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font


class TableError(ValueError):
    pass


def read_table(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the first sheet of an .xlsx, or of a UTF-8 (BOM allowed) .csv."""
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.exists():
        raise TableError(f"{path}: không có tệp này")
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = [row for row in csv.reader(f)]
    elif suffix in (".xlsx", ".xlsm"):
        book = load_workbook(path, read_only=True, data_only=True)
        rows = [["" if v is None else str(v) for v in row]
                for row in book.worksheets[0].iter_rows(values_only=True)]
        book.close()
    else:
        raise TableError(f"{path}: cần tệp .csv hoặc .xlsx")
    if not rows:
        raise TableError(f"{path}: tệp trống")
    return rows[0], rows[1:]


def write_table(path: Path, header: Sequence[str], rows: Iterable[Sequence], title: str = "Sheet"
                ) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(header)
            writer.writerows(rows)
        return
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    sheet.freeze_panes = "A2"
    for column in sheet.columns:
        width = max(len(str(c.value or "")) for c in column)
        sheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 10), 60)
    book.save(path)
