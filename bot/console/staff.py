"""Cán bộ văn phòng: who is office staff in the subtree, and one-time invites for more."""
from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web
from sqlmodel import select

from bot.console.db import APP_SERVICES, run_db
from bot.console.security import viewer_of
from handlers.web_login import INVITE_PAYLOAD
from storage import repo, web as webdb
from storage.models import Admin

routes = web.RouteTableDef()


def page_data(s, svc, viewer) -> dict:
    units = {u.id: u for u in repo.all_units(s, include_retired=True)}
    staff = [(a, units.get(a.unit_id)) for a in s.exec(select(Admin).order_by(Admin.created_at))
             if viewer.scope is None or (a.unit_id is not None and a.unit_id in viewer.scope)]
    env = [f"{p}:{u}" for p, u in svc.env_admins] if viewer.scope is None else []
    choices = [(u, d) for u, d in repo.tree_order(repo.all_units(s)) if viewer.may_see(u.id)]
    return {"title": "Cán bộ văn phòng", "staff": staff, "env_staff": env, "units": choices,
            "whole_tree": viewer.scope is None,
            "audit": webdb.audit_trail(s, "staff", set(viewer.scope) if viewer.scope else None)}


@routes.get("/can-bo")
async def staff_page(request: web.Request):
    svc, viewer = request.app[APP_SERVICES], viewer_of(request)
    data = await run_db(request, lambda s: page_data(s, svc, viewer))
    return aiohttp_jinja2.render_template("staff.html", request, data)


@routes.post("/can-bo/moi")
async def invite(request: web.Request):
    svc, viewer = request.app[APP_SERVICES], viewer_of(request)
    form = await request.post()
    code = str(form.get("don_vi", "")).strip()

    def create(s):
        unit = repo.unit_by_code(s, code) if code else None
        if code and (unit is None or not viewer.may_see(unit.id)):
            return None
        if unit is None and viewer.scope is not None:
            return None  # whole-tree invites only from whole-tree staff
        now = svc.clock()
        token = webdb.issue_token(s, "invite", now, webdb.INVITE_TTL,
                                  unit_id=unit.id if unit else None, created_by=viewer.who)
        webdb.record(s, viewer.who, "staff", "moi",
                     f"mời cán bộ Văn phòng cho {unit.name if unit else 'toàn bộ các đơn vị'}",
                     unit.id if unit else None, now)
        return token, unit
    made = await run_db(request, create)
    if made is None:
        raise web.HTTPNotFound(text="Không có đơn vị này trong phạm vi của đồng chí.")
    token, unit = made
    payload = INVITE_PAYLOAD + token
    data = await run_db(request, lambda s: page_data(s, svc, viewer))
    return aiohttp_jinja2.render_template("staff.html", request, {
        **data, "invite_scope": unit.name if unit else "toàn bộ các đơn vị",
        "invite_link": svc.deep_link("telegram", payload) or "",
        "invite_command": f"/start {payload}"})
