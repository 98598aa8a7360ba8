"""`fieldreport serve` under gunicorn with aiohttp's worker: gunicorn forks, supervises and
restarts the processes and turns SIGTERM into a graceful stop (our on_shutdown drains)."""
from __future__ import annotations

from functools import partial

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from bot.settings import Settings

GRACEFUL = 30  # seconds SIGTERM gives a worker to drain


class ServeApplication(BaseApplication):
    def __init__(self, options: dict, factory):
        self.options, self.factory = options, factory
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return self.factory


class RootLogger(Logger):
    """gunicorn's own messages go through our handler (bot/logs.py): one line per event, JSON
    with LOG_FORMAT=json, like everything else."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in list(log.handlers):
                log.removeHandler(handler)
            log.propagate = True


def gunicorn_options(settings: Settings, workers: int) -> dict:
    return {
        "bind": settings.listen,
        "workers": workers,
        "worker_class": "aiohttp.GunicornWebWorker",
        "graceful_timeout": GRACEFUL,
        "timeout": 60,
        "keepalive": 75,  # behind nginx, which reuses upstream connections
        "proc_name": "fieldreport-serve",
        "accesslog": None,
        "logger_class": "bot.web.gunicorn.RootLogger",
        "loglevel": settings.log_level.lower(),
    }


def run_gunicorn(settings: Settings, workers: int, with_worker: bool) -> None:
    from bot.web.app import create_app
    factory = partial(create_app, with_worker=with_worker)
    ServeApplication(gunicorn_options(settings, workers), factory).run()
