"""Entry point of the core: one neutral message in, neutral replies out, in one transaction."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Callable, Optional

from handlers import export_cmd, info, join, report, review, texts, web_login
from handlers.weekly import commands as weekly
from handlers.context import Ctx
from handlers.messages import Choice, Incoming, Reply
from handlers.sanitize import clean_incoming
from handlers.services import Services
from handlers.textutil import fold, match_choice
from storage import repo
from sqlmodel import Session

from storage.db import session_scope, step_scope
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
    "lichnhac": weekly.show_schedule,
    "xuat": export_cmd.command,
    "web": web_login.command,
}
# Plain-text commands for platforms without a command menu (Zalo): folded text -> command.
ALIASES = {"bao cao": "baocao", "huy": "huy", "trang thai": "trangthai", "giup": "giup",
           "sua": "sua", "huong dan": "giup", "lich nhac": "lichnhac"}
# Choice data that work outside any dialog step: the report button, /xuat's period buttons.
GLOBAL_CHOICES = {"cmd:baocao": "baocao", **dict.fromkeys(export_cmd.CHOICE_DATA, "xuat")}
FLOWS: dict[str, Handler] = {report.FLOW: report.on_message, review.FLOW: review.on_message}
# What each flow asks at a step, to ask again when a message cannot answer it.
PROMPTS = {report.FLOW: report.prompt}
CAPTION_CHOICE = "caption"
CAPTION_STEPS = ("content", "difficulties")  # steps a photo's caption may answer
CAPTION_SHOWN = 60


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
    with step_scope(svc.engine) as s:
        claimed = claim(s) if claim is not None else repo.claim_update(s, msg.platform,
                                                                        msg.update_key)
        if not claimed:
            log.info("duplicate update %s/%s ignored", msg.platform, msg.update_key)
            return []
        state = repo.get_state(s, msg.platform, msg.chat_id, msg.user_id, lock=True)
        ctx = Ctx(s=s, svc=svc, msg=msg, state=state, photo=photo, photo_error=photo_error)
        replies = route(ctx)
        ctx.store_state()
        return replies


def route(ctx: Ctx) -> list[Reply]:
    msg = ctx.msg
    if msg.kind == "voice":
        return [Reply(texts.VOICE_NOT_HEARD), *_prompt_again(ctx)]
    if msg.kind == "unsupported":
        if _in_flow(ctx):  # a file, link card or contact card mid-dialog
            return [Reply(texts.UNSUPPORTED_IN_DIALOG), *_prompt_again(ctx)]
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
    elif msg.kind == "choice" and msg.choice.startswith(export_cmd.PREFIX):
        command = "xuat"  # /xuat's format buttons carry the period: xuat:<period>:<format>
    if msg.kind == "choice" and msg.choice.startswith(review.PREFIX):
        return review.on_choice(ctx)  # office review buttons work in any chat, any state
    if command:
        handler = COMMANDS.get(command)
        if handler is None:
            return [Reply(texts.UNKNOWN_COMMAND.format(command=command[:32]))]
        return handler(ctx)
    if in_dialog:
        _take_caption_choice(ctx)
        step_before = ctx.state.step
        caption = msg.text.strip() if msg.kind == "photo" else ""
        replies = FLOWS[ctx.state.flow](ctx)
        _follow_caption(ctx, step_before, caption, replies)
        return replies
    typed = review.typed_choice(ctx)  # «1 BC-7K3QXM» where there are no buttons (Zalo)
    if typed is not None:
        return review.on_choice(ctx.with_choice(typed))
    if msg.chat_type != "private":
        return []  # the bot does not chat in groups outside commands
    if msg.kind == "text" and join.looks_like_join_code(msg.text):
        return join.join_by_code(ctx, msg.text.strip())
    return [Reply(texts.IDLE_PRIVATE)]


def _in_flow(ctx: Ctx) -> bool:
    return ctx.state is not None and ctx.state.flow in FLOWS


def _prompt_again(ctx: Ctx) -> list[Reply]:
    """The current step's question again (nothing in the dialog changes)."""
    if not _in_flow(ctx) or ctx.state.flow not in PROMPTS:
        return []
    return [PROMPTS[ctx.state.flow](ctx, ctx.state.step, ctx.data)]


def _save_data(ctx: Ctx, data: dict) -> None:
    ctx.move(ctx.state.flow, ctx.state.step, data)


def _take_caption_choice(ctx: Ctx) -> None:
    """«Dùng chú thích ảnh»: answer the step with the remembered caption, as if typed."""
    data = ctx.data
    if ctx.msg.kind == "choice" and ctx.msg.choice == CAPTION_CHOICE and data.get("_caption"):
        ctx.msg = replace(ctx.msg, kind="text", text=data.pop("_caption"))
        _save_data(ctx, data)


def _follow_caption(ctx: Ctx, step_before: str, caption: str, replies: list[Reply]) -> None:
    """Remember a caption sent with evidence photos; offer it when the dialog reaches a step
    it can answer (what was done, or difficulties)."""
    if not _in_flow(ctx):
        return
    data, step = ctx.data, ctx.state.step
    if caption and step_before == "photos" and step == "photos":
        data["_caption"] = caption
        _save_data(ctx, data)
    elif step_before in CAPTION_STEPS and step != step_before and "_caption" in data:
        data.pop("_caption")  # offered once, answered otherwise
        _save_data(ctx, data)
    elif step != step_before and step in CAPTION_STEPS and data.get("_caption") and replies:
        prompt = replies[-1]
        prompt.choices = [*prompt.choices, Choice(texts.BTN_USE_CAPTION, CAPTION_CHOICE)]
        data["_choices"] = [*data.get("_choices", []), [texts.BTN_USE_CAPTION, CAPTION_CHOICE]]
        _save_data(ctx, data)
        shown = data["_caption"][:CAPTION_SHOWN] + ("…" if len(data["_caption"]) > CAPTION_SHOWN
                                                     else "")
        replies.insert(len(replies) - 1, Reply(texts.CAPTION_OFFER.format(
            caption=shown, button=texts.BTN_USE_CAPTION)))


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
        return await asyncio.to_thread(svc.media.save, data), False
    except NotAnImage:
        return None, True
    except Exception:  # network trouble: the user is asked to send it again
        log.exception("could not fetch photo of update %s", msg.update_key)
        return None, True
