"""Login by a one-time link from the bot (/web), and «Đăng xuất»."""
from __future__ import annotations

import secrets

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session, new_session

from bot.console.db import APP_SERVICES, run_db
from bot.console.security import CSRF_FIELD, load_viewer
from storage import web as webdb

routes = web.RouteTableDef()
EXPIRED = ("Liên kết đăng nhập này đã hết hạn hoặc đã được dùng. Đồng chí nhắn lệnh /web cho bot "
           "trong tin nhắn riêng để nhận liên kết mới (dùng được một lần, trong 10 phút).")
NOT_STAFF = "Tài khoản này không còn là cán bộ Văn phòng, nên không đăng nhập được."


@routes.get("/dang-nhap")
@aiohttp_jinja2.template("login_help.html")
async def login_help(request: web.Request):
    return {}


@routes.get("/dang-nhap/{token}")
async def login_page(request: web.Request):
    """Shows a button, and spends nothing: chat apps open links to preview them."""
    svc = request.app[APP_SERVICES]
    token = request.match_info["token"]
    live = await run_db(request, lambda s: webdb.peek_token(s, token, "login", svc.clock()))
    if live is None:
        return aiohttp_jinja2.render_template("message.html", request,
                                              {"title": "Liên kết hết hạn", "text": EXPIRED},
                                              status=410)
    return aiohttp_jinja2.render_template("login.html", request, {"token": token})


@routes.post("/dang-nhap/{token}")
async def login(request: web.Request):
    svc = request.app[APP_SERVICES]
    token = request.match_info["token"]

    def spend(s):
        now = svc.clock()
        row = webdb.use_token(s, token, "login", now)
        if row is None:
            return None, EXPIRED
        if load_viewer(s, svc, row.platform, row.user_id) is None:
            return None, NOT_STAFF
        return webdb.start_session(s, row.platform, row.user_id, now), ""
    sid, problem = await run_db(request, spend)
    if sid is None:
        return aiohttp_jinja2.render_template("message.html", request,
                                              {"title": "Không đăng nhập được", "text": problem},
                                              status=410)
    session = await new_session(request)  # a fresh cookie: nothing from before login survives
    session["sid"] = sid
    session[CSRF_FIELD] = secrets.token_urlsafe(32)
    raise web.HTTPSeeOther("/")


@routes.post("/dang-xuat")
async def logout(request: web.Request):
    svc = request.app[APP_SERVICES]
    session = await get_session(request)
    sid = session.get("sid")
    if sid:
        await run_db(request, lambda s: webdb.end_session(s, sid, svc.clock()))
    session.invalidate()
    return aiohttp_jinja2.render_template("message.html", request, {
        "title": "Đã đăng xuất",
        "text": "Đồng chí đã đăng xuất. Muốn vào lại, nhắn lệnh /web cho bot."})
