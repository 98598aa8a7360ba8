"""The weekly cycle's chat commands: /lichnhac and `/dangky <code> vanphong` (the office chat)."""
from __future__ import annotations

from typing import Optional

from handlers.context import Ctx
from handlers.messages import Reply
from handlers.textutil import fold
from handlers.weekly.schedule import load_calendar
from handlers.weekly.texts import (OFFICE_DONE, OFFICE_NOT_ALLOWED, OFFICE_WORDS,
                                   SCHEDULE_NO_UNIT, schedule_text)
from storage import repo
from storage.models import Unit


def show_schedule(ctx: Ctx) -> list[Reply]:
    """/lichnhac: the schedule of this chat's unit (office chat, unit group, or own unit)."""
    msg = ctx.msg
    unit: Optional[Unit] = None
    whole_tree = False
    if msg.chat_type != "private":
        binding = repo.binding_for_chat(ctx.s, msg.platform, msg.chat_id)
        unit = ctx.s.get(Unit, binding.unit_id) if binding else None
    else:
        is_office, root = repo.admin_scope(ctx.s, msg.platform, msg.user_id, ctx.svc.env_admins)
        if is_office:
            unit, whole_tree = (ctx.s.get(Unit, root) if root else None), root is None
        else:
            units = repo.memberships(ctx.s, msg.platform, msg.user_id)
            unit = units[0][1] if units else None
    if unit is None and not whole_tree:
        return [Reply(SCHEDULE_NO_UNIT)]
    return [Reply(schedule_text(load_calendar(ctx.s), unit, ctx.svc.clock()))]


def bind_office(ctx: Ctx, unit: Unit) -> list[Reply]:
    """/dangky <code> vanphong: office staff make this group the unit's office chat."""
    msg = ctx.msg
    is_office, root = repo.admin_scope(ctx.s, msg.platform, msg.user_id, ctx.svc.env_admins)
    if not is_office or (root is not None and unit.id not in repo.subtree_ids(ctx.s, root)):
        return [Reply(OFFICE_NOT_ALLOWED.format(unit=unit.name))]
    repo.bind_chat(ctx.s, msg.platform, msg.chat_id, unit, msg.chat_title, msg.user_id,
                   purpose="office")
    return [Reply(OFFICE_DONE.format(unit=unit.name))]


def wants_office(args: list[str]) -> bool:
    """`/dangky <code> vanphong`: the words after the code ask for an office chat."""
    return len(args) > 1 and fold(" ".join(args[1:])) in OFFICE_WORDS
