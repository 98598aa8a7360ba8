"""The per-unit sheets: Tổng hợp, Theo nhiệm vụ, Theo tuần, and Chưa báo cáo."""
from __future__ import annotations

from typing import Optional

from openpyxl.chart import BarChart, LineChart, Reference

from exports.document import closing_lines, letterhead_lines
from exports.letterhead import Letterhead
from exports.periods import week_label
from exports.print_layout import font
from exports.review_sheets import TargetProgress
from exports.sheet import Column, Heading, Marked, Piece, Sheet
from exports.stats import Rollup, Totals
from exports.tree import Line
from storage.clock import to_local, week_bounds
from storage.models import Task, Unit  # noqa: F401 (Task: type of the task list)

SUMMARY = "Tổng hợp"
BY_TASK = "Theo nhiệm vụ"
BY_WEEK = "Theo tuần"
MISSING = "Chưa báo cáo"
LINE_VARIANT = {"unit": "plain", "subtotal": "subtotal", "total": "total"}

SUMMARY_COLUMNS = [  # narrow enough to print on A4 landscape at a readable size
    Column("STT", 5), Column("Mã đơn vị", 10), Column("Đơn vị", 28, "tree"),
    Column("Số hoạt động (báo cáo)", 9, "int"), Column("Số người tham gia", 9, "int"),
    Column("Số nhiệm vụ đã thực hiện", 9, "int"), Column("Số ảnh minh chứng", 8, "int"),
    Column("Báo cáo đầu tiên", 11, "date"), Column("Báo cáo gần nhất", 11, "date"),
    Column("Số tuần đã báo cáo", 8, "int"), Column("Số tuần phải báo cáo (đã hết hạn)", 10, "int"),
    Column("Số tuần trễ hạn", 8, "int"), Column("Tỷ lệ hoàn thành", 9, "percent"),
    Column("Tình trạng", 20, "wrap"), Column("Số tuần đang mở (chưa đến hạn)", 9, "int"),
]
OPEN = "Đang mở"  # a week whose deadline is still ahead: never "Chưa"
# Added when some unit in scope has targets: per unit the sum over its tasks with a target
# (the per-task figures are in the «Chỉ tiêu» sheet).
TARGET_SUMMARY_COLUMNS = [Column("Chỉ tiêu", 8, "int"), Column("Đã thực hiện", 9, "int"),
                          Column("Tỷ lệ", 8, "percent")]
TARGET_NOTE = ("Chỉ tiêu: tổng chỉ tiêu năm {year} (số hoạt động) của các nhiệm vụ có chỉ tiêu; "
               "Đã thực hiện: số hoạt động các nhiệm vụ đó từ đầu năm đến hết tuần {week}, "
               "kể cả đơn vị trực thuộc; chi tiết từng nhiệm vụ ở trang «Chỉ tiêu».")


def _local(moment):
    return to_local(moment).replace(tzinfo=None) if moment is not None else None


def _status(line: Line, t: Totals, rollup: Rollup, leaves_behind: int) -> tuple[str, str]:
    """(text, row variant) of the Tình trạng column."""
    if line.kind != "unit":
        text = (f"{leaves_behind} đơn vị chưa báo cáo đủ" if leaves_behind
                else "Đủ báo cáo" if t.weeks_due else OPEN if t.weeks_open else "")
        return text, LINE_VARIANT[line.kind]
    if not t.weeks_due:
        if t.weeks_open:
            return f"{OPEN} (chưa đến hạn)", "plain"
        return ("" if line.unit.active else "Đã ngừng hoạt động"), "plain"
    if t.weeks_reported == 0:
        return "Chưa báo cáo", "missing"
    if t.weeks_reported < t.weeks_due:
        return f"Thiếu {t.weeks_due - t.weeks_reported}/{t.weeks_due} tuần", "partial"
    if t.weeks_late:
        return ("Trễ hạn" if t.weeks_due == 1 else f"Trễ hạn {t.weeks_late} tuần"), "plain"
    return "Đúng hạn", "plain"


def _behind(rollup: Rollup, members) -> int:
    return sum(1 for uid in members if rollup.due[uid] and
               len(rollup.due[uid] & rollup.figures[uid].week_first.keys()) < len(rollup.due[uid]))


def write_summary(book, heading: Heading, lines: list[Line], rollup: Rollup,
                  index: Optional[int] = None, letterhead: Optional[Letterhead] = None,
                  targets: Optional[TargetProgress] = None) -> Sheet:
    """Tổng hợp, laid out as the signed báo cáo (exports/document.py); with `targets`
    (exports.review_sheets.target_progress) that has any, the target columns too."""
    letterhead = (letterhead or Letterhead()).for_unit(heading.organisation)
    with_targets = targets is not None and bool(targets.by_unit)
    columns = SUMMARY_COLUMNS + (TARGET_SUMMARY_COLUMNS if with_targets else [])
    top = letterhead_lines(letterhead, heading, columns, heading.generated_at.date())
    sheet = Sheet(book, SUMMARY, "TỔNG HỢP KẾT QUẢ BÁO CÁO «30 PHÚT HÀNH ĐỘNG»",
                  columns, heading, freeze_col=4, index=index, top=top)
    sheet.ws.sheet_view.showGridLines = False  # on screen too: it is a document
    number = 0
    targeted: set[int] = set()  # a parent's targets go on its subtotal, not its own row too
    for line in lines:
        t = rollup.totals(line.members)
        behind = _behind(rollup, line.members) if line.kind != "unit" else 0
        status, variant = _status(line, t, rollup, behind)
        if line.kind == "unit":
            number += 1
        values = [number if line.kind == "unit" else "",
                  line.unit.code if line.kind == "unit" else "", line.label,
                  t.reports, t.participants, t.tasks, t.photos, _local(t.first),
                  _local(t.last), t.weeks_reported, t.weeks_due, t.weeks_late, t.rate,
                  status, t.weeks_open]
        if with_targets:
            owner = line.unit.id if line.unit is not None else targets.root_id
            figures = targets.unit_sum(owner) if owner not in targeted else None
            targeted.add(owner)
            values += list(figures) if figures else [None, None, None]
        sheet.append(values, variant=variant, indent=line.depth)
    closing = closing_lines(letterhead, columns)
    if with_targets:
        note = TARGET_NOTE.format(year=targets.year, week=week_label(targets.until))
        closing = [(Piece(note, font(italic=True), 1, len(columns)),), ()] + closing
    sheet.close(closing)
    return sheet


def write_by_task(book, heading: Heading, lines: list[Line], rollup: Rollup,
                  tasks: list[Task], index: Optional[int] = None) -> Sheet:
    columns = [Column("STT", 6), Column("Mã đơn vị", 12), Column("Đơn vị", 42, "tree")]
    columns += [Column(f"{t.code}\n{t.label}", 12, "int") for t in tasks]
    columns += [Column("Tổng cộng", 10, "int")]
    sheet = Sheet(book, BY_TASK, "SỐ HOẠT ĐỘNG (BÁO CÁO) THEO NHIỆM VỤ", columns, heading, freeze_col=4,
                  index=index)
    number = 0
    for line in lines:
        counts = [sum(rollup.by_task[uid, t.id] for uid in line.members) for t in tasks]
        if line.kind == "unit":
            number += 1
        sheet.append([number if line.kind == "unit" else "",
                      line.unit.code if line.kind == "unit" else "", line.label,
                      *counts, sum(counts)], variant=LINE_VARIANT[line.kind], indent=line.depth)
    total_row = sheet.row
    if tasks:
        chart = BarChart()
        chart.type, chart.title = "col", "Số hoạt động theo nhiệm vụ"
        chart.y_axis.title, chart.legend = "Số hoạt động", None
        chart.add_data(Reference(sheet.ws, min_col=4, max_col=3 + len(tasks), min_row=total_row),
                       from_rows=True, titles_from_data=False)
        chart.set_categories(Reference(sheet.ws, min_col=4, max_col=3 + len(tasks),
                                       min_row=sheet.header_row))
        chart.width, chart.height = max(16, 2.2 * len(tasks)), 9
        sheet.add_chart_block(chart)
    sheet.close()
    return sheet


def _week_header(week: str) -> str:
    monday, sunday = week_bounds(week)
    return f"Tuần {week_label(week)}\n{monday:%d/%m}–{sunday:%d/%m}"


def write_by_week(book, heading: Heading, lines: list[Line], rollup: Rollup,
                  index: Optional[int] = None) -> Sheet:
    weeks = rollup.period.weeks
    columns = [Column("STT", 6), Column("Mã đơn vị", 12), Column("Đơn vị", 42, "tree")]
    columns += [Column(_week_header(w), 12.5, "center") for w in weeks]
    columns += [Column("Số tuần đã báo cáo", 11, "int"), Column("Tỷ lệ hoàn thành", 11, "percent")]
    sheet = Sheet(book, BY_WEEK, "TÌNH HÌNH BÁO CÁO THEO TUẦN", columns, heading, freeze_col=4,
                  index=index)
    number = 0
    for line in lines:
        variant = LINE_VARIANT[line.kind]
        t = rollup.totals(line.members)
        if line.kind == "unit":
            number += 1
            uid = line.unit.id
            f, due, open_ = rollup.figures[uid], rollup.due[uid], rollup.open[uid]
            cells = [f.week_count[w] if w in f.week_first
                     else Marked("Chưa", "missing") if w in due
                     else OPEN if w in open_ else None for w in weeks]
        else:
            cells = []
            for w in weeks:
                rate = rollup.week_rate(line.members, w)
                cells.append(Marked(rate, variant + "_pct") if rate is not None or
                             not rollup.week_open(line.members, w) else Marked(OPEN, variant))
        sheet.append([number if line.kind == "unit" else "",
                      line.unit.code if line.kind == "unit" else "", line.label,
                      *cells, t.weeks_reported, t.rate], variant=variant, indent=line.depth)
    total_row = sheet.row
    chart = LineChart()
    chart.title, chart.legend = "Tỷ lệ đơn vị báo cáo theo tuần", None
    chart.y_axis.number_format, chart.y_axis.scaling.min, chart.y_axis.scaling.max = "0%", 0, 1
    chart.add_data(Reference(sheet.ws, min_col=4, max_col=3 + len(weeks), min_row=total_row),
                   from_rows=True, titles_from_data=False)
    chart.series[0].smooth = False  # a rate per week, not a curve between weeks
    chart.set_categories(Reference(sheet.ws, min_col=4, max_col=3 + len(weeks),
                                   min_row=sheet.header_row))
    chart.width, chart.height = max(18, 1.2 * len(weeks)), 9
    sheet.add_chart_block(chart)
    sheet.close()
    return sheet


MISSING_COLUMNS = [
    Column("STT", 6), Column("Tuần", 22), Column("Mã đơn vị", 12), Column("Đơn vị", 34),
    Column("Đơn vị cấp trên", 30), Column("Liên hệ", 28), Column("Bí thư", 30),
]


def write_missing(book, heading: Heading, rollup: Rollup, ordered_ids: list[int],
                  secretaries: dict[int, str]) -> Sheet:
    """Week by week, the units that owed a report and sent none, with whom to call."""
    sheet = Sheet(book, MISSING, "DANH SÁCH ĐƠN VỊ CHƯA BÁO CÁO", MISSING_COLUMNS, heading,
                  freeze_col=5)
    units: dict[int, Unit] = rollup.units
    week_text = {w: _week_text(w) for w in rollup.period.weeks}
    number = 0
    for week, uid in rollup.missing(ordered_ids):
        number += 1
        unit = units[uid]
        parent = units.get(unit.parent_id)
        sheet.append([number, week_text[week], unit.code, unit.name,
                      parent.name if parent else "", unit.contact, secretaries.get(uid)])
    if not number:
        sheet.append(["", "Tất cả đơn vị đã báo cáo đủ trong kỳ."])
    sheet.close()
    return sheet


def _week_text(week: str) -> str:
    """'47/2026 (16/11–22/11)': the week and its days, which is all the deadline needs."""
    monday, sunday = week_bounds(week)
    return f"{week_label(week)} ({monday:%d/%m}–{sunday:%d/%m})"
