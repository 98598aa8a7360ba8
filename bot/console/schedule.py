"""Lịch nhắc: view and change a subtree's schedule (the rules of `schedule set`), pause a unit,
add a day off; Nhật ký gửi: this week's deliveries of the subtree."""
from __future__ import annotations

from typing import Optional

import aiohttp_jinja2
from aiohttp import web

from bot.console.db import APP_SERVICES, run_db
from bot.console.security import viewer_of
from handlers.weekly.calendar import SlotError, parse_slot
from handlers.weekly.schedule import OFF, load_calendar
from storage import repo, reminders as store, web as webdb
from storage.clock import iso_week
from storage.models import Unit

routes = web.RouteTableDef()
FIELDS = (("reminder", "Giờ nhắc báo cáo"), ("followup", "Giờ nhắc lần hai"),
          ("deadline", "Hạn báo cáo"), ("digest", "Giờ gửi tổng hợp cho Văn phòng"))
EXAMPLES = {"reminder": "T6 16:30", "followup": "CN 09:00", "deadline": "CN 21:00",
            "digest": "T2 07:30"}
STATUS = {"pending": "chờ gửi", "sending": "đang gửi", "retry": "chờ gửi lại", "sent": "đã gửi",
          "failed": "lỗi", "blocked": "bị chặn/xóa khỏi nhóm", "missed": "lỡ hạn",
          "skipped": "bỏ qua (đã báo cáo)", "unknown": "không rõ"}
KINDS = {"reminder": "nhắc", "followup": "nhắc lần hai", "digest": "tổng hợp",
         "manual": "nhắc thủ công", "nhac_lai": "nhắc lại (trang quản lý)"}


def parse_changes(form) -> tuple[dict[str, Optional[str]], list[str]]:
    """The same rules as `fieldreport schedule set`: a slot, «off», «inherit», blank = keep."""
    changes, problems = {}, []
    for column, label in FIELDS:
        text = str(form.get(column, "")).strip()
        if not text:
            continue
        word = text.lower()
        if word == "inherit":
            changes[column] = None
        elif word == OFF:
            if column == "deadline":
                problems.append("Hạn báo cáo không tắt được; đặt một giờ khác, ví dụ «CN 21:00».")
            else:
                changes[column] = OFF
        else:
            try:
                changes[column] = parse_slot(text).key
            except SlotError as exc:
                problems.append(f"{label}: {exc}")
    if not changes and not problems:
        problems.append("Chưa có gì để đổi: đồng chí điền ít nhất một ô.")
    return changes, problems


def target_unit(s, viewer, code: str):
    """The unit the page is about: the one asked for (inside the scope) or the viewer's root."""
    if code:
        unit = repo.unit_by_code(s, code)
        if unit is None or not viewer.may_see(unit.id):
            raise LookupError
        return unit
    return s.get(Unit, viewer.root_id) if viewer.root_id is not None else None


def page_data(s, svc, viewer, code: str, week: str = "") -> dict:
    from handlers.weekly.texts import schedule_text
    unit = target_unit(s, viewer, code)
    cal = load_calendar(s)
    now = svc.clock()
    units = [(u, d) for u, d in repo.tree_order(repo.all_units(s)) if viewer.may_see(u.id)]
    scope = viewer.scope
    from storage.weeks import shift_week, week_name
    this_week = iso_week(now)
    weeks = [shift_week(this_week, -i) for i in range(8)]
    period = week if week in weeks else this_week
    rows = [d for d in store.deliveries(s, period=period)
            if scope is None or d.unit_id in scope][:300]
    # The chat wording ends by pointing at the office; here the form below is the way.
    text = "\n".join(line for line in schedule_text(cal, unit, now, 4).splitlines()
                     if not line.startswith("Muốn đổi lịch"))
    return {"title": "Lịch nhắc", "unit": unit, "text": text, "examples": EXAMPLES,
            "units": units, "fields": FIELDS, "period": period, "deliveries": rows,
            "weeks": [(w, week_name(w)) for w in weeks],
            "unit_names": {u.id: u.name for u, _ in units}, "status": STATUS, "kinds": KINDS,
            "may_dayoff": viewer.scope is None,
            "audit": webdb.audit_trail(s, "schedule", set(scope) if scope else None)}


async def render(request, code: str, problems=(), notice="", status=200):
    svc, viewer = request.app[APP_SERVICES], viewer_of(request)
    week = request.query.get("tuan", "")
    try:
        data = await run_db(request, lambda s: page_data(s, svc, viewer, code, week))
    except LookupError:
        raise web.HTTPNotFound(text="Không có đơn vị này trong phạm vi của đồng chí.") from None
    return aiohttp_jinja2.render_template("schedule.html", request, {
        **data, "problems": list(problems), "notice": notice}, status=status)


@routes.get("/lich-nhac")
async def schedule_page(request: web.Request):
    return await render(request, request.query.get("don-vi", ""),
                        notice=request.query.get("tb", ""))


@routes.post("/lich-nhac")
async def schedule_change(request: web.Request):
    svc, viewer = request.app[APP_SERVICES], viewer_of(request)
    form = await request.post()
    code = str(form.get("don_vi", "")).strip()
    changes, problems = parse_changes(form)
    if problems:
        return await render(request, code, problems)

    def save(s):
        unit = target_unit(s, viewer, code)
        store.set_schedule(s, unit.id if unit else None, changes, by=viewer.who)
        detail = ", ".join(f"{dict(FIELDS)[k]}: {_slot_text(v)}" for k, v in changes.items())
        webdb.record(s, viewer.who, "schedule", "doi_lich",
                     f"{unit.code if unit else 'toàn hệ thống'} – {detail}",
                     unit.id if unit else None, svc.clock())
    try:
        await run_db(request, save)
    except LookupError:
        raise web.HTTPNotFound(text="Không có đơn vị này trong phạm vi của đồng chí.") from None
    raise web.HTTPSeeOther(f"/lich-nhac?don-vi={code}&tb=da-luu" if code else "/lich-nhac?tb=da-luu")


def _slot_text(value: Optional[str]) -> str:
    if value is None:
        return "theo cấp trên"
    if value == OFF:
        return "tắt"
    from storage.weeks import Slot
    return Slot.from_key(value).label()


def _day(text: str):
    from datetime import datetime
    return datetime.strptime(text.strip(), "%d/%m/%Y").date()


@routes.post("/lich-nhac/tam-dung")
async def pause(request: web.Request):
    svc, viewer = request.app[APP_SERVICES], viewer_of(request)
    form = await request.post()
    code, until = str(form.get("don_vi", "")).strip(), str(form.get("den", "")).strip()
    try:
        day = _day(until) if until else None
    except ValueError:
        return await render(request, code, ["Ngày cần viết dạng dd/mm/yyyy, ví dụ 31/12/2026."])

    def save(s):
        unit = target_unit(s, viewer, code)
        if unit is None:
            raise LookupError
        store.pause_unit(s, unit.id, day, str(form.get("ghi_chu", ""))[:200])
        webdb.record(s, viewer.who, "schedule", "tam_dung",
                     f"tạm dừng nhắc {unit.code}" + (f" đến {day:%d/%m/%Y}" if day else ""),
                     unit.id, svc.clock())
    try:
        await run_db(request, save)
    except LookupError:
        raise web.HTTPNotFound(text="Không có đơn vị này trong phạm vi của đồng chí.") from None
    raise web.HTTPSeeOther(f"/lich-nhac?don-vi={code}&tb=da-tam-dung")


@routes.post("/lich-nhac/ngay-nghi")
async def day_off(request: web.Request):
    svc, viewer = request.app[APP_SERVICES], viewer_of(request)
    if viewer.scope is not None:  # days off apply to every unit: whole-tree staff only
        raise web.HTTPNotFound()
    form = await request.post()
    try:
        day = _day(str(form.get("ngay", "")))
    except ValueError:
        return await render(request, "", ["Ngày cần viết dạng dd/mm/yyyy, ví dụ 04/12/2026."])
    note = str(form.get("ghi_chu", ""))[:200]

    def save(s):
        store.add_day_off(s, day, note)
        webdb.record(s, viewer.who, "schedule", "ngay_nghi", f"thêm ngày nghỉ {day:%d/%m/%Y} {note}",
                     None, svc.clock())
    await run_db(request, save)
    raise web.HTTPSeeOther("/lich-nhac?tb=da-them-ngay-nghi")
