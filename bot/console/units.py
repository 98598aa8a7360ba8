"""Đơn vị: the tree, a units file checked and previewed before it is written, the join sheet."""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp_jinja2
from aiohttp import web

from bot.console.db import APP_SERVICES, APP_SETTINGS, run_db, write_file
from bot.console.security import viewer_of
from storage import repo, web as webdb
from storage.units_import import UnitImportError, import_units

routes = web.RouteTableDef()
MAX_UPLOAD = 2 * 1024 * 1024
SUFFIXES = (".xlsx", ".csv")
TOO_BIG = "Tệp lớn quá 2 MB. Đồng chí chia nhỏ tệp hoặc bỏ các cột thừa."
BAD_TYPE = "Chỉ nhận tệp .xlsx hoặc .csv có dòng tiêu đề code,name,parent_code[,level][,contact]."
NO_FILE = "Đồng chí chọn tệp đơn vị (.xlsx hoặc .csv) trước khi bấm «Xem trước»."
STALE = "Tệp xem trước không còn (giữ trong 1 giờ). Đồng chí tải tệp lên lại."


@dataclass
class Preview:
    added: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)  # level/contact only
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)


def uploads_dir(settings) -> Path:
    return Path(settings.media_dir).parent / "uploads"


def tree_page(s, viewer) -> dict:
    units = [u for u in repo.all_units(s, include_retired=True) if viewer.may_see(u.id)]
    return {"tree": repo.tree_order(units), "title": "Đơn vị", "may_retire": viewer.scope is None,
            "audit": webdb.audit_trail(s, "units", set(viewer.scope) if viewer.scope else None)}


@routes.get("/don-vi")
async def units_page(request: web.Request):
    viewer = viewer_of(request)
    data = await run_db(request, lambda s: tree_page(s, viewer))
    return aiohttp_jinja2.render_template("units.html", request, {**data, "notice": request.query.get("tb", "")})


def check_file(s, viewer, path: Path, retire_missing: bool, apply: bool) -> Preview:
    """Runs the real import in a transaction and, for a preview, rolls it back."""
    from exports.tables import TableError, read_table
    preview = Preview()
    try:
        header, rows = read_table(path)
    except TableError as exc:
        preview.problems.append(str(exc))
        return preview
    before = {u.code: (u.name, u.parent_id, u.active) for u in repo.all_units(s, include_retired=True)}
    ids = {u.id: u.code for u in repo.all_units(s, include_retired=True)}
    preview.problems += outside_scope(s, viewer, header, rows)
    if preview.problems:
        return preview
    nested = s.begin_nested()
    try:
        result = import_units(s, header, rows, retire_missing=retire_missing and viewer.scope is None)
        s.flush()
    except UnitImportError as exc:
        nested.rollback()
        preview.problems += exc.problems
        return preview
    after = {u.code: (u.name, u.parent_id, u.active) for u in repo.all_units(s, include_retired=True)}
    preview.added, preview.retired, preview.unchanged = result.added, result.retired, result.unchanged
    for code in result.updated:
        old, new = before[code], after[code]
        if old[0] != new[0]:
            preview.renamed.append(f"{code}: «{old[0]}» → «{new[0]}»")
        if old[1] != new[1]:
            preview.moved.append(f"{code}: {ids.get(old[1], '—')} → {ids.get(new[1]) or _code_of(s, new[1])}")
        if old[0] == new[0] and old[1] == new[1]:
            preview.other.append(code)
    if apply:
        nested.commit()
    else:
        nested.rollback()
    return preview


def _code_of(s, unit_id):
    from storage.models import Unit
    unit = s.get(Unit, unit_id) if unit_id else None
    return unit.code if unit else "—"


def outside_scope(s, viewer, header, rows) -> list[str]:
    """A staff member of one union may change only units inside their own subtree."""
    if viewer.scope is None:
        return []
    names = [str(h or "").strip().lower() for h in header]
    if "code" not in names or "parent_code" not in names:
        return []  # import_units names the missing column
    code_at, parent_at = names.index("code"), names.index("parent_code")
    in_file = set()
    problems = []
    for number, raw in enumerate(rows, start=2):
        cell = lambda i: str(raw[i] if i < len(raw) and raw[i] is not None else "").strip()  # noqa: E731
        code, parent = cell(code_at), cell(parent_at)
        if not code:
            continue
        in_file.add(code)
        unit = repo.unit_by_code(s, code)
        if unit is not None and not viewer.may_see(unit.id):
            problems.append(f"dòng {number}: đơn vị {code} không thuộc phạm vi của đồng chí")
            continue
        if unit is not None and unit.id == viewer.root_id:
            from storage.models import Unit
            above = s.get(Unit, unit.parent_id) if unit.parent_id else None
            if parent != (above.code if above else ""):  # their own place is the level above's
                problems.append(f"dòng {number}: không đổi được đơn vị cấp trên của {code} "
                                f"(việc của cấp trên)")
            continue
        parent_unit = repo.unit_by_code(s, parent) if parent else None
        if parent_unit is not None and not viewer.may_see(parent_unit.id):
            problems.append(f"dòng {number}: đơn vị cấp trên {parent} không thuộc phạm vi của đồng chí")
        elif parent_unit is None and parent not in in_file and not _later(rows, parent, code_at):
            problems.append(f"dòng {number}: đơn vị {code} cần có đơn vị cấp trên trong phạm vi "
                            f"của đồng chí (parent_code)")
    return problems


def _later(rows, code: str, code_at: int) -> bool:
    return bool(code) and any(len(r) > code_at and str(r[code_at] or "").strip() == code for r in rows)


async def _read_upload(request: web.Request):
    form = await request.post()
    field_ = form.get("tep")
    if not isinstance(field_, web.FileField) or not field_.filename:
        return None, NO_FILE, form
    suffix = Path(field_.filename).suffix.lower()
    if suffix not in SUFFIXES:
        return None, BAD_TYPE, form
    data = field_.file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        return None, TOO_BIG, form
    if suffix == ".xlsx" and not data.startswith(b"PK"):
        return None, BAD_TYPE, form
    return (data, suffix), "", form


@routes.post("/don-vi/xem-truoc")
async def upload_preview(request: web.Request):
    viewer, settings = viewer_of(request), request.app[APP_SETTINGS]
    upload, problem, form = await _read_upload(request)
    retire = form.get("ngung") == "1"
    if upload is None:
        data = await run_db(request, lambda s: tree_page(s, viewer))
        return aiohttp_jinja2.render_template("units.html", request, {
            **data, "upload_error": problem})
    content, suffix = upload
    folder = uploads_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    _prune(folder)
    token = webdb.new_secret()
    path = folder / f"{webdb.digest(token)}{suffix}"
    path.write_bytes(content)
    preview = await run_db(request, lambda s: check_file(s, viewer, path, retire, apply=False))
    if preview.problems:
        path.unlink(missing_ok=True)
    return aiohttp_jinja2.render_template("units_preview.html", request, {
        "title": "Xem trước tệp đơn vị", "preview": preview, "token": token, "suffix": suffix,
        "retire": retire})


@routes.post("/don-vi/ap-dung")
async def upload_apply(request: web.Request):
    viewer, settings, svc = viewer_of(request), request.app[APP_SETTINGS], request.app[APP_SERVICES]
    form = await request.post()
    token, suffix = str(form.get("token", "")), str(form.get("suffix", ""))
    retire = form.get("ngung") == "1"
    if suffix not in SUFFIXES:
        raise web.HTTPNotFound(text=STALE)
    path = uploads_dir(settings) / f"{webdb.digest(token)}{suffix}"
    if not token or not path.is_file():
        raise web.HTTPNotFound(text=STALE)

    def apply(s):
        preview = check_file(s, viewer, path, retire, apply=True)
        if not preview.problems:
            webdb.record(s, viewer.who, "units", "nap_tep",
                         f"thêm {len(preview.added)}, đổi tên {len(preview.renamed)}, "
                         f"chuyển {len(preview.moved)}, ngừng {len(preview.retired)}",
                         viewer.root_id, svc.clock())
        return preview
    preview = await run_db(request, apply)
    path.unlink(missing_ok=True)
    if preview.problems:
        return aiohttp_jinja2.render_template("units_preview.html", request, {
            "title": "Xem trước tệp đơn vị", "preview": preview, "token": "", "suffix": suffix,
            "retire": retire})
    raise web.HTTPSeeOther("/don-vi?tb=da-nap")


def _prune(folder: Path, keep_seconds: int = 3600) -> None:
    import time
    limit = time.time() - keep_seconds
    for old in folder.iterdir():
        try:
            if old.stat().st_mtime < limit:
                old.unlink()
        except OSError:
            pass


@routes.get("/don-vi/ma-tham-gia.{kind:(pdf|xlsx)}")
async def join_sheet_file(request: web.Request):
    viewer, settings = viewer_of(request), request.app[APP_SETTINGS]
    kind = request.match_info["kind"]

    def build(s):
        from bot.links import join_sheet
        sheet = join_sheet(s, settings)
        codes = {u.code for u in repo.all_units(s) if viewer.may_see(u.id)}
        sheet.cards = [c for c in sheet.cards if c.code in codes]
        return sheet

    sheet = await run_db(request, build)
    from exports.join_sheet import write_join_sheet
    out = Path(tempfile.mkdtemp(prefix="ma-tham-gia-")) / f"ma-tham-gia.{kind}"
    await write_file(write_join_sheet, out, sheet)
    body = out.read_bytes()
    out.unlink()
    out.parent.rmdir()
    media = "application/pdf" if kind == "pdf" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return web.Response(body=body, content_type=media, headers={
        "Content-Disposition": f'attachment; filename="ma-tham-gia.{kind}"'})
