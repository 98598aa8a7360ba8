"""console_app(services, settings): the aiohttp application of the office console."""
from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.console import auth, exporting, overview, reports, schedule, staff, units
from bot.console.db import APP_SERVICES, APP_SETTINGS
from bot.console.format import FILTERS
from bot.console.security import (cookie_key, csrf_check, csrf_token, require_login,
                                  security_headers, session_layer, viewer_of)

HERE = Path(__file__).parent
MAX_BODY = 3 * 1024 * 1024  # the largest upload (units file, 2 MB) and its form around it


def console_app(services, settings) -> web.Application:
    secret = settings.console_secret_key.get_secret_value() if settings.console_secret_key else ""
    key = cookie_key(secret, Path(settings.media_dir).parent / "console-secret.key")
    secure = settings.public_url.startswith("https://")
    app = web.Application(client_max_size=MAX_BODY, middlewares=[
        security_headers, session_layer(key, secure), require_login, csrf_check])
    app[APP_SERVICES] = services
    app[APP_SETTINGS] = settings
    env = aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(HERE / "templates"),
                               autoescape=True, context_processors=[_page_context])
    env.filters.update(FILTERS)
    app.router.add_static("/static/", HERE / "static", name="static")
    for module in (auth, overview, reports, exporting, units, schedule, staff):
        app.add_routes(module.routes)
    exporting.setup(app)
    return app


async def _page_context(request: web.Request) -> dict:
    from bot.console.security import VIEWER
    return {"csrf": await csrf_token(request), "viewer": request.get(VIEWER),
            "path": request.path}


__all__ = ["console_app", "viewer_of"]
