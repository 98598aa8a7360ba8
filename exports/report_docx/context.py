"""The values a report template fills in: `report_context` turns a period's figures and the
office's letterhead into plain strings and lists (every name documented in
docs/REPORT_TEMPLATE.md). Everything a cadre typed is cleaned text here and only ever reaches
the template as data, never as template source."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlmodel import Session

from exports.figures import Activity, Headline, PeriodFigures, period_figures
from exports.letterhead import Letterhead
from exports.periods import Period
from exports.report_docx.wording import (calendar_span, clean, date_span, day, fold, joined,
                                         number, percent, period_name, period_noun, subject)
from storage.clock import to_local
from storage.weeks import DAY_NAMES

ACTIVITY_CHARS = 320  # a few lines of the activity's own words
REMARK_CHARS = 240
REMARKS_PER_TASK = 8  # more go to the annex: the workbook's Khó khăn – Đề xuất sheet
UNITS_TO_FOLLOW = 10


def report_context(s: Session, period: Period, unit_code: Optional[str], as_of: datetime,
                   letterhead: Letterhead) -> dict:
    """The template's values for `period` and the subtree of `unit_code` (None: the whole
    tree), as of the aware instant `as_of` (also the report's date)."""
    # The ONE source of the report's numbers: the workbook's own figures (exports.figures).
    figures = period_figures(s, period, unit_code, as_of=as_of)
    return context_from_figures(figures, as_of, letterhead)


def context_from_figures(f: PeriodFigures, as_of: datetime, letterhead: Letterhead) -> dict:
    letterhead = letterhead.for_unit(f.organisation)
    noun = period_noun(f.period)
    tasks_done = [t for t in f.tasks if t.activities]
    first, last = calendar_span(f.period)
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
        "period_dates": date_span(first, last),
        "date_from": day(first),
        "date_to": day(last),
        # the figures, written the Vietnamese way
        "figures": _figures(f),
        # the six sections
        "general": _general(f, noun) + _still_open(f, as_of),
        "task_rows": [{"number": i, "code": t.code,
                       "label": clean(t.name.removeprefix(t.code).strip()),
                       "name": clean(t.name),
                       "activities": number(t.activities), "units": number(t.units),
                       "participants": number(t.people)}
                      for i, t in enumerate(tasks_done, 1)],
        "task_total": {"activities": number(sum(t.activities for t in tasks_done)),
                       "units": number(f.headline.units_active),
                       "participants": number(sum(t.people for t in tasks_done))},
        "tasks_note": _tasks_note(f, noun),
        "good_practices": _activities(good_practices(f)),
        "good_practices_intro": (
            f"Các hoạt động được Văn phòng biểu dương, nhân rộng trong {noun}:" if f.commended
            else f"Các hoạt động có nhiều đoàn viên, thanh niên tham gia trong {noun}:"),
        "good_practices_note": ("" if good_practices(f) else
                                f"Trong {noun}, chưa có hoạt động nào được báo cáo."),
        "difficulties": _remarks(f),
        "difficulties_note": ("" if f.issues else
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
    return {
        "weeks": number(len(f.period.weeks)),
        "units_expected": number(h.units_due),
        "units_reported": number(h.units_reported),
        "units_missing": number(h.units_due - h.units_reported),
        "units_full": number(h.units_full),
        "weeks_due": number(h.expected),
        "weeks_reported": number(h.reported),
        "weeks_on_time": number(h.on_time),
        "weeks_late": number(h.late),
        "weeks_missing": number(h.not_reported),
        "weeks_open": number(h.open),
        "weeks_open_reported": number(h.open_reported),
        "rate": percent(h.completion_rate),
        "reports": number(h.activities),
        "participants": number(h.participants),
        "photos": number(h.photos),
    }


def _general(f: PeriodFigures, noun: str) -> list[str]:
    h = f.headline
    if not h.expected and not h.open and not h.activities:
        return [f"Trong {noun}, chưa có đơn vị nào phải báo cáo và chưa nhận được báo cáo nào."]
    lines = []
    if len(f.period.weeks) == 1:
        if h.expected:
            lines.append(
                f"Có {number(h.reported)}/{number(h.expected)} đơn vị báo cáo, đạt "
                f"{percent(h.completion_rate)}; trong đó {number(h.on_time)} đơn vị báo cáo "
                f"đúng hạn, {number(h.late)} đơn vị báo cáo trễ hạn; "
                f"{number(h.not_reported)} đơn vị chưa báo cáo.")
        if h.open:
            lines.append(
                f"Tuần đang mở (chưa đến hạn báo cáo): đã có {number(h.open_reported)}/"
                f"{number(h.open)} đơn vị báo cáo; đơn vị chưa báo cáo chưa bị tính là thiếu.")
    else:
        if h.expected:
            lines.append(
                f"Trong {number(len(f.period.weeks))} tuần của {noun}, {number(h.units_due)} đơn "
                f"vị phải báo cáo tổng cộng {number(h.expected)} lượt (mỗi đơn vị một lượt cho "
                "mỗi tuần đã hết hạn, kể từ tuần đơn vị được đưa vào hệ thống); đã nhận "
                f"{number(h.reported)} lượt, đạt {percent(h.completion_rate)}, trong đó "
                f"{number(h.on_time)} lượt đúng hạn, {number(h.late)} lượt trễ hạn; còn "
                f"{number(h.not_reported)} lượt chưa báo cáo. "
                f"Có {number(h.units_full)} đơn vị báo cáo đủ tất cả các tuần và "
                f"{number(h.units_due - h.units_reported)} đơn vị chưa báo cáo tuần nào.")
        if h.open:
            lines.append(
                f"Còn {number(h.open)} lượt của tuần đang mở (chưa đến hạn báo cáo), đã nhận "
                f"{number(h.open_reported)} lượt; các lượt này chưa tính vào tỷ lệ.")
        if f.period.week_note:
            lines.append(f.period.week_note)
    lines.append(f"Các đơn vị đã tổ chức {number(h.activities)} hoạt động với "
                 f"{number(h.participants)} lượt đoàn viên, thanh niên tham gia; gửi "
                 f"{number(h.photos)} ảnh minh chứng.")
    before = f.previous
    if before is not None and (before.expected or before.open or before.activities):
        lines.append(_compared(h, before, noun))
    return lines


def _moment(at: datetime) -> str:
    """'21:00 Chủ nhật, 29/11/2026'."""
    local = to_local(at)
    return f"{local:%H:%M} {DAY_NAMES[local.weekday()]}, {day(local.date())}"


def _still_open(f: PeriodFigures, as_of: datetime) -> list[str]:
    """A report made before the period's last deadline says the figures are not final."""
    if not f.last_deadlines or as_of >= f.last_deadlines[-1]:
        return []
    made = to_local(as_of)
    return [f"Số liệu tính đến {made:%H:%M} ngày {day(made.date())}; hạn báo cáo của tuần cuối "
            f"trong kỳ là {_moment(f.last_deadlines[-1])}, nên số liệu còn thay đổi."]


def _compared(h: Headline, before: Headline, noun: str) -> str:
    """'So với tuần trước, số đơn vị báo cáo tăng 6 đơn vị (12 → 18), …'"""
    def part(what: str, now: int, then: int, unit: str) -> str:
        if now == then:
            return f"{what} không đổi ({number(now)})"
        word = "tăng" if now > then else "giảm"
        return f"{what} {word} {number(abs(now - then))} {unit} ({number(then)} → {number(now)})"
    text = (f"So với {noun} trước, "
            + ", ".join([part("số đơn vị báo cáo", h.units_sent, before.units_sent, "đơn vị"),
                         part("số hoạt động", h.activities, before.activities, "hoạt động"),
                         part("số lượt người tham gia", h.participants, before.participants,
                              "lượt")]))
    if h.completion_rate is not None and before.completion_rate is not None:
        text += (f"; tỷ lệ báo cáo đạt {percent(h.completion_rate)} ({noun} trước: "
                 f"{percent(before.completion_rate)})")
    return text + "."


def _tasks_note(f: PeriodFigures, noun: str) -> str:
    idle = [clean(t.name) for t in f.tasks if not t.activities]
    if not idle:
        return ""
    if len(idle) == len(f.tasks):
        return f"Trong {noun}, chưa có nhiệm vụ nào được báo cáo."
    return (f"Trong {noun}, chưa có đơn vị nào báo cáo hoạt động thuộc "
            f"{'nhiệm vụ' if len(idle) == 1 else 'các nhiệm vụ'}: {joined(idle)}.")


def good_practices(f: PeriodFigures) -> tuple[Activity, ...]:
    """The activities section 3 («Mô hình, cách làm hay») quotes: those the office commended
    («Biểu dương», issue 11), else the period's largest."""
    return f.commended or f.largest


def _activities(activities) -> list[dict]:
    return [{"unit": clean(a.unit), "task": clean(a.task), "day": day(a.day),
             "participants": number(a.participants), "photos": number(a.photos),
             "receipt_code": clean(a.receipt_code),
             "content": _sentence(clean(a.content, ACTIVITY_CHARS))} for a in activities]


def _sentence(text: str) -> str:
    """The cadre's words with a closing full stop when they have none."""
    return text if not text or text[-1] in ".!?…" else text + "."


def _remarks(f: PeriodFigures) -> list[dict]:
    """Grouped by task in plan order; one line per distinct text (accents, case, spacing and
    punctuation ignored) naming every unit that wrote it, the most shared first."""
    order = {t.name: i for i, t in enumerate(f.tasks)}
    groups: dict[str, dict[str, dict]] = {}
    cleaned: dict[str, tuple[str, str]] = {}  # the same words come from many units
    for r in f.issues:
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
    for group in f.missing:
        if len(f.period.weeks) == 1:
            names = [clean(u.name) for u in group.units]
        else:
            names = [f"{clean(u.name)} ({u.weeks_missed} tuần)" for u in group.units]
        out.append({"parent": clean(group.parent or f.organisation),
                    "count": number(len(group.units)), "units": ", ".join(names)})
    return out


def _missing_note(f: PeriodFigures, noun: str) -> str:
    if f.missing:
        return ""
    if not f.headline.expected:
        return "Chưa đến hạn báo cáo, nên chưa có đơn vị nào bị tính là chưa báo cáo."
    return f"Trong {noun}, tất cả các đơn vị đã báo cáo đầy đủ."


def _direction(f: PeriodFigures, noun: str) -> list[str]:
    upcoming = f.period.next()
    first_week = "" if len(upcoming.weeks) == 1 else " (hạn báo cáo tuần đầu)"
    if len(f.next_deadlines) > 1:  # units keep different deadlines (schedule set --deadline)
        due = (f"theo hạn của từng đơn vị, chậm nhất {_moment(f.next_deadlines[-1])}"
               f"{first_week}")
    elif f.next_deadlines:
        due = f"trước {_moment(f.next_deadlines[0])}{first_week}"
    else:
        due = "đúng hạn"
    lines = [f"{noun.capitalize()} tới ({date_span(*calendar_span(upcoming))}): các đơn vị "
             f"tiếp tục tổ chức hoạt động «30 phút hành động» và báo cáo qua hệ thống {due}."]
    followed = sorted((u for group in f.missing for u in group.units),
                      key=lambda u: -u.weeks_missed)
    if followed:
        names = [clean(u.name) for u in followed[:UNITS_TO_FOLLOW]]
        more = len(followed) - len(names)
        lines.append("Đề nghị các đơn vị cấp trên trực tiếp đôn đốc "
                     f"{joined(names) if not more else ', '.join(names)}"
                     f"{f' và {number(more)} đơn vị khác' if more else ''} báo cáo đầy đủ, "
                     "đúng hạn.")
    return lines
