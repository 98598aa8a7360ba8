"""The office chat's message about one report: its text and the buttons its status allows."""
from __future__ import annotations

from typing import Optional

from sqlmodel import Session

from handlers.messages import Choice, Reply
from handlers.review import texts
from storage import repo
from storage import review as store
from storage.catalog import task_display
from storage.clock import fmt_local, week_bounds
from storage.models import Report, Task, Unit

PREFIX = "rv:"
APPROVE, RETURN, COMMEND, SHARE, GUIDE, EDIT = "a", "r", "c", "s", "g", "e"
# Typed answers where there are no buttons: fixed numbers, so a repeated «1» never becomes
# another action once the buttons change (pending shows exactly 1-3, or 1-4 with difficulties).
TYPED_ORDER = [APPROVE, RETURN, COMMEND, GUIDE, SHARE]
LABELS = {APPROVE: texts.BTN_APPROVE, RETURN: texts.BTN_RETURN, COMMEND: texts.BTN_COMMEND,
          GUIDE: texts.BTN_GUIDE, SHARE: texts.BTN_SHARE}
# Platforms whose adapter edits a message in place; elsewhere a short new line is sent.
EDITABLE = {"telegram"}


def choice_data(action: str, report: Report) -> str:
    return f"{PREFIX}{action}:{report.id}:{report.revision}"


def parse_choice(data: str) -> Optional[tuple[str, int, int]]:
    parts = data.removeprefix(PREFIX).split(":")
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    return parts[0], int(parts[1]), int(parts[2])


def has_issues(report: Report) -> bool:
    return bool(report.difficulties or report.proposals)


def buttons(report: Report, review: store.ReportReview) -> list[Choice]:
    """What the office may still do: from «Chờ duyệt» everything; after «Duyệt» commend or
    guide; after «Biểu dương» share (once) or guide; a returned report waits for its revision."""
    status, out = review.status, []
    if status == store.PENDING:
        out += [Choice(texts.BTN_APPROVE, choice_data(APPROVE, report)),
                Choice(texts.BTN_RETURN, choice_data(RETURN, report))]
    if status in (store.PENDING, store.APPROVED):
        out.append(Choice(texts.BTN_COMMEND, choice_data(COMMEND, report)))
    if status == store.COMMENDED and review.shared_at is None:
        out.append(Choice(texts.BTN_SHARE, choice_data(SHARE, report)))
    if status != store.RETURNED and has_issues(report):
        out.append(Choice(texts.BTN_GUIDE, choice_data(GUIDE, report)))
    return out


def week_fields(period: str) -> dict:
    monday, sunday = week_bounds(period)
    return dict(week=period.split("-W")[1], start=monday.strftime("%d/%m"),
                end=sunday.strftime("%d/%m/%Y"))


def people(n: Optional[int]) -> str:
    return texts.PEOPLE.format(n=n) if n is not None else texts.PEOPLE_UNKNOWN


def message_text(s: Session, report: Report, review: store.ReportReview, platform: str) -> str:
    unit, task = s.get(Unit, report.unit_id), s.get(Task, report.task_id)
    head = texts.POST_REVISED if report.revision > 1 else texts.POST_NEW
    lines = [head.format(receipt=report.receipt_code, revision=report.revision,
                         **week_fields(report.period)),
             texts.POST_BODY.format(
                 unit=unit.name, task=task_display(task), content=report.content,
                 participants=report.participants if report.participants is not None
                 else texts.NOT_GIVEN,
                 photos=len(repo.report_photos(s, report.id)))]
    if report.difficulties:
        lines.append(texts.POST_DIFFICULTIES.format(text=report.difficulties))
    if report.proposals:
        lines.append(texts.POST_PROPOSALS.format(text=report.proposals))
    label = store.STATUS_LABELS[review.status]
    if review.status == store.PENDING or not review.acted_at:
        lines.append(texts.POST_STATUS.format(status=label))
    else:
        lines.append(texts.POST_STATUS_BY.format(status=label, name=review.acted_by_name or "?",
                                                 when=fmt_local(review.acted_at)))
    if review.status == store.RETURNED and review.reason:
        lines.append(texts.POST_REASON.format(reason=review.reason))
    if review.shared_at:
        lines.append(texts.POST_SHARED.format(when=fmt_local(review.shared_at)))
    for g in store.guidance_for(s, [report.id]).get(report.id, []):
        lines.append(texts.POST_GUIDANCE.format(name=g.actor_name or "?",
                                                when=fmt_local(g.created_at), text=g.text))
    if platform not in EDITABLE and buttons(report, review):
        lines.append(texts.POST_TYPED_HINT.format(receipt=report.receipt_code))
    return "\n".join(lines)


def office_message(s: Session, report: Report, review: store.ReportReview, platform: str,
                   chat_id: str, edit_of: Optional[tuple[str, str, str]] = None) -> Reply:
    return Reply(message_text(s, report, review, platform), choices=buttons(report, review),
                 menu=True, platform=platform, chat_id=chat_id, edit_of=edit_of)
