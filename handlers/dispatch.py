"""Entry point of the core: one neutral message in, neutral replies out, in one transaction."""
from __future__ import annotations

import logging
from typing import Callable

from handlers import export_cmd, info, join, reminders, report, texts
from handlers.context import Ctx
from handlers.messages import Incoming, Reply
from handlers.services import Services
from handlers.textutil import fold, match_choice
from storage import repo
from storage.db import session_scope
from storage.media import NotAnImage, StoredPhoto

log = logging.getLogger(__name__)

Handler = Callable[[Ctx], list[Reply]]

# Every command, by feature: the one table a reader needs to find a command's code.
COMMANDS: dict[str, Handler] = {
    "start": join.start,
    "dangky": join.bind_group,
    "baocao": report.command,
    "sua": report.edit_latest,
    "huy": report.cancel,
    "trangthai": info.status,
    "giup": info.help_text,
    "help": info.help_text,
    "lichnhac": reminders.show_schedule,
    "xuat": export_cmd.command,
}
# Plain-text commands for platforms without a command menu (Zalo): folded text -> command.
ALIASES = {"bao cao": "baocao", "huy": "huy", "trang thai": "trangthai", "giup": "giup",
           "sua": "sua", "huong dan": "giup", "lich nhac": "lichnhac"}
# Choice data that work outside any dialog step: the report button, /xuat's period buttons.
GLOBAL_CHOICES = {"cmd:baocao": "baocao", **dict.fromkeys(export_cmd.CHOICE_DATA, "xuat")}
FLOWS: dict[str, Handler] = {report.FLOW: report.on_message}


async def handle(msg: Incoming, svc: Services) -> list[Reply]:
    """Handle one delivery exactly once; a repeated update_key yields no replies."""
    photo, photo_error = None, False
    if msg.kind == "photo" and msg.load_photo is not None and _awaits_photo(msg, svc):
        photo, photo_error = await _store_photo(msg, svc)
    with session_scope(svc.engine) as s:
        if not repo.claim_update(s, msg.platform, msg.update_key):
            log.info("duplicate update %s/%s ignored", msg.platform, msg.update_key)
            return []
        state = repo.get_state(s, msg.platform, msg.chat_id, msg.user_id)
        ctx = Ctx(s=s, svc=svc, msg=msg, state=state, photo=photo, photo_error=photo_error)
        return route(ctx)


def route(ctx: Ctx) -> list[Reply]:
    msg = ctx.msg
    if msg.kind == "unsupported":
        return [Reply(texts.UNSUPPORTED_SENDER)]
    command = msg.command
    in_dialog = bool(ctx.state and ctx.state.flow in FLOWS)
    if in_dialog and not command and msg.kind == "text":
        # An offered answer wins over a plain-word command ("sửa" at the summary edits this
        # draft), but a command word is never taken as the prefix of some menu entry.
        _resolve_typed_choice(ctx, prefix=fold(msg.text) not in ALIASES)
        msg = ctx.msg
    if msg.kind == "text" and fold(msg.text) in ALIASES and msg.chat_type == "private":
        command = ALIASES[fold(msg.text)]
    if msg.kind == "choice" and msg.choice in GLOBAL_CHOICES:
        command = GLOBAL_CHOICES[msg.choice]
    if command:
        handler = COMMANDS.get(command)
        if handler is None:
            return [Reply(texts.UNKNOWN_COMMAND.format(command=command[:32]))]
        return handler(ctx)
    if in_dialog:
        return FLOWS[ctx.state.flow](ctx)
    if msg.chat_type != "private":
        return []  # the bot does not chat in groups outside commands
    if msg.kind == "text" and join.looks_like_join_code(msg.text):
        return join.join_by_code(ctx, msg.text.strip())
    return [Reply(texts.IDLE_PRIVATE)]


def _resolve_typed_choice(ctx: Ctx, prefix: bool = True) -> None:
    """A typed answer to offered choices becomes that choice: in a menu the number, the code,
    the name or a unique prefix; for other buttons the label. Accents and case are ignored."""
    offered = ctx.state.data.get("_choices") or []
    index = match_choice(ctx.msg.text, [label for label, _ in offered],
                         numbered=bool(ctx.state.data.get("_menu")), prefix=prefix)
    if index is not None:
        ctx.with_choice(offered[index][1])


def _awaits_photo(msg: Incoming, svc: Services) -> bool:
    with session_scope(svc.engine) as s:
        state = repo.get_state(s, msg.platform, msg.chat_id, msg.user_id)
        return state is not None and state.step == "photos"


async def _store_photo(msg: Incoming, svc: Services) -> tuple[StoredPhoto | None, bool]:
    """Fetch the photo now (platform links expire) and keep it under MEDIA_DIR."""
    try:
        data = await msg.load_photo()
        return svc.media.save(data), False
    except NotAnImage:
        return None, True
    except Exception:  # network trouble: the user is asked to send it again
        log.exception("could not fetch photo of update %s", msg.update_key)
        return None, True
