"""Entry point of the core: one neutral message in, neutral replies out, in one transaction."""
from __future__ import annotations

import asyncio
import logging
from typing import Callable, Optional

from handlers import export_cmd, info, join, reminders, report, texts
from handlers.context import Ctx
from handlers.messages import Incoming, Reply
from handlers.sanitize import clean_incoming
from handlers.services import Services
from handlers.textutil import fold
from storage import repo
from sqlmodel import Session

from storage.db import session_scope
from storage.media import NotAnImage, StoredPhoto
from storage.models import DialogState

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


async def handle(msg: Incoming, svc: Services,
                 claim: Optional[Callable[[Session], bool]] = None) -> list[Reply]:
    """Handle one delivery exactly once; a repeated update_key yields no replies.

    The database work and photo processing run in worker threads, so a slow step never holds
    up the event loop (other users' updates, reminder pacing). `claim` replaces the
    processed-update claim (the webhook claims the update it stored, in the same transaction)."""
    msg = clean_incoming(msg)
    photo, photo_error = None, False
    if (msg.kind == "photo" and msg.load_photo is not None
            and await asyncio.to_thread(_awaits_photo, msg, svc)):
        photo, photo_error = await _store_photo(msg, svc)
    return await asyncio.to_thread(handle_now, msg, svc, photo, photo_error, claim)


def handle_now(msg: Incoming, svc: Services, photo: Optional[StoredPhoto] = None,
               photo_error: bool = False,
               claim: Optional[Callable[[Session], bool]] = None) -> list[Reply]:
    """The transaction of one delivery (blocking: call it from a worker thread)."""
    with session_scope(svc.engine) as s:
        claimed = claim(s) if claim is not None else repo.claim_update(s, msg.platform,
                                                                        msg.update_key)
        if not claimed:
            log.info("duplicate update %s/%s ignored", msg.platform, msg.update_key)
            return []
        # Locked on PostgreSQL: two processes handling one user's quick taps take turns
        # instead of both advancing the same step.
        state = s.get(DialogState, (msg.platform, msg.chat_id, msg.user_id),
                      with_for_update=True)
        ctx = Ctx(s=s, svc=svc, msg=msg, state=state, photo=photo, photo_error=photo_error)
        return route(ctx)


def route(ctx: Ctx) -> list[Reply]:
    msg = ctx.msg
    if msg.kind == "unsupported":
        return [Reply(texts.UNSUPPORTED_SENDER)]
    command = msg.command
    if msg.kind == "text" and fold(msg.text) in ALIASES and msg.chat_type == "private":
        command = ALIASES[fold(msg.text)]
    if msg.kind == "choice" and msg.choice in GLOBAL_CHOICES:
        command = GLOBAL_CHOICES[msg.choice]
    if command:
        handler = COMMANDS.get(command)
        if handler is None:
            return [Reply(texts.UNKNOWN_COMMAND.format(command=command[:32]))]
        return handler(ctx)
    if ctx.state and ctx.state.flow in FLOWS:
        _resolve_typed_choice(ctx)
        return FLOWS[ctx.state.flow](ctx)
    if msg.chat_type != "private":
        return []  # the bot does not chat in groups outside commands
    if msg.kind == "text" and join.looks_like_join_code(msg.text):
        return join.join_by_code(ctx, msg.text.strip())
    return [Reply(texts.IDLE_PRIVATE)]


def _resolve_typed_choice(ctx: Ctx) -> None:
    """Typed answers to offered choices: the number (menus only) or the label, accents ignored."""
    msg, data = ctx.msg, ctx.state.data
    if msg.kind != "text":
        return
    offered = data.get("_choices") or []
    typed = fold(msg.text)
    if data.get("_menu") and typed.isdigit() and 1 <= int(typed) <= len(offered):
        ctx.with_choice(offered[int(typed) - 1][1])
        return
    for label, value in offered:
        if typed and typed == fold(_strip_symbols(label)):
            ctx.with_choice(value)
            return


def _strip_symbols(label: str) -> str:
    return "".join(c for c in label if c.isalnum() or c.isspace() or c in "&-").strip()


def _awaits_photo(msg: Incoming, svc: Services) -> bool:
    with session_scope(svc.engine) as s:
        state = repo.get_state(s, msg.platform, msg.chat_id, msg.user_id)
        return state is not None and state.step == "photos"


async def _store_photo(msg: Incoming, svc: Services) -> tuple[StoredPhoto | None, bool]:
    """Fetch the photo now (platform links expire) and keep it under MEDIA_DIR."""
    try:
        data = await msg.load_photo()
        return await asyncio.to_thread(svc.media.save, data), False
    except NotAnImage:
        return None, True
    except Exception:  # network trouble: the user is asked to send it again
        log.exception("could not fetch photo of update %s", msg.update_key)
        return None, True
