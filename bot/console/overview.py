"""Tổng quan: this week for the person's subtree, drill-down by union, «Nhắc lại»."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Optional

import aiohttp_jinja2
from aiohttp import web
from sqlmodel import func, select

from bot.console.db import APP_SERVICES, APP_SETTINGS, run_db
from bot.console.security import viewer_of
from storage import repo, web as webdb
from storage.catalog import task_name
from storage.clock import iso_week
from storage.models import Report, Task, Unit
from storage.reporting import secretaries
from storage.weeks import load_week_rules, week_name

routes = web.RouteTableDef()
NUDGE_EVERY = timedelta(hours=1)


@dataclass
class Branch:
    unit: Unit
    total: int
    reported: int


@dataclass
class Missing:
    unit: Unit
    parent_name: str
    secretary: str
    nudged_at: Optional[object]
    may_nudge: bool


@dataclass
class Overview:
    period: str
    week_label: str
    focus: Optional[Unit]
    trail: list[Unit]
    total: int
    reported: int
    is_open: bool
    deadline: object
    branches: list[Branch] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)
    tasks: list[tuple[str, int, int]] = field(default_factory=list)  # name, reports, people


class Tree:
    """The active units the viewer may see, with children lists."""

    def __init__(self, s, viewer):
        self.units = {u.id: u for u in repo.all_units(s) if viewer.may_see(u.id)}
        self.children: dict[Optional[int], list[Unit]] = {}
        for u, _ in repo.tree_order(self.units.values()):
            parent = u.parent_id if u.parent_id in self.units else None
            self.children.setdefault(parent, []).append(u)

    def leaves_under(self, unit_id: Optional[int]) -> list[Unit]:
        out, todo = [], list(self.children.get(unit_id, []))
        if unit_id is not None and not self.children.get(unit_id):
            return [self.units[unit_id]]
        while todo:
            u = todo.pop(0)
            kids = self.children.get(u.id, [])
            if kids:
                todo[0:0] = kids
            else:
                out.append(u)
        return out

    def trail(self, unit_id: Optional[int]) -> list[Unit]:
        out = []
        while unit_id in self.units:
            out.insert(0, self.units[unit_id])
            unit_id = self.units[unit_id].parent_id
        return out


def build(s, svc, viewer, focus_code: str = "") -> Optional[Overview]:
    now = svc.clock()
    period = iso_week(now)
    tree = Tree(s, viewer)
    focus_id = viewer.root_id
    if focus_code:
        unit = repo.unit_by_code(s, focus_code)
        if unit is None or unit.id not in tree.units:
            return None
        focus_id = unit.id
    elif focus_id is None and len(tree.children.get(None, [])) == 1:
        focus_id = tree.children[None][0].id
    leaves = tree.leaves_under(focus_id)
    leaf_ids = [u.id for u in leaves]
    reported = set(s.exec(select(Report.unit_id).distinct().where(
        Report.period == period, Report.unit_id.in_(leaf_ids)))) if leaf_ids else set()
    rules = load_week_rules(s)
    rule = rules.for_unit(focus_id)
    view = Overview(period, week_name(period), tree.units.get(focus_id), tree.trail(focus_id),
                    len(leaves), len(reported), rule.is_open(period, now), rule.deadline(period))
    for child in tree.children.get(focus_id, []):
        under = tree.leaves_under(child.id)
        view.branches.append(Branch(child, len(under), sum(u.id in reported for u in under)))
    names = secretaries(s)
    for u in leaves:
        if u.id in reported:
            continue
        nudged = webdb.last_action(s, "nhac_lai", u.id)
        parent = tree.units.get(u.parent_id)
        view.missing.append(Missing(u, parent.name if parent else "", names.get(u.id, ""),
                                    nudged, nudged is None or now - nudged >= NUDGE_EVERY))
    if leaf_ids:
        rows = s.exec(select(Task.code, Task.label, func.count(Report.id),
                             func.coalesce(func.sum(Report.participants), 0))
                      .join(Task, Task.id == Report.task_id)
                      .where(Report.period == period, Report.unit_id.in_(leaf_ids))
                      .group_by(Task.code, Task.label, Task.position).order_by(Task.position))
        view.tasks = [(task_name(code, label), n, people) for code, label, n, people in rows]
    return view


@routes.get("/")
async def overview_page(request: web.Request):
    svc, viewer = request.app[APP_SERVICES], viewer_of(request)
    code = request.query.get("don-vi", "")
    view = await run_db(request, lambda s: build(s, svc, viewer, code))
    if view is None:
        raise web.HTTPNotFound(text="Không có đơn vị này trong phạm vi của đồng chí.")
    audit = await run_db(request, lambda s: webdb.audit_trail(
        s, "overview", set(viewer.scope) if viewer.scope else None, limit=10))
    return aiohttp_jinja2.render_template("overview.html", request, {
        "view": view, "notice": request.query.get("tb", ""), "title": "Tổng quan",
        "audit": audit})


NUDGE_SENT = "da-nhac"
NUDGE_TOO_SOON = "chua-du-1-gio"
NUDGE_NO_BOT = "khong-co-bot"


@routes.post("/nhac-lai/{code}")
async def nudge(request: web.Request):
    """Send the follow-up to one unit now; at most once an hour per unit."""
    svc, viewer = request.app[APP_SERVICES], viewer_of(request)
    settings = request.app[APP_SETTINGS]
    code = request.match_info["code"]
    platforms = configured_platforms(settings)

    def work(s):
        unit = repo.unit_by_code(s, code)
        if unit is None or not viewer.may_see(unit.id) or not unit.active:
            return None
        now = svc.clock()
        last = webdb.last_action(s, "nhac_lai", unit.id)
        parent = s.get(Unit, unit.parent_id) if unit.parent_id else None
        back = parent.code if parent is not None and viewer.may_see(parent.id) else ""
        if last is not None and now - last < NUDGE_EVERY:
            return back, NUDGE_TOO_SOON
        if not platforms:
            return back, NUDGE_NO_BOT
        from bot.console.nudge import queue_nudge
        queued = queue_nudge(s, svc, unit, iso_week(now), now, platforms)
        webdb.record(s, viewer.who, "overview", "nhac_lai", f"nhắc lại {unit.name} ({queued} tin)",
                     unit.id, now)
        return back, NUDGE_SENT
    outcome = await run_db(request, work)
    if outcome is None:
        raise web.HTTPNotFound(text="Không có đơn vị này trong phạm vi của đồng chí.")
    back, notice = outcome  # back to the union the clerk was looking at
    raise web.HTTPSeeOther(f"/?don-vi={back}&tb={notice}" if back else f"/?tb={notice}")


def configured_platforms(settings) -> list[str]:
    out = []
    if settings.telegram_bot_token:
        out.append("telegram")
    if settings.zalo_bot_token:
        out.append("zalo")
    return out
