"""/giup and /trangthai."""
from __future__ import annotations

from handlers import texts
from handlers.context import Ctx
from handlers.messages import Reply
from storage import repo
from storage.catalog import task_name
from storage.clock import fmt_local, iso_week, week_bounds
from storage.models import Task, Unit


def help_text(ctx: Ctx) -> list[Reply]:
    """/giup: every command, in one message."""
    return [Reply(texts.HELP)]


def status(ctx: Ctx) -> list[Reply]:
    """/trangthai: this week's reports of the group's unit, or of each of the user's units."""
    msg = ctx.msg
    if msg.chat_type == "private":
        units = [u for _, u in repo.memberships(ctx.s, msg.platform, msg.user_id)]
        if not units:
            return [Reply(texts.NOT_MEMBER)]
    else:
        binding = repo.binding_for_chat(ctx.s, msg.platform, msg.chat_id)
        if binding is None:
            return [Reply(texts.GROUP_NOT_BOUND)]
        units = [ctx.s.get(Unit, binding.unit_id)]
    period = iso_week(ctx.svc.clock())
    return [Reply("\n\n".join(unit_status(ctx, unit, period) for unit in units))]


def unit_status(ctx: Ctx, unit: Unit, period: str) -> str:
    monday, sunday = week_bounds(period)
    head = dict(period=period.split("-W")[1], start=monday.strftime("%d/%m"),
                end=sunday.strftime("%d/%m/%Y"), unit=unit.name)
    reports = repo.unit_reports(ctx.s, unit.id, period)
    from handlers.review.targets import status_lines  # yearly targets (handlers/review/)
    goals = "".join(f"\n{line}" for line in status_lines(ctx.s, unit, period))
    if not reports:
        return texts.STATUS_NONE.format(**head) + goals
    lines = [texts.STATUS_HEADER.format(n=len(reports), **head)]
    for r in reports:
        task = ctx.s.get(Task, r.task_id)
        people = (texts.PEOPLE.format(n=r.participants) if r.participants is not None
                  else texts.PEOPLE_UNKNOWN)
        lines.append(texts.STATUS_LINE.format(
            receipt=r.receipt_code, when=fmt_local(r.created_at), task=task_name(task.code, task.label),
            reporter=r.reporter_name or "?", participants=people,
            photos=len(repo.report_photos(ctx.s, r.id))))
    return "\n".join(lines) + goals
