"""Headers, the session cookie, CSRF and who is logged in: one middleware chain for every page."""
from __future__ import annotations

import base64
import hmac
import logging
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from aiohttp import web
from aiohttp_session import get_session, session_middleware
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from bot.console.db import APP_SERVICES, run_db
from storage import repo, web as webdb
from storage.models import Unit

log = logging.getLogger(__name__)

COOKIE = "fr_console"
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"
VIEWER = web.RequestKey("console_viewer", object) if hasattr(web, "RequestKey") else "console.viewer"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
PUBLIC_PREFIXES = ("/dang-nhap", "/static/", "/tai-ve/")


def cookie_key(secret: Optional[str], key_file: Path) -> bytes:
    """CONSOLE_SECRET_KEY, or a key kept in a file beside the data (made once, mode 0600), so
    every worker process on the machine decrypts every other one's cookies. The file appears
    whole or not at all (written aside, then hard-linked into place; a link never replaces),
    so two processes starting at once both end up with the first one's key."""
    if secret:
        key = base64.urlsafe_b64decode(secret.encode() + b"==")
        if len(key) != 32:
            raise SystemExit("CONSOLE_SECRET_KEY phải là 32 byte mã hóa base64 (xem .env.example).")
        return key
    if not key_file.is_file():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        fd, draft = tempfile.mkstemp(dir=key_file.parent, prefix=".console-key-")  # mode 0600
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(base64.urlsafe_b64encode(os.urandom(32)))
            os.link(draft, key_file)
        except FileExistsError:
            pass  # another process was first: its key is the one
        finally:
            os.unlink(draft)
    return base64.urlsafe_b64decode(key_file.read_bytes().strip())


def session_layer(key: bytes, secure: bool):
    # No max_age: a browser-session cookie; the 8-hour idle limit is kept in web_session.
    storage = EncryptedCookieStorage(key, cookie_name=COOKIE, httponly=True, secure=secure,
                                     samesite="Lax", path="/")
    return session_middleware(storage)


@web.middleware
async def security_headers(request: web.Request, handler):
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
        _headers(response)
        raise
    _headers(response)
    return response


def _headers(response) -> None:
    h = response.headers
    h.setdefault("Content-Security-Policy", CSP)
    h.setdefault("X-Frame-Options", "DENY")
    h.setdefault("Referrer-Policy", "no-referrer")  # login and download links carry tokens
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("Cache-Control", "no-store")


async def csrf_token(request: web.Request) -> str:
    session = await get_session(request)
    if CSRF_FIELD not in session:
        session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return session[CSRF_FIELD]


@web.middleware
async def csrf_check(request: web.Request, handler):
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        session = await get_session(request)
        expected = session.get(CSRF_FIELD, "")
        given = request.headers.get(CSRF_HEADER, "")
        if not given:
            form = await request.post()
            given = str(form.get(CSRF_FIELD, ""))
        if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
            raise web.HTTPForbidden(text="Phiên làm việc đã hết hạn hoặc yêu cầu không hợp lệ. "
                                         "Đồng chí tải lại trang rồi thử lại.")
    return await handler(request)


@dataclass(frozen=True)
class Viewer:
    """The logged-in office staff member and the subtree they may see."""

    platform: str
    user_id: str
    root_id: Optional[int]  # None: the whole tree
    scope: Optional[frozenset[int]]  # None: every unit
    root_name: str

    @property
    def who(self) -> str:
        return webdb.who(self.platform, self.user_id)

    def may_see(self, unit_id: Optional[int]) -> bool:
        return self.scope is None or unit_id in self.scope


def load_viewer(s, svc, platform: str, user_id: str) -> Optional[Viewer]:
    allowed, root_id = repo.admin_scope(s, platform, user_id, svc.env_admins)
    if not allowed:
        return None
    if root_id is None:
        return Viewer(platform, user_id, None, None, "Toàn bộ các đơn vị")
    root = s.get(Unit, root_id)
    return Viewer(platform, user_id, root_id, frozenset(repo.subtree_ids(s, root_id)), root.name)


@web.middleware
async def require_login(request: web.Request, handler):
    if request.path.startswith(PUBLIC_PREFIXES):
        return await handler(request)
    session = await get_session(request)
    sid = session.get("sid")
    svc = request.app[APP_SERVICES]

    def check(s):
        if not sid:
            return None
        row = webdb.live_session(s, sid, svc.clock())
        return load_viewer(s, svc, row.platform, row.user_id) if row else None
    viewer = await run_db(request, check)
    if viewer is None:
        if sid:
            session.invalidate()
        raise web.HTTPFound("/dang-nhap")
    request[VIEWER] = viewer
    return await handler(request)


def viewer_of(request: web.Request) -> Viewer:
    return request[VIEWER]
