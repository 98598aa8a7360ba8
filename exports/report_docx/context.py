"""The values a report template fills in: `report_context` turns a period's figures and the
office's letterhead into plain strings and lists (every name documented in
docs/REPORT_TEMPLATE.md). Everything a cadre typed is cleaned text here and only ever reaches
the template as data, never as template source."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlmodel import Session

from exports.letterhead import Letterhead
from exports.periods import Period
from exports.report_docx.figures import Headline, PeriodFigures, gather_figures, next_period
from exports.report_docx.wording import (clean, date_span, day, fold, joined, number,
                                         percent, period_name, period_noun, subject)
from storage.catalog import task_name
from storage.clock import to_local
from storage.reporting import deadline

ACTIVITY_CHARS = 320  # a few lines of the activity's own words
REMARK_CHARS = 240
REMARKS_PER_TASK = 8  # more go to the annex: the workbook's Khó khăn – Đề xuất sheet
UNITS_TO_FOLLOW = 10


def report_context(s: Session, period: Period, unit_code: Optional[str], as_of: datetime,
                   letterhead: Letterhead) -> dict:
    """The template's values for `period` and the subtree of `unit_code` (None: the whole
    tree), as of the aware instant `as_of` (also the report's date)."""
    figures = gather_figures(s, period, unit_code, as_of)
    return context_from_figures(figures, as_of, letterhead)


def context_from_figures(f: PeriodFigures, as_of: datetime, letterhead: Letterhead) -> dict:
    letterhead = letterhead.for_unit(f.organisation)
    noun = period_noun(f.period)
    tasks_done = [t for t in f.tasks if t.reports]
    return {
        # the header and the closing
        "issuer_parent": clean(letterhead.issuer_parent),
        "issuer": clean(letterhead.issuer),
        "number_line": letterhead.number_line(),
        "heading": letterhead.heading,
        "date_line": letterhead.date_line(to_local(as_of).date()),
        "subject": subject(f.period),
        "recipients": [clean(r) for r in letterhead.recipients],
        "signer_on_behalf": clean(letterhead.signer_on_behalf),
        "signer_title": clean(letterhead.signer_title),
        "signer_name": clean(letterhead.signer_name),
        # the period
        "organisation": clean(f.organisation),
        "period_noun": noun,
        "period_name": period_name(f.period) or f"từ {day(f.period.date_from)} đến "
                                                 f"{day(f.period.date_to)}",
        "period_dates": date_span(f.period.date_from, f.period.date_to),
        "date_from": day(f.period.date_from),
        "date_to": day(f.period.date_to),
        # the figures, written the Vietnamese way
        "figures": _figures(f),
        # the six sections
        "general": _general(f, noun) + _still_open(f, as_of),
        "task_rows": [{"number": i, "code": t.code, "label": clean(t.label),
                       "name": clean(task_name(t.code, t.label)),
                       "activities": number(t.reports), "units": number(t.units),
                       "participants": number(t.participants)}
                      for i, t in enumerate(tasks_done, 1)],
        "task_total": {"activities": number(sum(t.reports for t in tasks_done)),
                       "units": number(f.units_with_reports),
                       "participants": number(sum(t.participants for t in tasks_done))},
        "tasks_note": _tasks_note(f, noun),
        "good_practices": _activities(f),
        "good_practices_note": ("" if f.activities else
                                f"Trong {noun}, chưa có hoạt động nào được báo cáo."),
        "difficulties": _remarks(f),
        "difficulties_note": ("" if f.remarks else
                              f"Trong {noun}, không có đơn vị nào phản ánh khó khăn, "
                              "vướng mắc hay đề xuất."),
        "missing": _missing(f),
        "missing_note": _missing_note(f, noun),
        "direction": _direction(f, noun),
        "annex": f"Bảng tổng hợp số liệu «30 phút hành động» {period_name(f.period) or ''} "
                 f"(tệp Excel bao-cao-{f.period.spec}.xlsx kèm theo).".replace("  ", " "),
    }


def _figures(f: PeriodFigures) -> dict:
    h = f.headline
    on_time = h.weeks_reported - h.weeks_late
    return {
        "weeks": number(f.weeks),
        "units_expected": number(h.units_expected),
        "units_reported": number(h.units_reported),
        "units_missing": number(h.units_expected - h.units_reported),
        "units_full": number(f.units_full),
        "weeks_due": number(h.weeks_due),
        "weeks_reported": number(h.weeks_reported),
        "weeks_on_time": number(on_time),
        "weeks_late": number(h.weeks_late),
        "weeks_missing": number(h.weeks_due - h.weeks_reported),
        "rate": percent(h.rate),
        "reports": number(h.reports),
        "participants": number(h.participants),
        "photos": number(h.photos),
    }


def _general(f: PeriodFigures, noun: str) -> list[str]:
    h = f.headline
    if not h.weeks_due and not h.reports:
        return [f"Trong {noun}, chưa có đơn vị nào phải báo cáo và chưa nhận được báo cáo nào."]
    lines = []
    if f.weeks == 1:
        on_time = h.weeks_reported - h.weeks_late
        lines.append(
            f"Có {number(h.units_reported)}/{number(h.units_expected)} đơn vị báo cáo, đạt "
            f"{percent(h.rate)}; trong đó {number(on_time)} đơn vị báo cáo đúng hạn, "
            f"{number(h.weeks_late)} đơn vị báo cáo trễ hạn; "
            f"{number(h.units_expected - h.units_reported)} đơn vị chưa báo cáo.")
    else:
        on_time = h.weeks_reported - h.weeks_late
        lines.append(
            f"Trong {number(f.weeks)} tuần, {number(h.units_expected)} đơn vị phải báo cáo "
            f"{number(h.weeks_due)} lượt (mỗi đơn vị một lượt mỗi tuần); đã nhận "
            f"{number(h.weeks_reported)} lượt, đạt {percent(h.rate)}, trong đó "
            f"{number(on_time)} lượt đúng hạn, {number(h.weeks_late)} lượt trễ hạn; còn "
            f"{number(h.weeks_due - h.weeks_reported)} lượt chưa báo cáo. "
            f"Có {number(f.units_full)} đơn vị báo cáo đủ tất cả các tuần và "
            f"{number(h.units_expected - h.units_reported)} đơn vị chưa báo cáo tuần nào.")
    lines.append(f"Các đơn vị đã tổ chức {number(h.reports)} hoạt động với "
                 f"{number(h.participants)} lượt đoàn viên, thanh niên tham gia; gửi "
                 f"{number(h.photos)} ảnh minh chứng.")
    if f.previous is not None and f.previous_period is not None:
        lines.append(_compared(h, f.previous, noun))
    return lines


def _still_open(f: PeriodFigures, as_of: datetime) -> list[str]:
    """A report made before the period's last deadline says the figures are not final."""
    due = deadline(f.period.weeks[-1])
    if as_of >= due:
        return []
    made = to_local(as_of)
    return [f"Số liệu tính đến {made:%H:%M} ngày {day(made.date())}; hạn báo cáo của tuần cuối "
            f"trong kỳ là {due:%H:%M} Chủ nhật, {day(due.date())}, nên số liệu còn thay đổi."]


def _compared(h: Headline, before: Headline, noun: str) -> str:
    """'So với tuần trước, số đơn vị báo cáo tăng 6 đơn vị (12 → 18), …'"""
    def part(what: str, now: int, then: int, unit: str) -> str:
        if now == then:
            return f"{what} không đổi ({number(now)})"
        word = "tăng" if now > then else "giảm"
        return f"{what} {word} {number(abs(now - then))} {unit} ({number(then)} → {number(now)})"
    text = (f"So với {noun} trước, "
            + ", ".join([part("số đơn vị báo cáo", h.units_reported, before.units_reported,
                              "đơn vị"),
                         part("số hoạt động", h.reports, before.reports, "hoạt động"),
                         part("số lượt người tham gia", h.participants, before.participants,
                              "lượt")]))
    if h.rate is not None and before.rate is not None:
        text += f"; tỷ lệ báo cáo đạt {percent(h.rate)} ({noun} trước: {percent(before.rate)})"
    return text + "."


def _tasks_note(f: PeriodFigures, noun: str) -> str:
    idle = [clean(task_name(t.code, t.label)) for t in f.tasks if not t.reports]
    if not idle:
        return ""
    if len(idle) == len(f.tasks):
        return f"Trong {noun}, chưa có nhiệm vụ nào được báo cáo."
    return (f"Trong {noun}, chưa có đơn vị nào báo cáo hoạt động thuộc "
            f"{'nhiệm vụ' if len(idle) == 1 else 'các nhiệm vụ'}: {joined(idle)}.")


def _activities(f: PeriodFigures) -> list[dict]:
    return [{"unit": clean(a.unit), "task": clean(a.task), "day": day(a.day),
             "participants": number(a.participants), "photos": number(a.photos),
             "receipt_code": clean(a.receipt_code),
             "content": _sentence(clean(a.content, ACTIVITY_CHARS))} for a in f.activities]


def _sentence(text: str) -> str:
    """The cadre's words with a closing full stop when they have none."""
    return text if not text or text[-1] in ".!?…" else text + "."


def _remarks(f: PeriodFigures) -> list[dict]:
    """Grouped by task in plan order; one line per distinct text (accents, case, spacing and
    punctuation ignored) naming every unit that wrote it, the most shared first."""
    order = {task_name(t.code, t.label): i for i, t in enumerate(f.tasks)}
    groups: dict[str, dict[str, dict]] = {}
    cleaned: dict[str, tuple[str, str]] = {}  # the same words come from many units
    for r in f.remarks:
        if r.text not in cleaned:
            text = clean(r.text, REMARK_CHARS).rstrip(" .;")
            cleaned[r.text] = (text, fold(text))
        text, key = cleaned[r.text]
        if not key:
            continue
        key = r.kind + ":" + key
        items = groups.setdefault(r.task, {})
        item = items.setdefault(key, {"kind": r.kind, "text": text, "unit_list": []})
        unit = clean(r.unit)
        if unit not in item["unit_list"]:
            item["unit_list"].append(unit)
    out = []
    for task in sorted(groups, key=lambda t: order.get(t, len(order))):
        items = sorted(groups[task].values(), key=lambda i: (i["kind"] != "difficulty",
                                                              -len(i["unit_list"])))
        shown = items[:REMARKS_PER_TASK]
        for item in shown:
            item["label"] = "Khó khăn" if item["kind"] == "difficulty" else "Đề xuất"
            names = item["unit_list"]
            item["units"] = (joined(names) if len(names) <= 6 else
                             f"{', '.join(names[:6])} và {number(len(names) - 6)} đơn vị khác")
            item["unit_count"] = number(len(names))
        out.append({"task": clean(task), "remarks": shown,
                    "more": (f"Và {number(len(items) - len(shown))} ý kiến khác (xem Phụ lục, "
                             "trang Khó khăn – Đề xuất)." if len(items) > len(shown) else "")})
    return out


def _missing(f: PeriodFigures) -> list[dict]:
    out = []
    for parent, units in f.missing:
        if f.weeks == 1:
            names = [clean(u.unit) for u in units]
        else:
            names = [f"{clean(u.unit)} ({u.weeks_missed} tuần)" for u in units]
        out.append({"parent": clean(parent), "count": number(len(units)),
                    "units": ", ".join(names)})
    return out


def _missing_note(f: PeriodFigures, noun: str) -> str:
    if f.missing:
        return ""
    if not f.headline.weeks_due:
        return f"Trong {noun}, chưa có tuần nào đến hạn báo cáo."
    return f"Trong {noun}, tất cả các đơn vị đã báo cáo đầy đủ."


def _direction(f: PeriodFigures, noun: str) -> list[str]:
    upcoming = next_period(f.period)
    due = deadline(upcoming.weeks[0])
    first_week = "" if len(upcoming.weeks) == 1 else " (hạn báo cáo tuần đầu)"
    lines = [f"{noun.capitalize()} tới ({date_span(upcoming.date_from, upcoming.date_to)}): các "
             f"đơn vị tiếp tục tổ chức hoạt động «30 phút hành động» và báo cáo qua hệ thống "
             f"trước {due:%H:%M} Chủ nhật, {day(due.date())}{first_week}."]
    followed = sorted((u for _, units in f.missing for u in units),
                      key=lambda u: -u.weeks_missed)
    if followed:
        names = [clean(u.unit) for u in followed[:UNITS_TO_FOLLOW]]
        more = len(followed) - len(names)
        lines.append("Đề nghị các đơn vị cấp trên trực tiếp đôn đốc "
                     f"{joined(names) if not more else ', '.join(names)}"
                     f"{f' và {number(more)} đơn vị khác' if more else ''} báo cáo đầy đủ, "
                     "đúng hạn.")
    return lines
