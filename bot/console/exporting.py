"""Xuất: the period workbook of `fieldreport export` and the Word báo cáo of `fieldreport
report`, scoped to the person's subtree.

Small workbooks are written at once (in a thread) and downloaded; larger ones run as a
background job whose page shows the real progress (exports.rollup's on_progress): under `serve`
`fieldreport worker` builds them, as it builds /xuat's (a year's workbook holds a process's CPU
for tens of seconds, which the cadres' dialogs in a web process would feel); under `fieldreport
run`, a thread of this process. The báo cáo
is written at once: it is built from the period's figures, not row by row. /tai-ve/<token>
answers the download link /xuat sends on Zalo (issued by `fieldreport worker` with
storage.web.issue_download_token): the one download route for files made for a platform that
cannot send them."""
from __future__ import annotations

import asyncio
import logging
import mimetypes
import re
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Optional

import aiohttp_jinja2
from aiohttp import web
from sqlmodel import select

from bot.console.db import APP_SERVICES, APP_SETTINGS, run_db, write_file
from bot.console.security import viewer_of
from exports.periods import Period, PeriodError, as_period
from storage import repo, serving, web as webdb
from storage.clock import to_local
from storage.db import session_scope
from storage.models import Unit
from storage.reporting import count_reports

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
SMALL_EXPORT = 3000  # reports; about 3 s of work: more than that runs as a job
PROGRESS_EVERY = 1.0  # seconds between progress writes to the job row
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
KINDS = {"excel": "Số liệu (Excel)", "word": "Báo cáo (Word)"}
JOBS = web.AppKey("console_export_jobs", set)
PRESETS = [("tuan_nay", "Tuần này"), ("tuan_truoc", "Tuần trước"), ("thang_nay", "Tháng này"),
           ("quy_nay", "Quý này"), ("nam_nay", "Năm nay"), ("khac", "Kỳ khác (nhập bên dưới)"),
           ("khoang", "Từ ngày … đến ngày …")]


def setup(app: web.Application) -> None:
    app[JOBS] = set()

    async def finish_jobs(app):
        for task in list(app[JOBS]):
            task.cancel()
    app.on_cleanup.append(finish_jobs)


def out_dir(settings) -> Path:
    return Path(settings.media_dir).parent / "exports"


def preset_spec(key: str, now: datetime) -> str:
    from handlers.export_cmd import period_spec
    if key == "nam_nay":
        return str(to_local(now).year)
    return period_spec(key, now)


def parse_day(text: str):
    return datetime.strptime(text.strip(), "%d/%m/%Y").date()


def chosen_period(form, now: datetime) -> Period:
    key = str(form.get("ky", "tuan_nay"))
    if key == "khac":
        return as_period(str(form.get("ky_khac", "")).strip() or "?")
    if key == "khoang":
        try:
            start, end = parse_day(str(form.get("tu", ""))), parse_day(str(form.get("den", "")))
        except ValueError:
            raise PeriodError("Ngày cần viết dạng dd/mm/yyyy, ví dụ 01/11/2026.") from None
        return as_period((start, end))
    if key not in dict(PRESETS):
        raise PeriodError("Đồng chí chọn một kỳ trong danh sách.")
    return as_period(preset_spec(key, now))


def file_name(period: Period, unit: Optional[Unit], now: datetime, ext: str = "xlsx") -> str:
    suffix = f"-{re.sub(r'[^A-Za-z0-9_-]', '_', unit.code)}" if unit else ""
    return f"bao-cao-{period.spec}{suffix}-{to_local(now):%Y%m%d-%H%M%S}.{ext}"


def dated_presets(now: datetime) -> list[tuple[str, str]]:
    """The period choices with their dates, so the clerk sees which days «Tuần này» means."""
    def dated(key: str, name: str) -> str:
        period = as_period(preset_spec(key, now))
        first, last = period.calendar or (period.date_from, period.date_to)
        return f"{name} ({first:%d/%m} – {last:%d/%m/%Y})"  # short enough for a phone
    return [(key, name if key in ("khac", "khoang") else dated(key, name))
            for key, name in PRESETS]


def export_units(s, viewer):
    from bot.console.overview import Tree
    return repo.tree_order(Tree(s, viewer).units.values())


@routes.get("/xuat")
async def export_page(request: web.Request):
    svc, viewer = request.app[APP_SERVICES], viewer_of(request)
    units = await run_db(request, lambda s: export_units(s, viewer))
    return aiohttp_jinja2.render_template("export.html", request, {
        "title": "Xuất báo cáo", "presets": dated_presets(svc.clock()), "units": units, "error": "", "form": {}})


@routes.post("/xuat")
async def export_start(request: web.Request):
    svc, viewer, settings = request.app[APP_SERVICES], viewer_of(request), request.app[APP_SETTINGS]
    form = await request.post()
    now = svc.clock()
    code = str(form.get("don_vi", "")).strip()

    def plan(s):
        unit = None
        if code:
            unit = repo.unit_by_code(s, code)
            if unit is None or not viewer.may_see(unit.id):
                return None
        elif viewer.root_id is not None:
            unit = s.get(Unit, viewer.root_id)
        try:
            period = chosen_period(form, now)
        except PeriodError as exc:
            return unit, None, 0, str(exc)
        scope = repo.subtree_ids(s, unit.id) if unit else None
        return unit, period, count_reports(s, period.weeks, scope), ""
    planned = await run_db(request, plan)
    if planned is None:
        raise web.HTTPNotFound(text="Không có đơn vị này trong phạm vi của đồng chí.")
    unit, period, reports, error = planned
    if error:
        units = await run_db(request, lambda s: export_units(s, viewer))
        return aiohttp_jinja2.render_template("export.html", request, {
            "title": "Xuất báo cáo", "presets": dated_presets(svc.clock()), "units": units, "error": error,
            "form": form})
    if form.get("loai") == "word":
        target = out_dir(settings) / file_name(period, unit, now, "docx")
        try:
            await write_file(_write_word, svc, settings, target, period, unit, now)
        except ValueError as exc:  # exports.report_docx.ReportError: a Vietnamese message
            units = await run_db(request, lambda s: export_units(s, viewer))
            return aiohttp_jinja2.render_template("export.html", request, {
                "title": "Xuất báo cáo", "presets": dated_presets(svc.clock()), "units": units,
                "error": str(exc), "form": form})
        return _download(target, DOCX)
    target = out_dir(settings) / file_name(period, unit, now)
    if reports <= SMALL_EXPORT:
        await write_file(_write, svc, settings, target, period, unit, now)
        return _download(target)
    token = webdb.new_secret()
    to_worker = svc.queue_export is not None  # `serve`: long jobs are the worker's

    def create(s):
        job = webdb.ExportJob(token_hash=webdb.digest(token), who=viewer.who,
                              unit_id=unit.id if unit else None, period_spec=period.spec,
                              label=period.title, reports=reports, created_at=now)
        s.add(job)
        s.flush()
        if to_worker:  # queued in the same transaction: a job row always has its builder
            serving.enqueue(s, serving.CONSOLE_EXPORT, {
                "export_job": job.id, "spec": period.spec, "unit_id": job.unit_id,
                "dates": [period.date_from.isoformat(), period.date_to.isoformat()],
                "target": str(target), "at": now.isoformat()}, now)
        return job.id
    job_id = await run_db(request, create)
    if not to_worker:
        task = asyncio.create_task(_run_job(svc, settings, job_id, target, period, unit, now))
        request.app[JOBS].add(task)
        task.add_done_callback(request.app[JOBS].discard)
    raise web.HTTPSeeOther(f"/xuat/viec/{token}")


def _write(svc, settings, target: Path, period: Period, unit: Optional[Unit], now: datetime,
           on_progress=None) -> Path:
    from exports.letterhead import letterhead_from_settings
    from exports.rollup import export_rollup
    return export_rollup(svc.engine, target, period, unit.code if unit else None,
                         media_root=svc.media.root, generated_at=now,
                         letterhead=letterhead_from_settings(settings),
                         on_progress=on_progress).path


def _write_word(svc, settings, target: Path, period: Period, unit: Optional[Unit],
                now: datetime) -> Path:
    """The báo cáo of `fieldreport report`, with the office's letterhead and template."""
    from exports.letterhead import letterhead_from_settings
    from exports.report_docx import write_report
    template = settings.report_template.strip()
    return write_report(svc.engine, target, period, unit.code if unit else None,
                        letterhead=letterhead_from_settings(settings),
                        template=Path(template) if template else None, as_of=now).path


def _set_job(svc, job_id: int, **values) -> None:
    with session_scope(svc.engine) as s:
        job = s.get(webdb.ExportJob, job_id)
        for name, value in values.items():
            setattr(job, name, value)
        s.add(job)


class Progress:
    """The share of the workbook written, called from the writer's thread: the job row gets it
    at most once every PROGRESS_EVERY seconds. 99 until the file is complete: 100 means
    "ready to download"."""

    def __init__(self, svc, job_id: int):
        self.svc, self.job_id = svc, job_id
        self.percent, self.written_at = 0, 0.0

    def __call__(self, done: int, total: int) -> None:
        percent = min(99, int(100 * done / total)) if total else 0
        moment = time.monotonic()
        if percent != self.percent and moment - self.written_at >= PROGRESS_EVERY:
            self.percent, self.written_at = percent, moment
            _set_job(self.svc, self.job_id, progress=percent)


def _build_job(svc, settings, job_id: int, target: Path, period: Period, unit: Optional[Unit],
               now: datetime) -> Path:
    """Writes a job's workbook (blocking), its progress, then "done" or "failed" on its row."""
    try:
        path = _write(svc, settings, target, period, unit, now, on_progress=Progress(svc, job_id))
    except Exception as exc:  # the office sees a message, the log the cause
        log.exception("console export job %s failed", job_id)
        _set_job(svc, job_id, status="failed", finished_at=svc.clock(),
                 error=str(exc)[:400] if isinstance(exc, ValueError)
                 else "Lỗi khi lập bảng tổng hợp.")
        raise
    _set_job(svc, job_id, status="done", progress=100, file_path=str(path),
             finished_at=svc.clock())
    return path


async def _run_job(svc, settings, job_id, target, period, unit, now) -> None:
    """Under `fieldreport run`: the job in a file-writing thread of this process."""
    try:
        await write_file(_build_job, svc, settings, job_id, target, period, unit, now)
    except Exception:  # recorded on the job row and logged
        pass


def build_queued(svc, settings, payload: dict) -> Path:
    """A workbook «Xuất Excel» queued under `serve`, built by `fieldreport worker` (blocking:
    its builder thread)."""
    try:
        period = as_period(payload["spec"])
    except PeriodError:  # a range of days: its spec names it but does not parse back
        period = as_period(tuple(date.fromisoformat(d) for d in payload["dates"]))
    with session_scope(svc.engine) as s:
        unit = s.get(Unit, payload["unit_id"]) if payload["unit_id"] else None
        if unit is not None:
            s.expunge(unit)
    return _build_job(svc, settings, payload["export_job"], Path(payload["target"]), period,
                      unit, datetime.fromisoformat(payload["at"]))


def _download(path: Path, content_type: Optional[str] = None) -> web.FileResponse:
    kind = content_type or (XLSX if path.suffix == ".xlsx" else (
        mimetypes.guess_type(path.name)[0] or "application/octet-stream"))
    return web.FileResponse(path, headers={
        "Content-Type": kind,
        "Content-Disposition": f'attachment; filename="{path.name}"'})


STALE_JOB = timedelta(hours=2)  # a job still "running" this long died with its process


def _job_of(s, viewer, token: str, now: datetime):
    job = s.exec(select(webdb.ExportJob).where(
        webdb.ExportJob.token_hash == webdb.digest(token))).first()
    if job is None or job.who != viewer.who:
        return None
    if job.status == "running" and now - webdb._aware(job.created_at) > STALE_JOB:
        job.status, job.finished_at = "failed", now
        job.error = "Việc xuất bị gián đoạn (máy chủ khởi động lại). Đồng chí xuất lại."
        s.add(job)
        s.flush()
    s.expunge(job)
    return job


async def _job(request: web.Request):
    viewer, token = viewer_of(request), request.match_info["token"]
    now = request.app[APP_SERVICES].clock()
    job = await run_db(request, lambda s: _job_of(s, viewer, token, now))
    if job is None:
        raise web.HTTPNotFound(text="Không có việc xuất này.")
    return job


@routes.get("/xuat/viec/{token}")
async def job_page(request: web.Request):
    job = await _job(request)
    return aiohttp_jinja2.render_template("job.html", request, {
        "title": "Lập bảng tổng hợp", "job": job, "token": request.match_info["token"]})


@routes.get("/xuat/viec/{token}/tien-do")
async def job_progress(request: web.Request):
    job = await _job(request)
    return web.json_response({"status": job.status, "progress": job.progress,
                              "error": job.error})


@routes.get("/xuat/viec/{token}/tep")
async def job_file(request: web.Request):
    job = await _job(request)
    if job.status != "done" or not Path(job.file_path).is_file():
        raise web.HTTPNotFound(text="Tệp chưa sẵn sàng hoặc đã bị xóa (tệp giữ trong một ngày).")
    return _download(Path(job.file_path))


# --- the link /xuat sends on Zalo --------------------------------------------------------------

async def _download_token(request: web.Request) -> tuple[Path, datetime]:
    svc, token = request.app[APP_SERVICES], request.match_info["token"]

    def find(s):
        row = webdb.peek_token(s, token, "download", svc.clock())
        if row is None:
            return None
        if load_viewer_or_none(s, svc, row) is None:  # no longer office staff
            return None
        return Path(row.file_path), webdb._aware(row.expires_at)
    found = await run_db(request, find)
    if found is None or not found[0].is_file():
        raise web.HTTPNotFound(text="Liên kết tải về không đúng hoặc đã hết hạn. Đồng chí gửi "
                                    "lại lệnh /xuat cho bot để nhận liên kết mới.")
    return found


def load_viewer_or_none(s, svc, row):
    from bot.console.security import load_viewer
    return load_viewer(s, svc, row.platform, row.user_id)


@routes.get("/tai-ve/{token}")
async def download_page(request: web.Request):
    path, expires = await _download_token(request)
    return aiohttp_jinja2.render_template("download.html", request, {
        "title": "Tải bảng tổng hợp", "name": path.name, "expires": expires,
        "kind": "Word" if path.suffix == ".docx" else "Excel",
        "href": f"/tai-ve/{request.match_info['token']}/tep"})


@routes.get("/tai-ve/{token}/tep")
async def download_file(request: web.Request):
    return _download((await _download_token(request))[0])
