"""/start (join a unit by code, deep links) and /dangky (bind a group to a unit)."""
from __future__ import annotations

from handlers import texts, web_login
from handlers.context import Ctx
from handlers.messages import Choice, Reply
from storage import repo

REPORT_PAYLOAD = "bc_"  # /start bc_<join code>: open the report dialog for that unit


def start(ctx: Ctx) -> list[Reply]:
    """/start [code]: greet, join a unit, or open a report from a group's button."""
    msg = ctx.msg
    if msg.chat_type != "private":
        return [Reply(texts.PRIVATE_ONLY)]
    payload = msg.args.strip().split()[0] if msg.args.strip() else ""
    if not payload:
        units = repo.memberships(ctx.s, msg.platform, msg.user_id)
        if not units:
            return [Reply(texts.NEED_JOIN_CODE)]
        names = ", ".join(u.name for _, u in units)
        return [Reply(texts.GREETING_MEMBER.format(name=msg.user_name, units=names),
                      choices=[Choice(texts.BTN_REPORT, "cmd:baocao")])]
    if payload.startswith(web_login.INVITE_PAYLOAD):  # an office staff invite from the console
        return web_login.accept_invite(ctx, payload[len(web_login.INVITE_PAYLOAD):])
    wants_report = payload.lower().startswith(REPORT_PAYLOAD)
    code = payload[len(REPORT_PAYLOAD):] if wants_report else payload
    return join_by_code(ctx, code, then_report=wants_report)


def join_by_code(ctx: Ctx, code: str, then_report: bool = False) -> list[Reply]:
    msg = ctx.msg
    unit = repo.unit_by_join_code(ctx.s, code)
    if unit is None:
        return [Reply(texts.BAD_JOIN_CODE.format(code=code[:32]))]
    created = repo.join_unit(ctx.s, msg.platform, msg.user_id, unit, msg.user_name, msg.chat_id)
    if then_report:
        from handlers.report import begin_for_unit
        return begin_for_unit(ctx, unit)
    template = texts.GREETING_NEW if created else texts.GREETING_AGAIN
    return [Reply(template.format(name=msg.user_name or "", unit=unit.name).replace("  ", " "),
                  choices=[Choice(texts.BTN_REPORT, "cmd:baocao")])]


def looks_like_join_code(text: str) -> bool:
    text = text.strip().upper()
    return len(text) == 8 and all(c in repo.CODE_ALPHABET for c in text)


def bind_group(ctx: Ctx) -> list[Reply]:
    """/dangky <code>: office staff or the unit's secretary binds this group to the unit."""
    msg = ctx.msg
    if msg.chat_type == "private":
        return [Reply(texts.BIND_GROUP_ONLY)]
    parts = msg.args.split()
    if not parts:
        return [Reply(texts.BIND_USAGE)]
    unit = repo.unit_by_join_code(ctx.s, parts[0])
    if unit is None:
        return [Reply(texts.BAD_JOIN_CODE.format(code=parts[0][:32]))]
    from handlers.weekly import commands as weekly  # `/dangky <code> vanphong`: office chat
    if weekly.wants_office(parts):
        return weekly.bind_office(ctx, unit)
    if not may_manage(ctx, unit.id):
        return [Reply(texts.BIND_NOT_ALLOWED.format(unit=unit.name))]
    repo.bind_chat(ctx.s, msg.platform, msg.chat_id, unit, msg.chat_title, msg.user_id)
    return [Reply(texts.BIND_DONE.format(unit=unit.name))]


def may_manage(ctx: Ctx, unit_id: int) -> bool:
    """Office staff whose subtree holds the unit, or the unit's secretary."""
    msg = ctx.msg
    is_office, root = repo.admin_scope(ctx.s, msg.platform, msg.user_id, ctx.svc.env_admins)
    if is_office and (root is None or unit_id in repo.subtree_ids(ctx.s, root)):
        return True
    return any(role == "secretary" and u.id == unit_id
               for role, u in repo.memberships(ctx.s, msg.platform, msg.user_id))
