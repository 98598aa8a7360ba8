"""/giup and /trangthai."""
from __future__ import annotations

from handlers import texts
from handlers.context import Ctx
from handlers.messages import Reply
from storage import repo
from storage.catalog import task_display
from storage.clock import fmt_local, week_bounds
from storage.models import Task, Unit
from storage.weeks import WeekRule, load_week_rules

# /trangthai's deadline line, from the one deadline rule (storage.weeks).
STATUS_DEADLINE = "Hạn báo cáo: {deadline}."
STATUS_DEADLINE_PASSED = ("Đã quá hạn ({deadline}); báo cáo gửi từ nay được ghi là trễ hạn, "
                          "nhận đến {grace}.")


def help_text(ctx: Ctx) -> list[Reply]:
    """/giup: every command, in one message."""
    return [Reply(texts.HELP)]


def status(ctx: Ctx) -> list[Reply]:
    """/trangthai: this week's reports of the group's unit, or of each of the user's units
    (and last week's too until the grace window closes)."""
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
    now = ctx.svc.clock()
    rules = load_week_rules(ctx.s)
    parts = []
    for unit in units:
        rule = rules.for_unit(unit.id)
        # In the grace window last week is still being reported: show it before this week.
        for period in rule.weeks_to_choose(now):
            parts.append(unit_status(ctx, unit, period) + "\n" + deadline_line(rule, period, now))
    return [Reply("\n\n".join(parts))]


def deadline_line(rule: WeekRule, period: str, now) -> str:
    from handlers.weekly.texts import fmt_deadline
    if rule.is_open(period, now):
        return STATUS_DEADLINE.format(deadline=fmt_deadline(rule.deadline(period)))
    return STATUS_DEADLINE_PASSED.format(deadline=fmt_deadline(rule.deadline(period)),
                                         grace=fmt_deadline(rule.grace_end(period)))


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
            receipt=r.receipt_code, when=fmt_local(r.created_at), task=task_display(task),
            reporter=r.reporter_name or "?", participants=people,
            photos=len(repo.report_photos(ctx.s, r.id))))
    return "\n".join(lines) + goals
