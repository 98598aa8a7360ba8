"""/baocao and /sua: the guided report dialog (task, content, people, photos, difficulties)."""
from __future__ import annotations

import re
from typing import Callable, Optional

from handlers import texts
from handlers.choices import choice_id
from handlers.context import Ctx
from handlers.messages import Choice, Reply
from handlers.textutil import means_none, parse_count
from storage import repo
from storage.catalog import task_name
from storage.clock import iso_week
from storage.models import Media, Report, ReportPhoto, Task, Unit
from storage.revisions import keep_version
from storage import review as review_store
from storage.weeks import load_week_rule, load_week_rules, shift_week, week_name

FLOW = "report"
ORDER = ["task", "content", "participants", "photos", "difficulties", "confirm"]
CONTENT_MIN, CONTENT_MAX = 3, 1500
DIFFICULTIES_MAX = 1000
PARTICIPANTS_MAX = 100_000
EXISTING_SHOWN = 5  # reports of the unit named at the "already reported" question
_PROPOSAL_LINE = re.compile(r"^\s*(đề xuất|de xuat|kiến nghị|kien nghi)\s*[:：-]\s*", re.I)


# --- entry points ---------------------------------------------------------------------------

def command(ctx: Ctx) -> list[Reply]:
    """/baocao: in a group, a button to the private chat; in private, start or resume."""
    msg = ctx.msg
    if msg.chat_type != "private":
        return group_button(ctx)
    if ctx.state and ctx.state.flow == FLOW:
        return [Reply(texts.DIALOG_RESUMED), prompt(ctx, ctx.state.step, ctx.data)]
    units = repo.memberships(ctx.s, msg.platform, msg.user_id)
    if not units:
        return [Reply(texts.NOT_MEMBER)]
    if len(units) == 1:
        return begin_for_unit(ctx, units[0][1])
    return ctx.ask(FLOW, "unit", {"photos": []}, Reply(
        texts.ASK_UNIT, menu=True, choices=[Choice(u.name, f"unit:{u.id}") for _, u in units]))


def group_button(ctx: Ctx) -> list[Reply]:
    binding = repo.binding_for_chat(ctx.s, ctx.msg.platform, ctx.msg.chat_id)
    if binding is None:
        return [Reply(texts.GROUP_NOT_BOUND)]
    unit = ctx.s.get(Unit, binding.unit_id)
    link = ctx.svc.deep_link(ctx.msg.platform, f"bc_{unit.join_code}")
    if link is None:
        return [Reply(texts.GROUP_REPORT_NO_LINK.format(unit=unit.name))]
    return [Reply(texts.GROUP_REPORT_BUTTON.format(unit=unit.name),
                  choices=[Choice(texts.BTN_REPORT, url=link)])]


def begin_for_unit(ctx: Ctx, unit: Unit) -> list[Reply]:
    """The unit is known: ask the week when two are possible, else go on with this week."""
    if not repo.active_tasks(ctx.s):
        return [Reply(texts.NO_TASKS)]
    weeks = load_week_rule(ctx.s, unit.id).weeks_to_choose(ctx.svc.clock())
    data = {"unit_id": unit.id, "unit_name": unit.name, "period": weeks[-1], "photos": []}
    if len(weeks) > 1:
        return ask_step(ctx, "week", {**data, "weeks": list(weeks)})
    return after_week(ctx, data)


def after_week(ctx: Ctx, data: dict) -> list[Reply]:
    """Before the task step: say so when the unit already reported this week."""
    reports = repo.latest_unit_reports(ctx.s, data["unit_id"], data["period"], EXISTING_SHOWN)
    if reports:
        return ctx.ask(FLOW, "existing", data, existing_prompt(ctx, data, reports))
    return ask_step(ctx, "task", data)


def edit_latest(ctx: Ctx) -> list[Reply]:
    """/sua: reopen the user's latest report of a week still editable, pre-filled, at the
    summary (last week's until this week's deadline)."""
    msg = ctx.msg
    if msg.chat_type != "private":
        return [Reply(texts.PRIVATE_ONLY)]
    now = ctx.svc.clock()
    this_week = iso_week(now)
    rules = load_week_rules(ctx.s)
    for report in repo.latest_reports_by(ctx.s, msg.platform, msg.user_id,
                                         [shift_week(this_week, -1), this_week]):
        if report.period in rules.for_unit(report.unit_id).editable_weeks(now):
            return open_for_edit(ctx, report)
    return [Reply(texts.NOTHING_TO_EDIT)]


def open_for_edit(ctx: Ctx, report: Report) -> list[Reply]:
    """A sent report, pre-filled, at the summary; «Gửi» updates it (same receipt code)."""
    unit, task = ctx.s.get(Unit, report.unit_id), ctx.s.get(Task, report.task_id)
    data = {
        "report_id": report.id, "receipt": report.receipt_code, "period": report.period,
        "unit_id": unit.id, "unit_name": unit.name,
        "task_id": task.id, "task_label": task_label(task), "content": report.content,
        "participants": report.participants, "difficulties": report.difficulties,
        "proposals": report.proposals,
        "photos": [p.sha256 for p in repo.report_photos(ctx.s, report.id)],
    }
    return ask_step(ctx, "confirm", data)


def cancel(ctx: Ctx) -> list[Reply]:
    """/huy: drop the dialog in progress; nothing is saved."""
    if not ctx.state:
        return [Reply(texts.NOTHING_TO_CANCEL)]
    receipt = ctx.data.get("receipt")
    ctx.end_dialog()
    return [Reply(texts.CANCELLED_EDIT.format(receipt=receipt) if receipt else texts.CANCELLED)]


def on_message(ctx: Ctx) -> list[Reply]:
    """A message while the report dialog is open: hand it to the current step."""
    return STEPS[ctx.state.step](ctx, ctx.data)


# --- prompts --------------------------------------------------------------------------------

def vn_number(n: int) -> str:
    """1.230, the Vietnamese way."""
    return f"{n:,}".replace(",", ".")


def task_label(task: Task) -> str:
    return task_name(task.code, task.label)


def prompt(ctx: Ctx, step: str, data: dict) -> Reply:
    if step == "unit":
        units = repo.memberships(ctx.s, ctx.msg.platform, ctx.msg.user_id)
        return Reply(texts.ASK_UNIT, menu=True,
                     choices=[Choice(u.name, f"unit:{u.id}") for _, u in units])
    if step == "week":
        return Reply(texts.ASK_WEEK, menu=True,
                     choices=[Choice(week_name(p), f"week:{p}") for p in data["weeks"]])
    if step == "existing":
        return existing_prompt(ctx, data)
    if step == "count_check":
        n = vn_number(data["_pending_count"])
        return Reply(texts.COUNT_CHECK.format(unit=data["unit_name"],
                                              members=vn_number(data["_members"]), n=n),
                     menu=True,
                     choices=[Choice(texts.BTN_COUNT_RIGHT.format(n=n), "count:ok"),
                              Choice(texts.BTN_COUNT_RETYPE, "count:retype")])
    if step == "task":
        return Reply(texts.ASK_TASK, menu=True, choices=[
            Choice(task_label(t), f"task:{t.id}") for t in repo.active_tasks(ctx.s)])
    if step == "content":
        return Reply(texts.ASK_CONTENT)
    if step == "participants":
        return Reply(texts.ASK_PARTICIPANTS, choices=[Choice(texts.BTN_SKIP, "skip")])
    if step == "photos":
        if data.get("_editing"):
            text = texts.ASK_PHOTOS_AGAIN
        else:
            template = texts.ASK_PHOTOS_REQUIRED if ctx.svc.require_photos else texts.ASK_PHOTOS
            text = template.format(max=ctx.svc.max_photos)
        return Reply(text, choices=[Choice(texts.BTN_DONE, "done")])
    if step == "difficulties":
        return Reply(texts.ASK_DIFFICULTIES, choices=[Choice(texts.BTN_NONE, "skip")])
    if step == "edit":
        return Reply(texts.ASK_EDIT_FIELD, menu=True, choices=[
            *(Choice(label, f"field:{name}") for name, label in texts.FIELD_LABELS.items()),
            Choice(texts.BTN_BACK, "back")])
    return Reply(summary(data), menu=True, choices=[
        Choice(texts.BTN_SEND, "send"), Choice(texts.BTN_EDIT, "edit"),
        Choice(texts.BTN_CANCEL, "cancel")])


def existing_prompt(ctx: Ctx, data: dict, reports: Optional[list] = None) -> Reply:
    if reports is None:
        reports = repo.latest_unit_reports(ctx.s, data["unit_id"], data["period"],
                                           EXISTING_SHOWN)
    head = dict(week=week_name(data["period"]), unit=data["unit_name"])
    labels = {task.id: task_label(task)
              for task in repo.tasks_by_id(ctx.s, {r.task_id for r in reports}).values()}
    if len(reports) == 1:
        r = reports[0]
        text = texts.EXISTING_ONE.format(receipt=r.receipt_code, task=labels.get(r.task_id, "?"),
                                         reporter=r.reporter_name or "?", **head)
        edits = [Choice(texts.BTN_EDIT_THAT, f"edit:{r.id}")]
    else:
        lines = "\n".join(texts.EXISTING_LINE.format(
            receipt=r.receipt_code, task=labels.get(r.task_id, "?"),
            reporter=r.reporter_name or "?") for r in reports)
        text = texts.EXISTING_MANY.format(n=len(reports), lines=lines, **head)
        edits = [Choice(texts.BTN_EDIT_RECEIPT.format(receipt=r.receipt_code), f"edit:{r.id}")
                 for r in reports]
    return Reply(text, menu=True, choices=[Choice(texts.BTN_OTHER_ACTIVITY, "other"), *edits])


def menu_hint(ctx: Ctx, step: str, data: dict) -> str:
    """One line that says how to answer a menu, sent instead of the whole menu again."""
    offered = data.get("_choices") or []
    if step == "task":
        tasks = repo.active_tasks(ctx.s)
        example = tasks[min(2, len(tasks) - 1)].code if tasks else "1"
        return texts.HINT_TASK.format(n=len(offered), example=example)
    if step == "unit":
        return texts.HINT_UNIT.format(n=len(offered), example=offered[0][0] if offered else "1")
    if step == "week":
        return texts.HINT_WEEK.format(first=offered[0][0], second=offered[-1][0])
    if step == "existing":
        if len(offered) == 2:
            return texts.HINT_EXISTING_ONE
        return texts.HINT_EXISTING_MANY.format(n=len(offered))
    if step == "count_check":
        return texts.HINT_COUNT_CHECK.format(n=vn_number(data.get("_pending_count") or 0))
    if step == "confirm":
        return texts.HINT_CONFIRM
    if step == "edit":
        return texts.HINT_EDIT.format(n=len(offered))
    return texts.EXPECT_CHOICE


def summary(data: dict) -> str:
    people = data.get("participants")
    return texts.SUMMARY.format(
        week=f" {week_name(data['period'])}" if data.get("period") else "",
        unit=data["unit_name"], task=data["task_label"], content=data["content"],
        participants=people if people is not None else texts.NOT_GIVEN,
        photos=len(data.get("photos", [])),
        difficulties=data.get("difficulties") or texts.NOT_GIVEN,
        proposals=data.get("proposals") or texts.NOT_GIVEN)


def ask_step(ctx: Ctx, step: str, data: dict) -> list[Reply]:
    return ctx.ask(FLOW, step, data, prompt(ctx, step, data))


def advance(ctx: Ctx, data: dict, done_step: str, notes: Optional[list[Reply]] = None
            ) -> list[Reply]:
    """Go to the step after `done_step`, or back to the summary when a field was edited."""
    if data.pop("_editing", False):
        step = "confirm"
    else:
        step = ORDER[ORDER.index(done_step) + 1]
    return (notes or []) + ask_step(ctx, step, data)


def again(ctx: Ctx, text: str) -> list[Reply]:
    """Explain what the step expects and stay on it; the step's buttons come along. At a menu
    the explanation is one line saying what to type: the menu itself is not sent again."""
    data = ctx.data
    if data.get("_menu") and ctx.state is not None:
        return [Reply(menu_hint(ctx, ctx.state.step, data))]
    choices = [Choice(label, value) for label, value in data.get("_choices", [])]
    return [Reply(text, choices=choices, menu=bool(data.get("_menu")))]


def wrong_kind(ctx: Ctx, template: str) -> list[Reply]:
    if ctx.msg.kind == "choice":
        return again(ctx, texts.STALE_CHOICE)
    return again(ctx, template.format(what=texts.KIND_NAMES.get(ctx.msg.kind, "loại tin này")))


# --- steps ----------------------------------------------------------------------------------

def _chosen_id(ctx: Ctx, prefix: str) -> Optional[int]:
    """The id in a tapped `prefix:<id>`; None for anything else (typed text, `task:abc`)."""
    if ctx.msg.kind != "choice":
        return None
    return choice_id(ctx.msg.choice, prefix.rstrip(":"))


def step_unit(ctx: Ctx, data: dict) -> list[Reply]:
    unit_id = _chosen_id(ctx, "unit:")
    for _, unit in repo.memberships(ctx.s, ctx.msg.platform, ctx.msg.user_id):
        if unit.id == unit_id:
            return begin_for_unit(ctx, unit)
    return again(ctx, texts.EXPECT_CHOICE)


def step_week(ctx: Ctx, data: dict) -> list[Reply]:
    period = ctx.msg.choice.removeprefix("week:") if ctx.msg.kind == "choice" else ""
    if period not in data.get("weeks", []):
        return again(ctx, texts.EXPECT_CHOICE)
    data["period"] = period
    data.pop("weeks", None)
    return after_week(ctx, data)


def step_existing(ctx: Ctx, data: dict) -> list[Reply]:
    """«Báo cáo hoạt động khác» goes on to the task; «Sửa báo cáo đó» opens that report."""
    if ctx.msg.kind == "choice" and ctx.msg.choice == "other":
        return ask_step(ctx, "task", data)
    report_id = _chosen_id(ctx, "edit:")
    report = ctx.s.get(Report, report_id) if report_id is not None else None
    # Only a report of this unit and week, by a member of the unit, whatever button was sent.
    if (report is None or report.unit_id != data["unit_id"] or report.period != data["period"]
            or not any(u.id == report.unit_id for _, u in
                       repo.memberships(ctx.s, ctx.msg.platform, ctx.msg.user_id))):
        return again(ctx, texts.EXPECT_CHOICE)
    return open_for_edit(ctx, report)


def step_task(ctx: Ctx, data: dict) -> list[Reply]:
    task_id = _chosen_id(ctx, "task:")
    task = next((t for t in repo.active_tasks(ctx.s) if t.id == task_id), None)
    if task is None:
        return again(ctx, texts.EXPECT_CHOICE)
    data.update(task_id=task.id, task_label=task_label(task))
    return advance(ctx, data, "task")


def _text_or_error(ctx: Ctx, limit: int) -> tuple[Optional[str], list[Reply]]:
    if ctx.msg.kind != "text":
        return None, wrong_kind(ctx, texts.EXPECT_TEXT)
    text = ctx.msg.text.strip()
    if len(text) > limit:
        return None, again(ctx, texts.TOO_LONG.format(n=vn_number(len(text)), max=vn_number(limit)))
    return text, []


def step_content(ctx: Ctx, data: dict) -> list[Reply]:
    text, errors = _text_or_error(ctx, CONTENT_MAX)
    if text is None:
        return errors
    if len(text) < CONTENT_MIN:
        return again(ctx, texts.TOO_SHORT)
    data["content"] = text
    return advance(ctx, data, "content")


def step_participants(ctx: Ctx, data: dict) -> list[Reply]:
    msg = ctx.msg
    if (msg.kind == "choice" and msg.choice == "skip") or (
            msg.kind == "text" and means_none(msg.text)):
        data["participants"] = None
        return advance(ctx, data, "participants")
    if msg.kind != "text":
        return wrong_kind(ctx, texts.EXPECT_NUMBER_KIND)
    count = parse_count(msg.text)
    if count is None:
        return again(ctx, texts.EXPECT_NUMBER)
    if count > PARTICIPANTS_MAX:
        return again(ctx, texts.TOO_MANY.format(n=count))
    members = repo.unit_members(ctx.s, data["unit_id"])
    if members and far_above(count, members):
        return ask_step(ctx, "count_check", {**data, "_pending_count": count, "_members": members})
    data["participants"] = count
    return advance(ctx, data, "participants")


def far_above(count: int, members: int) -> bool:
    """More than three times the unit's size and more than 20 over it: worth a second look
    (a small branch plus guests is normal; 300 for a branch of 25 is likely a typo)."""
    return count > 3 * members and count > members + 20


def step_count_check(ctx: Ctx, data: dict) -> list[Reply]:
    msg = ctx.msg
    if msg.kind == "choice" and msg.choice == "count:ok":
        data["participants"] = data.pop("_pending_count")
        data.pop("_members", None)
        return advance(ctx, data, "participants")
    if msg.kind == "choice" and msg.choice == "count:retype":
        data.pop("_pending_count", None), data.pop("_members", None)
        return ask_step(ctx, "participants", data)
    if msg.kind == "text" and (parse_count(msg.text) is not None or means_none(msg.text)):
        data.pop("_pending_count", None), data.pop("_members", None)
        return step_participants(ctx, data)  # a new count typed instead of a button
    return again(ctx, texts.EXPECT_CHOICE)


def step_photos(ctx: Ctx, data: dict) -> list[Reply]:
    msg, photos = ctx.msg, list(data.get("photos", []))
    if msg.kind == "choice" and msg.choice == "done":
        if ctx.svc.require_photos and not photos:
            return again(ctx, texts.PHOTO_REQUIRED)
        return advance(ctx, data, "photos")
    if msg.kind != "photo":
        return wrong_kind(ctx, texts.EXPECT_PHOTO)
    if ctx.photo is None:
        return again(ctx, texts.PHOTO_UNREADABLE)
    if len(photos) >= ctx.svc.max_photos:
        return again(ctx, texts.PHOTO_LIMIT.format(max=ctx.svc.max_photos))
    sha = ctx.photo.sha256
    if sha in photos:
        return again(ctx, texts.PHOTO_DUPLICATE_IN_REPORT)
    if ctx.s.get(Media, sha) is None:
        ctx.s.add(Media(sha256=sha, path=ctx.photo.path, thumb_path=ctx.photo.thumb_path,
                        width=ctx.photo.width, height=ctx.photo.height,
                        size_bytes=ctx.photo.size_bytes))
    photos.append(sha)
    data["photos"] = photos
    ctx.ask(FLOW, "photos", data, prompt(ctx, "photos", data))  # stay, with the new photo
    replies = []
    earlier = repo.earlier_use_of_photo(ctx.s, sha, data.get("report_id"))
    if earlier:
        replies.append(Reply(texts.PHOTO_REUSED.format(receipt=earlier)))
    replies.append(Reply(texts.PHOTO_RECEIVED.format(n=len(photos), max=ctx.svc.max_photos),
                         choices=[Choice(texts.BTN_DONE, "done")]))
    return replies


def step_difficulties(ctx: Ctx, data: dict) -> list[Reply]:
    if (ctx.msg.kind == "choice" and ctx.msg.choice == "skip") or (
            ctx.msg.kind == "text" and means_none(ctx.msg.text)):
        data.update(difficulties=None, proposals=None)
        return advance(ctx, data, "difficulties")
    text, errors = _text_or_error(ctx, DIFFICULTIES_MAX)
    if text is None:
        return errors
    data["difficulties"], data["proposals"] = split_proposals(text)
    return advance(ctx, data, "difficulties")


def split_proposals(text: str) -> tuple[Optional[str], Optional[str]]:
    """Lines after an «Đề xuất:» marker are proposals; the rest are difficulties."""
    difficulties, proposals, into_proposals = [], [], False
    for line in text.splitlines():
        if _PROPOSAL_LINE.match(line):
            into_proposals = True
            line = _PROPOSAL_LINE.sub("", line)
        (proposals if into_proposals else difficulties).append(line)
    join = lambda lines: "\n".join(lines).strip() or None  # noqa: E731
    return join(difficulties), join(proposals)


def step_confirm(ctx: Ctx, data: dict) -> list[Reply]:
    choice = ctx.msg.choice if ctx.msg.kind == "choice" else ""
    if choice == "send":
        return submit(ctx, data)
    if choice == "edit":
        return ask_step(ctx, "edit", data)
    if choice == "cancel":
        return cancel(ctx)
    return again(ctx, texts.EXPECT_CHOICE)


def step_edit(ctx: Ctx, data: dict) -> list[Reply]:
    choice = ctx.msg.choice if ctx.msg.kind == "choice" else ""
    if choice == "back":
        return ask_step(ctx, "confirm", data)
    field = choice.removeprefix("field:")
    if field not in texts.FIELD_LABELS:
        return again(ctx, texts.EXPECT_CHOICE)
    data["_editing"] = True
    if field == "photos":
        data["photos"] = []
    return ask_step(ctx, field, data)


# --- saving ---------------------------------------------------------------------------------

def submit(ctx: Ctx, data: dict) -> list[Reply]:
    s, msg, now = ctx.s, ctx.msg, ctx.svc.clock()
    unit_id, unit_name = data["unit_id"], data["unit_name"]
    report = s.get(Report, data["report_id"]) if data.get("report_id") else None
    editing = report is not None
    answers = dict(task_id=data["task_id"], content=data["content"],
                   participants=data.get("participants"), difficulties=data.get("difficulties"),
                   proposals=data.get("proposals"), updated_at=now)
    if not editing:
        report = Report(receipt_code=repo.new_receipt_code(s), unit_id=unit_id,
                        platform=msg.platform, reporter_id=msg.user_id,
                        reporter_name=msg.user_name, period=data.get("period") or iso_week(now),
                        created_at=now, **answers)
        repo.insert_report(s, report)
    else:  # an edit, perhaps by another member of the unit: the reporter stays who sent it
        old_photos = repo.report_photos(s, report.id)
        keep_version(s, report, [p.sha256 for p in old_photos], msg.platform, msg.user_id,
                     msg.user_name, now)  # the office sees what the edit changed
        report.revision += 1
        for old in old_photos:
            s.delete(old)
        for name, value in answers.items():
            setattr(report, name, value)
        s.add(report)
        s.flush()
    for position, sha in enumerate(data.get("photos", [])):
        s.add(ReportPhoto(report_id=report.id, sha256=sha, position=position,
                          reused_from=repo.earlier_use_of_photo(s, sha, report.id)))
    ctx.end_dialog()
    template = texts.UPDATED if editing else texts.SAVED
    replies = [Reply(template.format(unit=unit_name, receipt=report.receipt_code,
                                     week=week_name(report.period)))]
    people = data.get("participants")
    line = (texts.GROUP_CONFIRM_UPDATED if editing else texts.GROUP_CONFIRM).format(
        unit=unit_name, task=data["task_label"], receipt=report.receipt_code,
        participants=texts.PEOPLE.format(n=people) if people is not None
        else texts.PEOPLE_UNKNOWN, photos=len(data.get("photos", [])))
    groups, office_chats = review_store.chats_around(s, unit_id)
    # One line to each group bound to the unit, whatever platform it is on.
    for group in groups:
        if (group.platform, group.chat_id) != (msg.platform, msg.chat_id):
            replies.append(Reply(line, chat_id=group.chat_id, platform=group.platform))
    from handlers import review  # the office chat above the unit reviews it (handlers/review/)
    return replies + review.after_submit(ctx, report, office_chats)


STEPS: dict[str, Callable[[Ctx, dict], list[Reply]]] = {
    "unit": step_unit, "week": step_week, "existing": step_existing, "task": step_task,
    "content": step_content, "participants": step_participants,
    "count_check": step_count_check, "photos": step_photos,
    "difficulties": step_difficulties, "confirm": step_confirm, "edit": step_edit,
}
