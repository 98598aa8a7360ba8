"""Office review in chat: every submitted or revised report goes to the office chat above its
unit with «Duyệt», «Trả lại», «Biểu dương» (and «Cho ý kiến» when it raises difficulties).

The dialog calls `after_submit`; dispatch routes `PREFIX` choices to `on_choice`, the reviewer's
typed answer (`FLOW`) to `on_message`, and typed «1 BC-…» on text platforms to `typed_choice`.
"""
from __future__ import annotations

from handlers.context import Ctx
from handlers.messages import Reply
from handlers.review import post
from handlers.review.actions import FLOW, on_choice, on_message, typed_choice
from handlers.review.post import PREFIX
from storage import review as store
from storage.models import Report

__all__ = ["FLOW", "PREFIX", "after_submit", "on_choice", "on_message", "typed_choice"]


def after_submit(ctx: Ctx, report: Report, chats: list) -> list[Reply]:
    """The report (new or revised) waits for review; one message to each of `chats`, the
    office chats above its unit (storage.review.chats_around)."""
    review = store.reset_for_revision(ctx.s, report)
    store.record(ctx.s, "submit" if report.revision == 1 else "revise",
                 f"{report.platform}:{report.reporter_id}", report.reporter_name,
                 detail=f"lần {report.revision}", report_id=report.id, unit_id=report.unit_id,
                 now=ctx.svc.clock())
    return [post.office_message(ctx.s, report, review, chat.platform, chat.chat_id)
            for chat in chats]
