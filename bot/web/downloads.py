"""/tai/<token>: an export workbook for a platform that cannot send files (Zalo).

The token is 32 random bytes (unguessable) and expires (EXPORT_LINK_HOURS); an unknown or
expired token gets 404 with a Vietnamese explanation and reveals nothing."""
from __future__ import annotations

import asyncio
from pathlib import Path

from aiohttp import web

from bot.web import keys
from storage import serving
from storage.db import session_scope

GONE = ("Liên kết tải bảng tổng hợp không đúng hoặc đã hết hạn. "
        "Đồng chí gửi lại lệnh /xuat cho bot để lập bảng mới.")
PATH = "/tai/{token}"


def download_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/tai/{token}"


async def download(request: web.Request) -> web.StreamResponse:
    token = request.match_info["token"]
    engine, clock = request.app[keys.ENGINE], request.app[keys.CLOCK]

    def find():
        with session_scope(engine) as s:
            return serving.job_by_download_token(s, token) if 20 <= len(token) <= 64 else None
    job = await asyncio.to_thread(find)
    expires = job.download_expires_at if job else None
    if expires is not None and expires.tzinfo is None:
        from datetime import timezone
        expires = expires.replace(tzinfo=timezone.utc)
    if job is None or expires is None or expires < clock() or not Path(job.result_path).is_file():
        return web.Response(text=GONE, status=404, content_type="text/plain", charset="utf-8")
    path = Path(job.result_path)
    return web.FileResponse(path, headers={
        "Content-Disposition": f'attachment; filename="{path.name}"',
        "Cache-Control": "no-store", "X-Robots-Tag": "noindex"})
