"""Báo cáo: the list (filters, newest first, pages) and one report with its photos."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import aiohttp_jinja2
from aiohttp import web
from sqlmodel import func, select

from bot.console.db import APP_SERVICES, run_db
from bot.console.overview import Tree
from bot.console.security import viewer_of
from storage import repo
from storage.catalog import task_name
from storage.clock import iso_week, week_bounds
from storage.models import Media, Report, ReportPhoto, Task, Unit
from storage.revisions import versions_of
from storage.weeks import load_week_rules, shift_week, week_name

routes = web.RouteTableDef()
PAGE_SIZE = 25
NOT_FOUND = "Không có báo cáo này trong phạm vi của đồng chí."
STATUSES = {"dung-han": "Đúng hạn", "tre-han": "Trễ hạn"}


@dataclass
class Filters:
    period: str = ""
    unit: str = ""
    task: str = ""
    status: str = ""  # dung-han, tre-han
    page: int = 1

    @classmethod
    def from_query(cls, query) -> "Filters":
        page = query.get("trang", "1")
        status = query.get("han", "").strip()
        return cls(query.get("tuan", "").strip(), query.get("don-vi", "").strip(),
                   query.get("nhiem-vu", "").strip(), status if status in STATUSES else "",
                   int(page) if page.isdigit() and int(page) > 0 else 1)

    def link(self, **changes) -> str:
        values = {"tuan": self.period, "don-vi": self.unit, "nhiem-vu": self.task,
                  "han": self.status, "trang": str(self.page)}
        values.update({k.replace("_", "-"): str(v) for k, v in changes.items()})
        from urllib.parse import urlencode
        return "/bao-cao?" + urlencode({k: v for k, v in values.items() if v and v != "0"})


def valid_week(spec: str) -> bool:
    try:
        week_bounds(spec)
        return True
    except (ValueError, IndexError):
        return False


def list_reports(s, svc, viewer, f: Filters) -> dict:
    tree = Tree(s, viewer)
    scope = viewer.scope
    problems = []
    query = select(Report, Unit, Task).join(Unit, Unit.id == Report.unit_id).join(
        Task, Task.id == Report.task_id)
    if scope is not None:
        query = query.where(Report.unit_id.in_(list(scope)))
    if f.unit:
        unit = repo.unit_by_code(s, f.unit)
        if unit is None or not viewer.may_see(unit.id):
            problems.append(f"Không có đơn vị mã «{f.unit}» trong phạm vi của đồng chí.")
            query = query.where(Report.id == -1)
        else:
            query = query.where(Report.unit_id.in_(list(repo.subtree_ids(s, unit.id))))
    if f.period:
        if valid_week(f.period):
            query = query.where(Report.period == f.period)
        else:
            problems.append(f"Tuần «{f.period}» không đúng dạng, ví dụ đúng: {iso_week(svc.clock())}.")
    if f.task:
        query = query.where(Task.code == f.task)
    rules = load_week_rules(s)
    if f.status:
        # Deadlines differ by subtree, so on time or late is judged per report, by the one rule.
        wanted = f.status == "dung-han"
        keys = s.exec(query.with_only_columns(Report.id, Report.unit_id, Report.period,
                                              Report.created_at)).all()
        ids = [rid for rid, uid, period, at in keys
               if rules.is_on_time(uid, period, at) == wanted]
        query = query.where(Report.id.in_(ids or [-1]))
    total = s.exec(select(func.count()).select_from(query.subquery())).one()
    rows = s.exec(query.order_by(Report.created_at.desc(), Report.id.desc())
                  .offset((f.page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    now = svc.clock()
    this_week = iso_week(now)
    weeks = [shift_week(this_week, -i) for i in range(0, 12)]
    tasks = s.exec(select(Task.code, Task.label).distinct()).all()
    return {
        "rows": [(r, u, task_name(t.code, t.label), rules.is_on_time(u.id, r.period, r.created_at))
                 for r, u, t in rows],
        "total": total, "pages": max(1, math.ceil(total / PAGE_SIZE)), "filters": f,
        "problems": problems, "weeks": [(w, week_name(w)) for w in weeks],
        "units": [(u, depth) for u, depth in repo.tree_order(tree.units.values())],
        "tasks": sorted({(c, task_name(c, lbl)) for c, lbl in tasks}), "statuses": STATUSES,
    }


@routes.get("/bao-cao")
async def report_list(request: web.Request):
    svc, viewer = request.app[APP_SERVICES], viewer_of(request)
    f = Filters.from_query(request.query)
    data = await run_db(request, lambda s: list_reports(s, svc, viewer, f))
    return aiohttp_jinja2.render_template("reports.html", request, {**data, "title": "Báo cáo"})


def report_detail(s, viewer, receipt: str) -> Optional[dict]:
    report = s.exec(select(Report).where(Report.receipt_code == receipt)).first()
    if report is None or not viewer.may_see(report.unit_id):
        return None
    unit, task = s.get(Unit, report.unit_id), s.get(Task, report.task_id)
    parent = s.get(Unit, unit.parent_id) if unit.parent_id else None
    photos = s.exec(select(ReportPhoto, Media).join(Media, Media.sha256 == ReportPhoto.sha256)
                    .where(ReportPhoto.report_id == report.id)
                    .order_by(ReportPhoto.position, ReportPhoto.id)).all()
    rules = load_week_rules(s)
    current = ReportVersion(report.task_id, report.period, report.content, report.participants,
                            report.difficulties, report.proposals, [m.sha256 for _, m in photos])
    return {"report": report, "unit": unit, "parent": parent,
            "edits": edit_history(s, report.id, current),
            "task": task_name(task.code, task.label), "task_title": task.title,
            "week": week_name(report.period),
            "on_time": rules.is_on_time(unit.id, report.period, report.created_at),
            "photos": [(p, m) for p, m in photos], "title": f"Báo cáo {report.receipt_code}"}


@dataclass
class ReportVersion:
    task_id: int
    period: str
    content: str
    participants: Optional[int]
    difficulties: Optional[str]
    proposals: Optional[str]
    photos: list[str]


@dataclass
class Edit:
    number: int  # 1 for the first edit
    at: object
    by: str
    changes: list[tuple[str, str, str]]  # field, before, after


def _people(n: Optional[int]) -> str:
    return "không ghi" if n is None else f"{n:,}".replace(",", ".")


def changes_between(s, before: ReportVersion, after: ReportVersion) -> list[tuple[str, str, str]]:
    def task(task_id: int) -> str:
        t = s.get(Task, task_id)
        return task_name(t.code, t.label) if t else "?"
    out = []
    if before.period != after.period:
        out.append(("Tuần", week_name(before.period), week_name(after.period)))
    if before.task_id != after.task_id:
        out.append(("Nhiệm vụ", task(before.task_id), task(after.task_id)))
    for label, name in (("Nội dung", "content"), ("Khó khăn", "difficulties"),
                        ("Đề xuất", "proposals")):
        old, new = getattr(before, name) or "", getattr(after, name) or ""
        if old.strip() != new.strip():
            out.append((label, old or "không có", new or "không có"))
    if before.participants != after.participants:
        out.append(("Số người tham gia", _people(before.participants), _people(after.participants)))
    if before.photos != after.photos:
        kept = len(set(before.photos) & set(after.photos))
        out.append(("Ảnh minh chứng", f"{len(before.photos)} ảnh",
                    f"{len(after.photos)} ảnh (giữ lại {kept} ảnh cũ)"))
    return out


def edit_history(s, report_id: int, current: ReportVersion) -> list[Edit]:
    """Each edit with what it changed, who made it and when; newest first."""
    rows = versions_of(s, report_id)
    versions = [ReportVersion(v.task_id, v.period, v.content, v.participants, v.difficulties,
                              v.proposals, [sha for sha in v.photos.split(",") if sha])
                for v in rows]
    edits = []
    for i, row in enumerate(rows):
        after = versions[i + 1] if i + 1 < len(versions) else current
        edits.append(Edit(row.revision, row.replaced_at, row.replaced_by_name or row.replaced_by,
                          changes_between(s, versions[i], after)))
    return edits[::-1]


@routes.get("/bao-cao/{receipt}")
async def report_page(request: web.Request):
    viewer = viewer_of(request)
    receipt = request.match_info["receipt"]
    data = await run_db(request, lambda s: report_detail(s, viewer, receipt))
    if data is None:
        raise web.HTTPNotFound(text=NOT_FOUND)
    return aiohttp_jinja2.render_template("report.html", request, data)


@routes.get("/anh/{photo_id:\\d+}/{size:(nho|lon)}")
async def photo(request: web.Request):
    """A report's photo, only to staff whose subtree holds the report's unit."""
    svc, viewer = request.app[APP_SERVICES], viewer_of(request)
    photo_id = int(request.match_info["photo_id"])

    def find(s):
        row = s.exec(select(Report.unit_id, Media).join(
            ReportPhoto, ReportPhoto.report_id == Report.id).join(
            Media, Media.sha256 == ReportPhoto.sha256).where(ReportPhoto.id == photo_id)).first()
        if row is None or not viewer.may_see(row[0]):
            return None
        return row[1]
    media = await run_db(request, find)
    if media is None:
        raise web.HTTPNotFound(text=NOT_FOUND)
    relative = media.thumb_path if request.match_info["size"] == "nho" else media.path
    path = svc.media.absolute(relative)
    if not path.is_file():
        raise web.HTTPNotFound(text="Ảnh này không còn trên máy chủ.")
    return web.FileResponse(path, headers={"Cache-Control": "private, max-age=3600"})
