"""/xuat: office staff get the Excel rollup of a period, the Word báo cáo, or both.

Buttons carry the period (`xuat:tuan_nay` ...) and then the format (`xuat:tuan_nay:word`) and
are routed back to this command by their prefix (dispatch), so no dialog state is needed and a
report dialog in progress is left alone. Every tap is checked again: in a group, anyone can
press the button. Without a Word exporter (Services.export_report) the workbook comes at once.
"""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Optional

from exports.periods import as_period
from handlers.context import Ctx
from handlers.messages import Choice, Reply
from handlers.textutil import fold
from storage import repo
from storage.clock import iso_week, to_local
from storage.models import Unit

log = logging.getLogger(__name__)

# Kept here rather than in texts.py: this feature owns its wording.
NOT_ALLOWED = ("Xin lỗi đồng chí, chức năng xuất báo cáo Excel chỉ dành cho cán bộ Văn phòng. "
               "Đồng chí cần số liệu tổng hợp xin liên hệ Văn phòng đoàn cấp trên.")
WRONG_CHAT = ("Bảng tổng hợp chỉ gửi trong tin nhắn riêng với bot hoặc nhóm Văn phòng, để số liệu "
              "không gửi nhầm vào nhóm đơn vị. Đồng chí nhắn riêng cho bot lệnh /xuat.")
NOT_YOUR_UNIT = ("Nhóm này thuộc {unit}, ngoài phạm vi đồng chí được giao. "
                 "Đồng chí nhắn riêng cho bot lệnh /xuat để lấy số liệu của đơn vị mình.")
UNAVAILABLE = "Chức năng xuất Excel chưa được bật trên máy chủ. Đồng chí báo quản trị hệ thống."
ASK_PERIOD = "Đồng chí chọn kỳ cần xuất báo cáo, số liệu ({scope}):"
WHOLE_TREE = "toàn bộ các đơn vị"
DONE = "📊 Bảng tổng hợp «30 phút hành động» – {label}, {scope}. Tệp Excel gửi kèm."
BAD_PERIOD = "{problem}\nHoặc bấm /xuat để chọn kỳ bằng nút."
FAILED = "Xin lỗi đồng chí, chưa lập được bảng tổng hợp. Đồng chí thử lại sau ít phút."
QUEUED = ("Đang lập bảng tổng hợp… ({label}, {scope}). Tệp sẽ được gửi tới đồng chí ngay khi "
          "xong; kỳ dài có thể mất một vài phút.")
DONE_LINK = ("📊 Bảng tổng hợp «30 phút hành động» – {label}, {scope}. Zalo không gửi được tệp, "
             "đồng chí tải tệp Excel tại:\n{url}\nLiên kết dùng được đến {expires}.")
DONE_LINK_REPORT = ("📄 Báo cáo «30 phút hành động» – {label}, {scope}. Zalo không gửi được tệp, "
                    "đồng chí tải tệp Word tại:\n{url}\nLiên kết dùng được đến {expires}.")
DONE_NO_LINK = ("📊 Bảng tổng hợp «30 phút hành động» – {label}, {scope} đã lập xong, nhưng Zalo "
                "không gửi được tệp và máy chủ chưa có địa chỉ công khai (PUBLIC_URL). Đồng chí "
                "nhận tệp qua Telegram hoặc nhờ quản trị hệ thống.")

ASK_FORMAT = "Đồng chí cần tệp nào cho {label}, {scope}?"
DONE_REPORT = ("📄 Báo cáo «30 phút hành động» – {label}, {scope}. Tệp Word gửi kèm, theo thể "
               "thức văn bản của Đoàn; số liệu giống bảng tổng hợp Excel cùng kỳ.")
FORMATS = [("Báo cáo (Word)", "word"), ("Số liệu (Excel)", "excel"), ("Cả hai", "both")]

CHOICES = [("Tuần này", "tuan_nay"), ("Tuần trước", "tuan_truoc"), ("Tháng này", "thang_nay"),
           ("Quý này", "quy_nay")]
PREFIX = "xuat:"
CHOICE_DATA = tuple(PREFIX + key for _, key in CHOICES)
LABELS = dict((key, label) for label, key in CHOICES)
TYPED = {fold(label): key for label, key in CHOICES}


def command(ctx: Ctx) -> list[Reply]:
    """/xuat [kỳ], or a tap on one of its period buttons."""
    msg = ctx.msg
    allowed, root_id = repo.admin_scope(ctx.s, msg.platform, msg.user_id, ctx.svc.env_admins)
    if not allowed:
        return [Reply(NOT_ALLOWED)]
    scope = _chat_scope(ctx, root_id)
    if isinstance(scope, Reply):
        return [scope]
    if ctx.svc.export_workbook is None:
        return [Reply(UNAVAILABLE)]
    unit = ctx.s.get(Unit, scope) if scope is not None else None
    scope_text = unit.name if unit else WHOLE_TREE
    key, chosen_format = _tapped(msg)
    if msg.kind != "choice" and msg.args.strip() and not key:
        spec, label = msg.args.strip(), msg.args.strip()  # e.g. /xuat 2026-W47
    elif key in LABELS:
        spec, label = period_spec(key, ctx.svc.clock()), LABELS[key]
    elif msg.kind == "choice" and chosen_format and key:
        spec, label = key, key  # a typed period, carried by its format buttons
    else:
        return [Reply(ASK_PERIOD.format(scope=scope_text), menu=True,
                      choices=[Choice(label, PREFIX + key) for label, key in CHOICES])]
    label_text = f"{label} ({spec})" if label != spec else spec
    if ctx.svc.export_report is not None and chosen_format not in ("word", "excel", "both"):
        try:
            as_period(spec)
        except ValueError as exc:
            return [Reply(BAD_PERIOD.format(problem=exc))]
        carried = key if key in LABELS else spec
        return [Reply(ASK_FORMAT.format(label=label_text, scope=scope_text), menu=True,
                      choices=[Choice(name, f"{PREFIX}{carried}:{fmt}") for name, fmt in FORMATS])]
    formats = []
    if chosen_format in ("word", "both") and ctx.svc.export_report is not None:
        formats.append("word")
    if chosen_format in ("excel", "both", ""):
        formats.append("excel")
    if ctx.svc.queue_export is not None:  # built by the worker; the loop is never held up
        try:
            for fmt in formats:  # one job per file: each arrives (or fails) on its own
                ctx.svc.queue_export(ctx.s, {
                    "platform": msg.platform, "chat_id": msg.chat_id, "user_id": msg.user_id,
                    "spec": spec, "unit_id": scope, "label": label_text, "scope": scope_text,
                    "format": fmt})
        except ValueError as exc:
            return [Reply(BAD_PERIOD.format(problem=exc))]
        return [Reply(QUEUED.format(label=label_text, scope=scope_text))]
    exporters = [(ctx.svc.export_report, DONE_REPORT) if fmt == "word"
                 else (ctx.svc.export_workbook, DONE) for fmt in formats]
    replies = []
    for exporter, done in exporters:
        try:
            path = exporter(ctx.s, spec, unit_id=scope, generated_at=ctx.svc.clock())
        except ValueError as exc:  # a period typed wrongly, a broken template: Vietnamese text
            return [Reply(BAD_PERIOD.format(problem=exc))]
        except Exception:
            log.exception("export %s for %s:%s failed", spec, msg.platform, msg.user_id)
            return replies + [Reply(FAILED)]
        replies.append(Reply(done.format(label=label_text, scope=scope_text), document=path))
    return replies


def _tapped(msg) -> tuple[str, str]:
    """(period key or typed spec, format) of a tapped button or of the typed argument."""
    if msg.kind != "choice":
        return TYPED.get(fold(msg.args), ""), ""
    key, _, chosen = msg.choice[len(PREFIX):].partition(":")
    return key, chosen


def _chat_scope(ctx: Ctx, root_id: Optional[int]):
    """The subtree to export here: the staff member's own in private; in an office group, the
    group's unit if it lies within theirs. A Reply when this chat may not receive it."""
    msg = ctx.msg
    if msg.chat_type == "private":
        return root_id
    binding = repo.binding_for_chat(ctx.s, msg.platform, msg.chat_id)
    if binding is None or binding.purpose != "office":
        return Reply(WRONG_CHAT)
    if root_id is not None and binding.unit_id not in repo.subtree_ids(ctx.s, root_id):
        return Reply(NOT_YOUR_UNIT.format(unit=ctx.s.get(Unit, binding.unit_id).name))
    return binding.unit_id


def period_spec(key: str, now) -> str:
    """The export period a button means, at local time `now`."""
    local = to_local(now)
    if key == "tuan_nay":
        return iso_week(now)
    if key == "tuan_truoc":
        return iso_week(now - timedelta(days=7))
    if key == "thang_nay":
        return f"{local.year}-{local.month:02d}"
    return f"{local.year}-Q{(local.month - 1) // 3 + 1}"
