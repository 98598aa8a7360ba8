"""Tổng quan: this week for the person's subtree, drill-down by union, «Nhắc lại»."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Optional

import aiohttp_jinja2
from aiohttp import web

from bot.console.db import APP_SERVICES, APP_SETTINGS, run_db
from bot.console.security import viewer_of
from storage import repo, web as webdb
from exports.tree import subtrees
from exports.figures import Headline, fill, headline, open_scope, summarise
from storage.clock import iso_week
from storage.models import Unit
from storage.reporting import secretaries
from storage.weeks import week_name

routes = web.RouteTableDef()
NUDGE_EVERY = timedelta(hours=1)


@dataclass
class Branch:
    unit: Unit
    total: int  # units owing this week (grassroots, joined, not retired before the deadline)
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
    """This week's figures, computed by exports.figures exactly as the workbook computes them."""
    period: str
    week_label: str
    focus: Optional[Unit]
    trail: list[Unit]
    total: int  # units owing this week (the workbook's weeks due + weeks open)
    reported: int
    is_open: bool  # the week's deadline is still ahead: "đang mở", nobody has missed it yet
    deadline: object
    headline: Optional[Headline] = None
    branches: list[Branch] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)
    tasks: list[tuple[str, int, int, int]] = field(default_factory=list)  # name, acts, units, people

    @property
    def rate(self) -> str:
        h = self.headline
        return f"{100 * h.completion_rate:.0f}%" if h and h.completion_rate is not None else ""


class Tree:
    """The active units the viewer may see, with children lists."""

    def __init__(self, s, viewer):
        self.units = {u.id: u for u in repo.all_units(s) if viewer.may_see(u.id)}
        self.children: dict[Optional[int], list[Unit]] = {}
        for u, _ in repo.tree_order(self.units.values()):
            parent = u.parent_id if u.parent_id in self.units else None
            self.children.setdefault(parent, []).append(u)

    def trail(self, unit_id: Optional[int]) -> list[Unit]:
        out = []
        while unit_id in self.units:
            out.insert(0, self.units[unit_id])
            unit_id = self.units[unit_id].parent_id
        return out


def owed_and_reported(rollup, ids, week: str) -> tuple[int, int]:
    """(units owing `week`, of those reported): due or still open, as the workbook counts."""
    owed = [uid for uid in ids if week in rollup.due[uid] or week in rollup.open[uid]]
    return len(owed), sum(1 for uid in owed if week in rollup.figures[uid].week_first)


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
    focus = tree.units.get(focus_id)
    # The workbook's own scope and count (exports/figures.py): open weeks, units joined late,
    # retired or paused units are judged by the same code as every export.
    scope = fill(s, open_scope(s, period, focus.code if focus else None, now))
    rollup, ordered = scope.rollup, scope.ordered
    ids = [u.id for u, _ in ordered]
    total, reported = owed_and_reported(rollup, ids, period)
    rule = scope.rules.for_unit(focus_id)
    view = Overview(period, week_name(period), focus, tree.trail(focus_id), total, reported,
                    rule.is_open(period, now), rule.deadline(period), headline(rollup, ids))
    below = subtrees(ordered)
    children = [u for u, _ in ordered if u.parent_id == focus_id
                or (focus_id is None and u.parent_id not in scope.by_id)]
    for child in children:
        if child.id == focus_id:
            continue
        owed, done = owed_and_reported(rollup, below[child.id], period)
        if owed or child.active:
            view.branches.append(Branch(child, owed, done))
    names = secretaries(s)
    for u, _ in ordered:
        owes = period in rollup.due[u.id] or period in rollup.open[u.id]
        if not owes or period in rollup.figures[u.id].week_first:
            continue
        nudged = webdb.last_action(s, "nhac_lai", u.id)
        parent = scope.by_id.get(u.parent_id)
        view.missing.append(Missing(u, parent.name if parent else "", names.get(u.id, ""),
                                    nudged, u.active and (nudged is None
                                                          or now - nudged >= NUDGE_EVERY)))
    view.tasks = [(t.name, t.activities, t.units, t.people)
                  for t in summarise(scope).tasks if t.activities]
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
