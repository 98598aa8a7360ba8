"""/baocao and /sua: the guided report dialog (task, content, people, photos, difficulties)."""
from __future__ import annotations

import re
from typing import Callable, Optional

from handlers import texts
from handlers.choices import choice_id
from handlers.context import Ctx
from handlers.messages import Choice, Reply
from handlers.textutil import parse_count
from storage import repo
from storage.clock import iso_week
from storage.models import Media, Report, ReportPhoto, Task, Unit

FLOW = "report"
ORDER = ["task", "content", "participants", "photos", "difficulties", "confirm"]
CONTENT_MIN, CONTENT_MAX = 3, 1500
DIFFICULTIES_MAX = 1000
PARTICIPANTS_MAX = 100_000
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
    if not repo.active_tasks(ctx.s):
        return [Reply(texts.NO_TASKS)]
    return ask_step(ctx, "task", {"unit_id": unit.id, "unit_name": unit.name, "photos": []})


def edit_latest(ctx: Ctx) -> list[Reply]:
    """/sua: reopen this week's latest report of the user, pre-filled, at the summary."""
    msg = ctx.msg
    if msg.chat_type != "private":
        return [Reply(texts.PRIVATE_ONLY)]
    report = repo.latest_report_by(ctx.s, msg.platform, msg.user_id, iso_week(ctx.svc.clock()))
    if report is None:
        return [Reply(texts.NOTHING_TO_EDIT)]
    unit, task = ctx.s.get(Unit, report.unit_id), ctx.s.get(Task, report.task_id)
    data = {
        "report_id": report.id, "receipt": report.receipt_code,
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

def task_label(task: Task) -> str:
    return f"{task.code} {task.label}"


def prompt(ctx: Ctx, step: str, data: dict) -> Reply:
    if step == "unit":
        units = repo.memberships(ctx.s, ctx.msg.platform, ctx.msg.user_id)
        return Reply(texts.ASK_UNIT, menu=True,
                     choices=[Choice(u.name, f"unit:{u.id}") for _, u in units])
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


def summary(data: dict) -> str:
    people = data.get("participants")
    return texts.SUMMARY.format(
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
    """Explain what the step expects and stay on it; the step's buttons come along."""
    data = ctx.data
    choices = [Choice(label, value) for label, value in data.get("_choices", [])]
    return [Reply(text, choices=choices, menu=bool(data.get("_menu")))]


def wrong_kind(ctx: Ctx, template: str) -> list[Reply]:
    if ctx.msg.kind == "choice":
        return again(ctx, texts.STALE_CHOICE)
    return again(ctx, template.format(what=texts.KIND_NAMES.get(ctx.msg.kind, "loại tin này")))


# --- steps ----------------------------------------------------------------------------------

def step_unit(ctx: Ctx, data: dict) -> list[Reply]:
    unit_id = choice_id(ctx.msg.choice, "unit") if ctx.msg.kind == "choice" else None
    if unit_id is None:
        return again(ctx, texts.EXPECT_CHOICE)
    for _, unit in repo.memberships(ctx.s, ctx.msg.platform, ctx.msg.user_id):
        if unit.id == unit_id:
            return begin_for_unit(ctx, unit)
    return again(ctx, texts.STALE_CHOICE)


def step_task(ctx: Ctx, data: dict) -> list[Reply]:
    task_id = choice_id(ctx.msg.choice, "task") if ctx.msg.kind == "choice" else None
    if task_id is None:
        return again(ctx, texts.EXPECT_CHOICE)
    task = next((t for t in repo.active_tasks(ctx.s) if t.id == task_id), None)
    if task is None:
        return again(ctx, texts.STALE_CHOICE)
    data.update(task_id=task.id, task_label=task_label(task))
    return advance(ctx, data, "task")


def _text_or_error(ctx: Ctx, limit: int) -> tuple[Optional[str], list[Reply]]:
    if ctx.msg.kind != "text":
        return None, wrong_kind(ctx, texts.EXPECT_TEXT)
    text = ctx.msg.text.strip()
    if len(text) > limit:
        return None, again(ctx, texts.TOO_LONG.format(n=f"{len(text):,}".replace(",", "."),
                                                      max=f"{limit:,}".replace(",", ".")))
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
    if msg.kind == "choice" and msg.choice == "skip":
        data["participants"] = None
        return advance(ctx, data, "participants")
    if msg.kind != "text":
        return wrong_kind(ctx, texts.EXPECT_NUMBER_KIND)
    count = parse_count(msg.text)
    if count is None:
        return again(ctx, texts.EXPECT_NUMBER)
    if count > PARTICIPANTS_MAX:
        return again(ctx, texts.TOO_MANY.format(n=count))
    data["participants"] = count
    return advance(ctx, data, "participants")


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
    if ctx.msg.kind == "choice" and ctx.msg.choice == "skip":
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
    unit = s.get(Unit, data["unit_id"])
    report = s.get(Report, data["report_id"]) if data.get("report_id") else None
    editing = report is not None
    if report is None:
        report = Report(receipt_code=repo.new_receipt_code(s), unit_id=unit.id,
                        task_id=data["task_id"], platform=msg.platform, reporter_id=msg.user_id,
                        content="", period=iso_week(now), created_at=now)
    else:
        report.revision += 1
        for old in repo.report_photos(s, report.id):
            s.delete(old)
    report.reporter_name = msg.user_name or report.reporter_name
    report.task_id, report.content = data["task_id"], data["content"]
    report.participants, report.updated_at = data.get("participants"), now
    report.difficulties, report.proposals = data.get("difficulties"), data.get("proposals")
    s.add(report)
    s.flush()
    for position, sha in enumerate(data.get("photos", [])):
        s.add(ReportPhoto(report_id=report.id, sha256=sha, position=position,
                          reused_from=repo.earlier_use_of_photo(s, sha, report.id)))
    ctx.end_dialog()
    template = texts.UPDATED if editing else texts.SAVED
    replies = [Reply(template.format(unit=unit.name, receipt=report.receipt_code))]
    people = data.get("participants")
    line = (texts.GROUP_CONFIRM_UPDATED if editing else texts.GROUP_CONFIRM).format(
        unit=unit.name, task=data["task_label"], receipt=report.receipt_code,
        participants=texts.PEOPLE.format(n=people) if people is not None
        else texts.PEOPLE_UNKNOWN, photos=len(data.get("photos", [])))
    # One line to each group bound to the unit, whatever platform it is on.
    for group in repo.groups_of_unit(s, unit.id):
        if (group.platform, group.chat_id) != (msg.platform, msg.chat_id):
            replies.append(Reply(line, chat_id=group.chat_id, platform=group.platform))
    return replies


STEPS: dict[str, Callable[[Ctx, dict], list[Reply]]] = {
    "unit": step_unit, "task": step_task, "content": step_content,
    "participants": step_participants, "photos": step_photos,
    "difficulties": step_difficulties, "confirm": step_confirm, "edit": step_edit,
}
