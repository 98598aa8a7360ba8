"""/web: office staff get a personal one-time link to the office console (10 minutes, once)."""
from __future__ import annotations

from handlers.context import Ctx
from handlers.messages import Reply
from storage import repo, web

NOT_ALLOWED = ("Xin lỗi đồng chí, trang quản lý trên web chỉ dành cho cán bộ Văn phòng. "
               "Đồng chí vẫn báo cáo như thường bằng lệnh /baocao.")
PRIVATE_ONLY = ("Liên kết đăng nhập là của riêng từng người, nên bot chỉ gửi trong tin nhắn riêng. "
                "Đồng chí nhắn riêng cho bot lệnh /web.")
UNAVAILABLE = "Trang quản lý trên web chưa được bật trên máy chủ. Đồng chí báo quản trị hệ thống."
LINK = ("🔐 Liên kết đăng nhập trang quản lý của đồng chí (dùng được một lần, trong 10 phút):\n"
        "{url}\n"
        "Đồng chí không chuyển liên kết này cho người khác.")


def login_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/dang-nhap/{token}"


def command(ctx: Ctx) -> list[Reply]:
    msg = ctx.msg
    allowed, _ = repo.admin_scope(ctx.s, msg.platform, msg.user_id, ctx.svc.env_admins)
    if not allowed:
        return [Reply(NOT_ALLOWED)]
    if msg.chat_type != "private":
        return [Reply(PRIVATE_ONLY)]
    if not ctx.svc.public_url:
        return [Reply(UNAVAILABLE)]
    token = web.issue_login_token(ctx.s, msg.platform, msg.user_id, ctx.svc.clock())
    return [Reply(LINK.format(url=login_url(ctx.svc.public_url, token)))]


# --- office staff invites from the console (/start vp_<token>) --------------------------------

INVITE_PAYLOAD = "vp_"
INVITE_BAD = ("Lời mời này đã hết hạn hoặc đã được dùng. Đồng chí xin Văn phòng gửi lời mời mới.")
INVITE_DONE = ("✅ Đồng chí đã là cán bộ Văn phòng của {scope}. Nhắn /web để nhận liên kết đăng nhập "
               "trang quản lý, /xuat để nhận bảng tổng hợp Excel.")
INVITE_ALREADY = "Đồng chí đã là cán bộ Văn phòng của {scope}; lời mời không thay đổi gì."
WHOLE_TREE = "toàn bộ các đơn vị"


def accept_invite(ctx: Ctx, token: str) -> list[Reply]:
    from storage.models import Unit
    msg = ctx.msg
    row = web.use_token(ctx.s, token, "invite", ctx.svc.clock())
    if row is None:
        return [Reply(INVITE_BAD)]
    allowed, current = repo.admin_scope(ctx.s, msg.platform, msg.user_id, ctx.svc.env_admins)
    if allowed and (current is None or (row.unit_id is not None
                                        and row.unit_id in repo.subtree_ids(ctx.s, current))):
        unit = ctx.s.get(Unit, current) if current is not None else None
        return [Reply(INVITE_ALREADY.format(scope=unit.name if unit else WHOLE_TREE))]
    repo.add_admin(ctx.s, msg.platform, msg.user_id, row.unit_id)
    unit = ctx.s.get(Unit, row.unit_id) if row.unit_id is not None else None
    name = msg.user_name or msg.user_id
    web.record(ctx.s, web.who(msg.platform, msg.user_id), "staff", "nhan_loi_moi",
               f"{name} nhận lời mời của {row.created_by}", row.unit_id, ctx.svc.clock())
    return [Reply(INVITE_DONE.format(scope=unit.name if unit else WHOLE_TREE))]
