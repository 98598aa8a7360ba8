"""What happens when the office presses «Duyệt», «Trả lại», «Biểu dương», «Cho ý kiến» or
«Chia sẻ để nhân rộng», and when a reporter presses «Sửa báo cáo»."""
from __future__ import annotations

import re
from typing import Optional

from sqlmodel import select

from handlers.context import Ctx
from handlers.messages import Choice, Reply
from handlers.review import post, texts
from handlers.review.post import APPROVE, COMMEND, EDIT, GUIDE, RETURN, SHARE
from handlers.textutil import fold
from storage import repo
from storage import review as store
from storage.catalog import task_display
from storage.models import Member, Report, Task, Unit

FLOW = "review"
CONTENT_QUOTE = 160
_RECEIPT = re.compile(r"\bBC-[A-Z0-9]{6}\b", re.I)


# --- permission and helpers -----------------------------------------------------------------

def actor(ctx: Ctx) -> str:
    return f"{ctx.msg.platform}:{ctx.msg.user_id}"


def may_review(ctx: Ctx, unit_id: int) -> bool:
    """Office staff whose subtree holds the unit (a whole-tree admin holds every unit)."""
    is_office, root = repo.admin_scope(ctx.s, ctx.msg.platform, ctx.msg.user_id,
                                       ctx.svc.env_admins)
    return is_office and (root is None or unit_id in repo.subtree_ids(ctx.s, root))


def office_unit(ctx: Ctx, unit: Unit) -> Unit:
    """The office speaking: this chat's office unit, else the nearest one above the unit."""
    binding = repo.binding_for_chat(ctx.s, ctx.msg.platform, ctx.msg.chat_id)
    if binding is not None and binding.purpose == "office":
        return ctx.s.get(Unit, binding.unit_id)
    above, _ = store.office_chats_above(ctx.s, unit)
    if above is not None:
        return above
    return ctx.s.get(Unit, unit.parent_id) if unit.parent_id else unit


def quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= CONTENT_QUOTE else text[:CONTENT_QUOTE - 1] + "…"


def task_of(ctx: Ctx, report: Report) -> str:
    task = ctx.s.get(Task, report.task_id)
    return task_display(task)


def reporter_chat(ctx: Ctx, report: Report) -> str:
    member = ctx.s.exec(select(Member).where(Member.platform == report.platform,
                                             Member.user_id == report.reporter_id,
                                             Member.unit_id == report.unit_id)).first()
    return member.chat_id if member else report.reporter_id


def unit_or_reporter(ctx: Ctx, report: Report, text: str) -> list[Reply]:
    """A message to the unit's groups, or to the reporter in private when it has none."""
    groups = repo.groups_of_unit(ctx.s, report.unit_id)
    if groups:
        return [Reply(text, platform=g.platform, chat_id=g.chat_id) for g in groups]
    return [Reply(text, platform=report.platform, chat_id=reporter_chat(ctx, report))]


def show_change(ctx: Ctx, report: Report, short: str, edit_of: Optional[list] = None
                ) -> list[Reply]:
    """Edit the office message the button was on; where that cannot be edited, a short line."""
    review = store.review_of(ctx.s, report.id)
    target = tuple(edit_of) if edit_of else None
    if target is None and ctx.msg.message_id and ctx.msg.platform in post.EDITABLE:
        target = (ctx.msg.platform, ctx.msg.chat_id, ctx.msg.message_id)
    if target is not None and target[0] in post.EDITABLE:
        return [post.office_message(ctx.s, report, review, target[0], target[1],
                                    edit_of=target)]
    platform, chat_id = (target[0], target[1]) if target else (ctx.msg.platform, ctx.msg.chat_id)
    return [Reply(short, platform=platform, chat_id=chat_id)]


def short_line(ctx: Ctx, report: Report, status: str) -> str:
    unit = ctx.s.get(Unit, report.unit_id)
    return texts.SHORT_LINE.format(icon=texts.ICONS.get(status, "•"), receipt=report.receipt_code,
                                   unit=unit.name, status=store.STATUS_LABELS[status],
                                   name=ctx.msg.user_name or ctx.msg.user_id)


# --- buttons --------------------------------------------------------------------------------

def on_choice(ctx: Ctx) -> list[Reply]:
    """A review button (or its typed equivalent on text platforms)."""
    parsed = post.parse_choice(ctx.msg.choice)
    report = ctx.s.get(Report, parsed[1]) if parsed else None
    if report is None:
        return [Reply(texts.NO_REPORT)]
    action, _, revision = parsed
    if action == EDIT:
        return open_for_edit(ctx, report)
    unit = ctx.s.get(Unit, report.unit_id)
    if not may_review(ctx, unit.id):
        return [Reply(texts.NOT_ALLOWED.format(unit=unit.name))]
    if revision != report.revision:
        return [Reply(texts.STALE.format(receipt=report.receipt_code))]
    handler = {APPROVE: approve, COMMEND: commend, SHARE: share,
               RETURN: ask_reason, GUIDE: ask_guidance}.get(action)
    return handler(ctx, report) if handler else [Reply(texts.NO_REPORT)]


def approve(ctx: Ctx, report: Report) -> list[Reply]:
    now = ctx.svc.clock()
    if not store.transition(ctx.s, report.id, report.revision, [store.PENDING], store.APPROVED,
                            actor(ctx), ctx.msg.user_name, now):
        return []  # a double tap or a second reviewer: the first one already spoke
    store.record(ctx.s, "approve", actor(ctx), ctx.msg.user_name, report_id=report.id,
                 unit_id=report.unit_id, now=now)
    return show_change(ctx, report, short_line(ctx, report, store.APPROVED))


def commend(ctx: Ctx, report: Report) -> list[Reply]:
    now = ctx.svc.clock()
    if not store.transition(ctx.s, report.id, report.revision, [store.PENDING, store.APPROVED],
                            store.COMMENDED, actor(ctx), ctx.msg.user_name, now):
        return []
    store.record(ctx.s, "commend", actor(ctx), ctx.msg.user_name, report_id=report.id,
                 unit_id=report.unit_id, now=now)
    unit = ctx.s.get(Unit, report.unit_id)
    thanks = texts.THANKS_TO_UNIT.format(office=office_unit(ctx, unit).name, unit=unit.name,
                                         content=quote(report.content), task=task_of(ctx, report))
    short = short_line(ctx, report, store.COMMENDED) + "\n" + texts.SHARE_TYPED_HINT.format(
        receipt=report.receipt_code)
    return show_change(ctx, report, short) + unit_or_reporter(ctx, report, thanks)


def share(ctx: Ctx, report: Report) -> list[Reply]:
    now = ctx.svc.clock()
    if not store.mark_shared(ctx.s, report.id, report.revision, now):
        return []
    unit = ctx.s.get(Unit, report.unit_id)
    siblings = [u for u in repo.all_units(ctx.s)
                if u.parent_id == unit.parent_id and u.id != unit.id] if unit.parent_id else []
    text = texts.SHARE_TO_SIBLING.format(unit=unit.name, task=task_of(ctx, report),
                                         content=quote(report.content),
                                         participants=post.people(report.participants),
                                         office=office_unit(ctx, unit).name)
    out = [Reply(text, platform=g.platform, chat_id=g.chat_id)
           for sibling in siblings for g in repo.groups_of_unit(ctx.s, sibling.id)]
    store.record(ctx.s, "share", actor(ctx), ctx.msg.user_name, detail=f"{len(out)} nhóm",
                 report_id=report.id, unit_id=report.unit_id, now=now)
    short = texts.SHORT_SHARED.format(receipt=report.receipt_code, unit=unit.name, n=len(out))
    return show_change(ctx, report, short) + out


# --- «Trả lại» and «Cho ý kiến»: one question, one answer -------------------------------------

def _ask(ctx: Ctx, report: Report, step: str, template: str) -> list[Reply]:
    unit = ctx.s.get(Unit, report.unit_id)
    edit_of = ([ctx.msg.platform, ctx.msg.chat_id, ctx.msg.message_id]
               if ctx.msg.message_id else None)
    ctx.ask(FLOW, step, {"report_id": report.id, "revision": report.revision,
                         "edit_of": edit_of},
            Reply(""))
    text = template.format(receipt=report.receipt_code, unit=unit.name)
    if ctx.msg.platform not in post.EDITABLE:
        text += "\n" + texts.ANSWER_TYPED_HINT.format(receipt=report.receipt_code)
    return [Reply(text, force_reply=True)]


def ask_reason(ctx: Ctx, report: Report) -> list[Reply]:
    review = store.review_of(ctx.s, report.id)
    if review is None or review.status != store.PENDING:
        return []  # someone already decided; the message shows who
    return _ask(ctx, report, "reason", texts.ASK_REASON)


def ask_guidance(ctx: Ctx, report: Report) -> list[Reply]:
    if not post.has_issues(report):
        return []
    return _ask(ctx, report, "guidance", texts.ASK_GUIDANCE)


def on_message(ctx: Ctx) -> list[Reply]:
    """The reviewer's answer: the reason for returning, or the guidance."""
    data, step = ctx.data, ctx.state.step
    if ctx.msg.kind != "text" or not ctx.msg.text.strip():
        return [Reply(texts.EXPECT_TEXT.format(max=texts.REASON_MAX), force_reply=True)]
    report = ctx.s.get(Report, data.get("report_id") or 0)
    answer = _answer_text(ctx.msg.text.strip(), report.receipt_code if report else "")
    if not answer or len(answer) > texts.REASON_MAX:
        return [Reply(texts.EXPECT_TEXT.format(max=texts.REASON_MAX), force_reply=True)]
    ctx.end_dialog()
    if report is None:
        return [Reply(texts.NO_REPORT)]
    unit = ctx.s.get(Unit, report.unit_id)
    if not may_review(ctx, unit.id):  # rights may have been taken away meanwhile
        return [Reply(texts.NOT_ALLOWED.format(unit=unit.name))]
    if data.get("revision") != report.revision:
        return [Reply(texts.STALE.format(receipt=report.receipt_code))]
    return (give_reason if step == "reason" else give_guidance)(
        ctx, report, unit, answer, data.get("edit_of"))


def give_reason(ctx: Ctx, report: Report, unit: Unit, reason: str, edit_of) -> list[Reply]:
    now = ctx.svc.clock()
    if not store.transition(ctx.s, report.id, report.revision, [store.PENDING], store.RETURNED,
                            actor(ctx), ctx.msg.user_name, now, reason=reason):
        review = store.review_of(ctx.s, report.id)
        return [Reply(texts.ALREADY_DONE.format(receipt=report.receipt_code,
                                                status=store.STATUS_LABELS[review.status]))]
    store.record(ctx.s, "return", actor(ctx), ctx.msg.user_name, detail=reason,
                 report_id=report.id, unit_id=unit.id, now=now)
    text = texts.TO_REPORTER_RETURNED.format(
        office=office_unit(ctx, unit).name, receipt=report.receipt_code, unit=unit.name,
        task=task_of(ctx, report), reason=reason, week=post.week_fields(report.period)["week"])
    buttons = [Choice(texts.BTN_EDIT_REPORT, post.choice_data(EDIT, report))]
    if report.platform not in post.EDITABLE:  # no buttons there: say what to type
        text += "\n" + texts.TO_REPORTER_TYPED.format(receipt=report.receipt_code)
        buttons = []
    to_reporter = Reply(
        text, choices=buttons,
        platform=report.platform, chat_id=reporter_chat(ctx, report))
    return (show_change(ctx, report, short_line(ctx, report, store.RETURNED), edit_of)
            + [to_reporter])


def give_guidance(ctx: Ctx, report: Report, unit: Unit, text: str, edit_of) -> list[Reply]:
    now = ctx.svc.clock()
    office = office_unit(ctx, unit)
    store.add_guidance(ctx.s, report.id, office.id, text, actor(ctx), ctx.msg.user_name, now)
    store.record(ctx.s, "guidance", actor(ctx), ctx.msg.user_name, detail=text,
                 report_id=report.id, unit_id=unit.id, now=now)
    ctx.s.flush()
    topic = quote(report.proposals or report.difficulties or report.content)
    message = texts.GUIDANCE_TO_UNIT.format(office=office.name, text=text,
                                            receipt=report.receipt_code, unit=unit.name,
                                            topic=topic)
    short = texts.SHORT_GUIDED.format(receipt=report.receipt_code, unit=unit.name)
    return show_change(ctx, report, short, edit_of) + unit_or_reporter(ctx, report, message)


def _answer_text(text: str, receipt: str) -> str:
    """The answer itself: after «BC-…:» when given (a Zalo @mention may be several words),
    else without a leading one-word @mention."""
    at = text.upper().find(receipt) if receipt else -1
    if at >= 0:
        return text[at + len(receipt):].strip(" :-–\n")
    return _strip_mention(text).strip()


def _strip_mention(text: str) -> str:
    """Zalo group messages reach the bot only with a leading @mention."""
    return re.sub(r"^@\S+\s+", "", text) if text.startswith("@") else text


# --- «Sửa báo cáo»: the returned report opens in the ordinary edit dialog ---------------------

def open_for_edit(ctx: Ctx, report: Report) -> list[Reply]:
    from handlers import report as report_dialog  # the dialog module imports this package
    msg = ctx.msg
    if (msg.platform, msg.user_id) != (report.platform, report.reporter_id):
        return [Reply(texts.EDIT_NOT_YOURS.format(receipt=report.receipt_code))]
    unit, task = ctx.s.get(Unit, report.unit_id), ctx.s.get(Task, report.task_id)
    data = {
        "report_id": report.id, "receipt": report.receipt_code,
        "unit_id": unit.id, "unit_name": unit.name,
        "task_id": task.id, "task_label": report_dialog.task_label(task),
        "content": report.content, "participants": report.participants,
        "difficulties": report.difficulties, "proposals": report.proposals,
        "photos": [p.sha256 for p in repo.report_photos(ctx.s, report.id)],
    }
    return ([Reply(texts.EDIT_OPENED.format(receipt=report.receipt_code))]
            + report_dialog.ask_step(ctx, "confirm", data))


# --- typed answers on platforms without buttons ---------------------------------------------

def typed_choice(ctx: Ctx) -> Optional[str]:
    """«2 BC-7K3QXM» or «duyệt BC-7K3QXM» (or «sua BC-7K3QXM» for the reporter) -> the data of
    that report's button; None when the text is not about a report."""
    if ctx.msg.kind != "text":
        return None
    found = _RECEIPT.search(ctx.msg.text)
    if not found:
        return None
    report = ctx.s.exec(select(Report).where(
        Report.receipt_code == found.group(0).upper())).first()
    if report is None:
        return None
    rest = fold(_strip_mention(_RECEIPT.sub(" ", ctx.msg.text)).strip(" .:-"))
    if rest in ("sua", "sua bao cao") or rest.endswith((" sua", " sua bao cao")):
        return post.choice_data(EDIT, report)
    if store.review_of(ctx.s, report.id) is None:
        return None
    number = re.search(r"(?:^|\s)(\d{1,2})$", rest)  # after a Zalo @mention of any length
    if number and 1 <= int(number.group(1)) <= len(post.TYPED_ORDER):
        return post.choice_data(post.TYPED_ORDER[int(number.group(1)) - 1], report)
    for action, label in post.LABELS.items():
        label = fold(_plain(label))
        if rest and (rest == label or rest.endswith(" " + label)):
            return post.choice_data(action, report)
    return None


def _plain(label: str) -> str:
    return "".join(c for c in label if c.isalnum() or c.isspace()).strip()
