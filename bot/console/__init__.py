"""The office console: web pages where union office staff see, check and download.

    from bot.console import console_app, mount_console
    console = console_app(services, settings)
    web.run_app(console)                       # alone, or
    mount_console(server_app, console)         # beside /telegram/webhook, /zalo/webhook, /healthz

Every page is scoped to the logged-in person's subtree on the server. aiohttp cannot mount a
sub-application at "/", so mount_console adds it with a rule that claims exactly the console's
own paths; everything else (webhooks, /healthz) stays with the parent application.
"""
from __future__ import annotations

from functools import partial

from aiohttp import web
from aiohttp.web_urldispatcher import AbstractRuleMatching, MatchedSubAppResource, MatchInfoError

from bot.console.app import console_app

__all__ = ["console_app", "mount_console"]


class _ConsolePaths(AbstractRuleMatching):
    """Matches the requests the console's own router resolves (405 included)."""

    def __init__(self, console: web.Application, parent: web.Application):
        self._console, self._parent = console, parent
        self._parent_paths: frozenset[str] | None = None

    async def match(self, request: web.Request) -> bool:
        if self._parent_paths is None:  # the parent's routes are all added by the first request
            self._parent_paths = frozenset(r.canonical for r in self._parent.router.resources()
                                           if isinstance(r, web.PlainResource))
        if request.path in self._parent_paths:
            return False  # a webhook or /healthz: skip the console's lookup (every update)
        found = await self._console.router.resolve(request)
        return not isinstance(found, MatchInfoError) or isinstance(
            found.http_exception, web.HTTPMethodNotAllowed)

    def get_info(self):
        return {"rule": "office console paths"}

    @property
    def canonical(self) -> str:
        return "console"


def mount_console(parent: web.Application, console: web.Application) -> None:
    """Serve the console's paths from `parent` with the console's own middlewares."""
    rule = _ConsolePaths(console, parent)
    parent._add_subapp(partial(MatchedSubAppResource, rule, console), console)  # as add_domain
