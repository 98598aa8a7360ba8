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
