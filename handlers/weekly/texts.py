"""What reminders, follow-ups and digests say (one editable template each), and the schedule
as people read it (/lichnhac, `fieldreport schedule show`, the console).

Edit the wording here; placeholders in braces are filled by the functions below.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional

from handlers.weekly.calendar import DAY_NAMES, WeeklySchedule, due_at, shift_period
from handlers.weekly.schedule import Calendar
from storage.catalog import task_display
from storage.clock import iso_week, to_local, week_bounds
from storage.models import Task, Unit
from storage.reminders import DeliveryKind

# --- the templates --------------------------------------------------------------------------

REMINDER_TEMPLATE = (
    "🔔 Nhắc báo cáo «30 phút hành động» tuần {week} ({start}–{end})\n"
    "Đơn vị: {unit}\n"
    "Tình hình: {status}\n"
    "💡 Gợi ý 30 phút hành động sau giờ làm việc: {suggestion}\n"
    "{target}"
    "Hạn báo cáo: {deadline}.\n"
    "{how_to}"
)
FOLLOWUP_GROUP_TEMPLATE = (
    "⏰ {unit} chưa có báo cáo «30 phút hành động» tuần {week}. "
    "{progress}.\n"
    "Hạn báo cáo: {deadline}. {how_to}"
)
FOLLOWUP_PRIVATE_TEMPLATE = (
    "⏰ Chào đồng chí {name}! {unit} chưa có báo cáo «30 phút hành động» tuần {week}. "
    "{progress}.\n"
    "Hạn báo cáo: {deadline}. {how_to}"
)
DIGEST_HEADER = "📊 Tổng hợp báo cáo tuần {week} ({start}–{end}) – {unit}"
DIGEST_REPORTED = "• Đã báo cáo: {done}/{total} đơn vị"
DIGEST_MISSING = "• Chưa báo cáo: {names}"
DIGEST_MISSING_MORE = " và {n} đơn vị khác"
DIGEST_ALL_DONE = "• Tất cả đơn vị đã báo cáo. Cảm ơn các đồng chí!"
DIGEST_BY_TASK = "• Theo nhiệm vụ:"
DIGEST_TASK_LINE = "   – {task}: {n} báo cáo, {people} người tham gia"
DIGEST_NO_REPORTS = "• Chưa có báo cáo nào trong tuần."
DIGEST_TOP = "• Nổi bật (đông người tham gia nhất), có thể biểu dương, nhân rộng:"
DIGEST_TOP_LINE = "   {i}. {unit} – {task} – {people} người ({receipt})"
DIGEST_COMMENDED = "• Điển hình (Văn phòng đã biểu dương trong tuần qua):"
DIGEST_COMMENDED_LINE = "   – {unit} – {task}: «{content}» ({receipt})"
DIGEST_BLOCKED = "• Nhóm/tài khoản đã chặn hoặc xóa bot, cần gắn lại (/dangky hoặc /start <mã>):"
DIGEST_BLOCKED_LINE = "   – {unit}: {who}"
DIGEST_NEEDS_CONTACT = ("• Cần tương tác: Zalo chỉ cho OA nhắn lại khi cán bộ đã nhắn cho OA gần "
                        "đây, nên các đồng chí sau chưa nhận được tin nhắc. Nhờ các đồng chí nhắn "
                        "một tin bất kỳ cho OA (hoặc liên hệ cách khác):")

STATUS_DONE = "✅ đã báo cáo ({n} báo cáo)"
STATUS_NOT_YET = "⏳ chưa báo cáo"
HOW_TO_BUTTON = "Bấm nút «📝 Báo cáo» bên dưới để báo cáo trong tin nhắn riêng với bot."
HOW_TO_COMMAND = "Nhắn /baocao cho bot (tin nhắn riêng) để báo cáo."
HOW_TO_BUTTON_PRIVATE = "Bấm nút «📝 Báo cáo» bên dưới để báo cáo ngay."
HOW_TO_COMMAND_PRIVATE = "Gõ /baocao để báo cáo ngay."
NO_SUGGESTION = "chọn một việc thiết thực của đơn vị trong kế hoạch năm."
PROGRESS = "{done}/{total} {level} của {parent} đã báo cáo"
PROGRESS_ALONE = "Đơn vị nào báo cáo sớm sẽ được ghi nhận trong tổng hợp tuần"
DEADLINE = "{time} {day} {date}"
MISSING_LIST_MAX = 40

# /lichnhac and `fieldreport schedule show` (chat texts name no terminal command)
SCHEDULE_HEAD = "🗓 Lịch nhắc báo cáo – {unit}"
SCHEDULE_LINES = (("reminder", "Nhắc báo cáo hằng tuần"),
                  ("followup", "Nhắc lần hai (đơn vị chưa báo cáo)"),
                  ("deadline", "Hạn báo cáo"),
                  ("grace", "Báo cáo bù cho tuần trước đến"),
                  ("digest", "Tổng hợp gửi nhóm Văn phòng (tuần trước)"))
SCHEDULE_GRACE = "{slot} tuần sau (sau hạn đến lúc này, bot hỏi báo cáo cho tuần nào)"
SCHEDULE_LINE = "• {label}: {value}"
SCHEDULE_OFF = "không gửi"
SCHEDULE_PAUSED = "⏸ Đang tạm dừng nhắc {until}{note}."
SCHEDULE_PAUSED_UNTIL = "đến hết ngày {day}"
SCHEDULE_PAUSED_OPEN = "cho đến khi Văn phòng mở lại"
SCHEDULE_WEEKS = "Các tuần tới:"
SCHEDULE_WEEK = "• Tuần {week} ({start}–{end}): {what}"
SCHEDULE_WEEK_SEND = "nhắc lúc {when}"
SCHEDULE_WEEK_SKIPPED = "nghỉ lễ, không nhắc ({why})"
SCHEDULE_WEEK_OFF_DAYS = " – ngày nghỉ: {days}"
SCHEDULE_FOOT = ("Không gửi tin trong khung 21:30–06:30; ngày lễ, Tết và ngày nghỉ do Văn phòng "
                 "thêm thì nhắc sớm hơn hoặc bỏ qua. Muốn đổi lịch, đồng chí báo người quản trị "
                 "bot của Văn phòng.")
SCHEDULE_NO_UNIT = ("Lệnh /lichnhac dùng trong nhóm đã gắn với đơn vị (hoặc nhóm Văn phòng), "
                    "hoặc trong tin nhắn riêng của cán bộ đã tham gia đơn vị.")

OFFICE_WORDS = ("vanphong", "van phong", "vp", "office")
OFFICE_NOT_ALLOWED = ("Chỉ cán bộ Văn phòng phụ trách {unit} mới gắn được nhóm Văn phòng. "
                      "Nhóm chưa được thay đổi.")
OFFICE_DONE = ("Đã gắn nhóm này làm nhóm Văn phòng của {unit}. Sáng Thứ Hai hằng tuần bot gửi "
               "tổng hợp báo cáo tại đây. Gõ /lichnhac để xem lịch nhắc.")


# --- filling them ---------------------------------------------------------------------------

def week_fields(period: str) -> dict:
    monday, sunday = week_bounds(period)
    return dict(week=period.split("-W")[1], start=monday.strftime("%d/%m"),
                end=sunday.strftime("%d/%m/%Y"))


def fmt_deadline(moment: datetime) -> str:
    local = to_local(moment)
    return DEADLINE.format(time=local.strftime("%H:%M"), day=DAY_NAMES[local.weekday()],
                           date=local.strftime("%d/%m/%Y"))


def how_to(link: Optional[str], private: bool = False) -> str:
    if private:
        return HOW_TO_BUTTON_PRIVATE if link else HOW_TO_COMMAND_PRIVATE
    return HOW_TO_BUTTON if link else HOW_TO_COMMAND


def suggestion_for(tasks: list[Task], period: str) -> str:
    """One concrete action from the plan, rotating through the tasks week by week."""
    ideas = [t for t in tasks if t.suggestion]
    if not ideas:
        return NO_SUGGESTION
    task = ideas[int(period.split("-W")[1]) % len(ideas)]
    return f"{task.suggestion} ({task_display(task)})"


def reminder_text(unit: Unit, period: str, reports: int, suggestion: str, deadline: datetime,
                  link: Optional[str], private: bool = False, target: Optional[str] = None
                  ) -> str:
    """`target`: the unit's furthest-behind yearly target, one line (handlers/review/)."""
    status = STATUS_DONE.format(n=reports) if reports else STATUS_NOT_YET
    return REMINDER_TEMPLATE.format(unit=unit.name, status=status, suggestion=suggestion,
                                    target=f"{target}\n" if target else "",
                                    deadline=fmt_deadline(deadline), how_to=how_to(link, private),
                                    **week_fields(period))


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    level: str
    parent: str

    def text(self) -> str:
        if not self.parent or self.total <= 1:
            return PROGRESS_ALONE
        return PROGRESS.format(done=self.done, total=self.total, level=self.level,
                               parent=self.parent)


def followup_text(unit: Unit, period: str, progress: Progress, deadline: datetime,
                  link: Optional[str], name: Optional[str] = None) -> str:
    """In a group it names nobody; in private it greets the cadre it goes to."""
    fields = dict(unit=unit.name, progress=progress.text(), deadline=fmt_deadline(deadline),
                  how_to=how_to(link, private=name is not None), **week_fields(period))
    if name is None:
        return FOLLOWUP_GROUP_TEMPLATE.format(**fields)
    return FOLLOWUP_PRIVATE_TEMPLATE.format(name=name, **fields).replace("đồng chí !", "đồng chí!")


@dataclass(frozen=True)
class TopReport:
    unit: str
    task: str
    people: int
    receipt: str


@dataclass
class Digest:
    unit: Unit
    period: str
    expected: list[Unit]
    reported_ids: set[int]
    by_task: list[tuple[str, int, int]]  # task label, reports, people
    top: list[TopReport]
    blocked: list[tuple[str, str]]  # unit name, chat title or cadre name
    needs_contact: list[tuple[str, str]] = field(default_factory=list)  # outside Zalo's window
    commended: list[dict] = field(default_factory=list)  # fields of DIGEST_COMMENDED_LINE

    def text(self) -> str:
        lines = [DIGEST_HEADER.format(unit=self.unit.name, **week_fields(self.period))]
        done = [u for u in self.expected if u.id in self.reported_ids]
        missing = [u for u in self.expected if u.id not in self.reported_ids]
        lines.append(DIGEST_REPORTED.format(done=len(done), total=len(self.expected)))
        if missing:
            names = ", ".join(u.name for u in missing[:MISSING_LIST_MAX])
            more = len(missing) - MISSING_LIST_MAX
            lines.append(DIGEST_MISSING.format(names=names)
                         + (DIGEST_MISSING_MORE.format(n=more) if more > 0 else ""))
        elif self.expected:
            lines.append(DIGEST_ALL_DONE)
        if self.by_task:
            lines.append(DIGEST_BY_TASK)
            lines += [DIGEST_TASK_LINE.format(task=t, n=n, people=p) for t, n, p in self.by_task]
        else:
            lines.append(DIGEST_NO_REPORTS)
        if self.top:
            lines.append(DIGEST_TOP)
            lines += [DIGEST_TOP_LINE.format(i=i, unit=r.unit, task=r.task, people=r.people,
                                             receipt=r.receipt)
                      for i, r in enumerate(self.top, 1)]
        if self.commended:
            lines.append(DIGEST_COMMENDED)
            lines += [DIGEST_COMMENDED_LINE.format(**c) for c in self.commended]
        if self.blocked:
            lines.append(DIGEST_BLOCKED)
            lines += [DIGEST_BLOCKED_LINE.format(unit=u, who=w) for u, w in self.blocked]
        if self.needs_contact:
            lines.append(DIGEST_NEEDS_CONTACT)
            lines += [DIGEST_BLOCKED_LINE.format(unit=u, who=w) for u, w in self.needs_contact]
        return "\n".join(lines)


# --- the schedule, for people ---------------------------------------------------------------

def schedule_text(cal: Calendar, unit: Optional[Unit], now: datetime, weeks: int = 4) -> str:
    """The effective schedule of a unit (None: the whole-tree default) and the coming weeks."""
    plan = cal.schedule_of(unit.id if unit else None)
    lines = [SCHEDULE_HEAD.format(unit=unit.name if unit else "toàn hệ thống")]
    for kind, label in SCHEDULE_LINES:
        slot = plan.slot(kind)
        value = slot.label() if slot else SCHEDULE_OFF
        if kind == "grace":
            value = SCHEDULE_GRACE.format(slot=value)
        lines.append(SCHEDULE_LINE.format(label=label, value=value))
    today = to_local(now).date()
    pause = cal.pause(unit.id, today) if unit else None
    if pause is not None:
        until = (SCHEDULE_PAUSED_UNTIL.format(day=pause.until.strftime("%d/%m/%Y"))
                 if pause.until else SCHEDULE_PAUSED_OPEN)
        lines.append(SCHEDULE_PAUSED.format(until=until,
                                            note=f" ({pause.note})" if pause.note else ""))
    lines.append(SCHEDULE_WEEKS)
    here = iso_week(now)
    for offset in range(weeks):
        period = shift_period(here, offset)
        lines.append(SCHEDULE_WEEK.format(what=week_line(cal, plan, period),
                                          **week_fields(period)))
    lines.append(SCHEDULE_FOOT)
    return "\n".join(lines)


def week_line(cal: Calendar, plan: WeeklySchedule, period: str) -> str:
    off = cal.days_off.reasons_in(period)
    if cal.days_off.week_skipped(period):
        return SCHEDULE_WEEK_SKIPPED.format(why=off[0][1] if off else "")
    if plan.reminder is None:
        what = SCHEDULE_OFF
    else:
        when = to_local(due_at(DeliveryKind.REMINDER, plan.reminder, period, cal.days_off, plan))
        what = SCHEDULE_WEEK_SEND.format(
            when=f"{DAY_NAMES[when.weekday()]} {when:%d/%m %H:%M}")
    if off:
        what += SCHEDULE_WEEK_OFF_DAYS.format(days=", ".join(f"{d:%d/%m} ({why})"
                                                             for d, why in off))
    return what
