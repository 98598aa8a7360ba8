"""`fieldreport worker`: the reminder scheduler, paced delivery and long jobs (Excel exports).

Safe to run twice, or inside every `serve` process (`serve --with-worker`): reminder rounds and
deliveries are claimed row by row, jobs are claimed with a lease, and the sending pace of a bot
is shared through the database (or Redis). A job whose worker died is taken again after LEASE.
"""
from __future__ import annotations

import asyncio
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path
from typing import Callable, Mapping, Optional

from bot.delivery import worker_name
from bot.outbox import Sender, deliver
from bot.settings import Settings, get_settings
from handlers import export_cmd
from handlers.messages import Reply
from handlers.services import Services
from storage import serving, web as webdb
from storage.clock import to_local
from storage.db import session_scope

log = logging.getLogger(__name__)

EXPORT_NICE = 10  # exports yield the CPU to webhooks and reminders on the same machine
LEASE = timedelta(minutes=15)  # a year's export takes about a minute; 15 is a dead worker
POLL = 2.0  # seconds between looks for new jobs
FILE_PLATFORMS = {"telegram"}  # platforms that can receive the workbook itself


def download_url(public_url: str, token: str) -> str:
    """The link /xuat sends on Zalo: the office console's download page."""
    return f"{public_url.rstrip('/')}/tai-ve/{token}"


def export_queue(services: Services) -> Callable:
    """Services.queue_export: checks the period now (a typo is answered at once), queues."""
    def queue(s, request: dict) -> None:
        from exports.periods import as_period
        as_period(request["spec"])  # raises PeriodError (a ValueError) with a Vietnamese text
        serving.enqueue(s, "export", request, services.clock())
    return queue


class JobRunner:
    """Claims queued jobs one at a time and runs them in a thread, off the event loop."""

    def __init__(self, services: Services, senders: Mapping[str, Sender], public_url: str = "",
                 link_hours: int = 24, poll: float = POLL,
                 settings: Optional[Settings] = None):
        """`settings`: the letterhead of the console's workbooks (else the process's settings)."""
        self.services, self.senders, self.settings = services, senders, settings
        self.public_url, self.link_hours, self.poll = public_url, link_hours, poll
        self.worker = worker_name()
        self._stop = asyncio.Event()
        self._task: Optional[asyncio.Task] = None
        # Workbooks are built in a thread of their own at a lower CPU priority.
        self._builder = ThreadPoolExecutor(1, thread_name_prefix="export",
                                           initializer=_lower_priority)

    def start(self) -> None:
        self._task = asyncio.create_task(self.serve())

    async def stop(self, patience: float = 60.0) -> None:
        """Start no new job; a job under way may finish (its file is sent) within patience."""
        self._stop.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), patience)
            except asyncio.TimeoutError:
                self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._builder.shutdown(wait=False)

    async def serve(self) -> None:
        while not self._stop.is_set():
            try:
                worked = await self.run_one()
            except Exception:
                log.exception("job loop failed; trying again shortly")
                worked = False
            if not worked:
                try:
                    await asyncio.wait_for(self._stop.wait(), self.poll)
                except asyncio.TimeoutError:
                    pass

    async def run_one(self) -> bool:
        """Claim and run one job; False when there was none."""
        job = await asyncio.to_thread(self._claim)
        if job is None:
            return False
        log.info("job %s %s started", job.id, job.kind)
        if job.kind == serving.CONSOLE_EXPORT:
            await self._console_export(job)
        else:
            await self._export(job)
        return True

    def _claim(self):
        with session_scope(self.services.engine) as s:
            return serving.claim_job(s, self.worker, self.services.clock(), LEASE,
                                     kinds=("export", serving.CONSOLE_EXPORT))

    async def _console_export(self, job) -> None:
        """A workbook the office asked for in the console: its page follows the job's row."""
        from bot.console.exporting import build_queued
        settings = self.settings or get_settings()
        try:
            path = await asyncio.get_running_loop().run_in_executor(
                self._builder, build_queued, self.services, settings, job.payload)
        except Exception as exc:  # logged, and said on the console's job row, by the builder
            await asyncio.to_thread(self._finish, job.id, "failed", "", f"{type(exc).__name__}")
            return
        await asyncio.to_thread(self._finish, job.id, "done", str(path), "")
        log.info("job %s console export %s written", job.id, job.payload["spec"])

    async def _export(self, job) -> None:
        request = job.payload
        sender = self.senders.get(request["platform"])
        try:
            path = await asyncio.get_running_loop().run_in_executor(self._builder, self._build,
                                                                    request)
        except Exception as exc:
            log.exception("export job %s failed", job.id)
            await asyncio.to_thread(self._finish, job.id, "failed", "", f"{type(exc).__name__}")
            if sender is not None:
                await deliver(sender, request["chat_id"], Reply(export_cmd.FAILED))
            return
        word = request.get("format") == "word"
        link = None
        if request["platform"] in FILE_PLATFORMS:
            done = export_cmd.DONE_REPORT if word else export_cmd.DONE
            reply = Reply(done.format(label=request["label"], scope=request["scope"]),
                          document=path)
        elif self.public_url:
            link = self.services.clock() + timedelta(hours=self.link_hours)  # it expires then
        # Recorded before sending: a link must work the moment the user sees it.
        token = await asyncio.to_thread(self._finish, job.id, "done", str(path), "", request,
                                        link)
        if link is not None:
            link_text = export_cmd.DONE_LINK_REPORT if word else export_cmd.DONE_LINK
            reply = Reply(link_text.format(
                label=request["label"], scope=request["scope"],
                url=download_url(self.public_url, token),
                expires=to_local(link).strftime("%H:%M %d/%m/%Y")))
        elif request["platform"] not in FILE_PLATFORMS:
            reply = Reply(export_cmd.DONE_NO_LINK.format(label=request["label"],
                                                         scope=request["scope"]))
        if sender is None:
            log.warning("export job %s done, but no %s sender runs here", job.id,
                        request["platform"])
            return
        try:
            await deliver(sender, request["chat_id"], reply)
        except Exception:  # e.g. a file the platform refuses: the job stays done, we say so
            log.exception("export job %s: the result could not be sent", job.id)
            await deliver(sender, request["chat_id"], Reply(export_cmd.FAILED))
            return
        log.info("job %s export %s delivered to %s:%s", job.id, request["spec"],
                 request["platform"], request["chat_id"])

    def _build(self, request: dict) -> Path:
        with session_scope(self.services.engine) as s:
            build = (self.services.export_report if request.get("format") == "word"
                     and self.services.export_report is not None
                     else self.services.export_workbook)
            return build(s, request["spec"], unit_id=request["unit_id"],
                         generated_at=self.services.clock())

    def _finish(self, job_id, status, path, error, request=None, link_expires=None):
        """Marks the job; with link_expires, also issues the download token of the console's
        page /tai-ve/<token> (hashed at rest, for this staff member) and returns it."""
        with session_scope(self.services.engine) as s:
            now = self.services.clock()
            serving.finish_job(s, job_id, status, now, path, error)
            if link_expires is None:
                return None
            return webdb.issue_download_token(
                s, request["platform"], str(request.get("user_id") or request["chat_id"]), path,
                now, ttl=link_expires - now)


def _lower_priority() -> None:
    """Linux nice values are per thread: only the export thread is lowered."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), EXPORT_NICE)
    except (AttributeError, OSError):  # not Linux, or not allowed: run at normal priority
        pass


class Worker:
    """Reminders + jobs in one event loop, over senders someone else opened."""

    def __init__(self, settings: Settings, services: Services, senders: Mapping[str, Sender],
                 poll: float = POLL):
        self.settings, self.services, self.senders = settings, services, senders
        self.jobs = JobRunner(services, senders, settings.public_url, settings.export_link_hours,
                              poll, settings)
        self.reminders = None

    async def start(self) -> None:
        from bot.scheduler import start_reminders
        self.reminders = start_reminders(self.settings, self.services, self.senders)
        self.jobs.start()
        log.info("worker %s started (reminders %s)", self.jobs.worker,
                 "on" if self.reminders else "off")

    async def stop(self) -> None:
        if self.reminders is not None:
            await self.reminders.stop()
        await self.jobs.stop()


async def open_senders(settings: Settings, engine, stack: AsyncExitStack) -> dict[str, Sender]:
    """Senders only (no polling, no webhook): what `fieldreport worker` needs to send."""
    senders: dict[str, Sender] = {}
    if settings.telegram_bot_token:
        from telegram import Bot
        from telegram.request import HTTPXRequest

        from bot.telegram.sender import TelegramSender
        api = settings.telegram_api_url.rstrip("/")
        bot = Bot(settings.telegram_bot_token.get_secret_value(), base_url=f"{api}/bot",
                  base_file_url=f"{api}/file/bot", request=HTTPXRequest(connection_pool_size=32))
        await stack.enter_async_context(bot)
        senders["telegram"] = TelegramSender(bot)
    if settings.zalo_bot_token or settings.zalo_oa_app_id:
        import aiohttp

        from bot.zalo.app import bot_configured, oa_configured
        session = await stack.enter_async_context(aiohttp.ClientSession())
        if bot_configured(settings):
            from bot.zalo.client import ZaloClient
            from bot.zalo.sender import ZaloSender
            senders["zalo"] = ZaloSender(ZaloClient(settings.zalo_bot_token.get_secret_value(),
                                                    settings.zalo_api_url, session=session))
        if oa_configured(settings):
            from bot.zalo.oa import OaClient, OaTokens
            from bot.zalo.oa_events import OaSender
            seed = (settings.zalo_oa_refresh_token.get_secret_value()
                    if settings.zalo_oa_refresh_token else "")
            tokens = OaTokens(engine, settings.zalo_oa_app_id,
                              settings.zalo_oa_app_secret.get_secret_value(),
                              settings.zalo_oa_oauth_url, lambda: session,
                              seed_refresh_token=seed)
            senders["zalo_oa"] = OaSender(OaClient(tokens, settings.zalo_oa_api_url,
                                                   session=session))
    return senders


async def run_worker(settings: Settings, stop: Optional[asyncio.Event] = None) -> None:
    """`fieldreport worker` until SIGTERM/SIGINT (or `stop`, in tests)."""
    from bot.bootstrap import build_services
    from bot.runner import NO_TOKEN, wait_for_stop_signal
    services = build_services(settings)
    services.queue_export = export_queue(services)
    async with AsyncExitStack() as stack:
        senders = await open_senders(settings, services.engine, stack)
        if not senders:
            raise SystemExit(NO_TOKEN)
        worker = Worker(settings, services, senders)
        await worker.start()
        stack.push_async_callback(worker.stop)
        await (stop.wait() if stop is not None else wait_for_stop_signal())
