"""Webhook load: `fieldreport serve --workers 2` on PostgreSQL against a bare aiohttp webhook.

    python3 benchmarks/webhook_load.py [--db postgresql://postgres@127.0.0.1:5432/test]
                                       [--cadres 1000] [--rate 200] [--rounds 3] [--no-export]

Everything on this machine, over loopback. A load generator posts real Telegram update JSON
(with the secret header) for simulated cadres, each doing a whole report dialog: /start <code>,
/baocao, task button, content, head count, «Xong», «Không có», «Gửi» (8 updates), each for a
branch of its own that has not reported this week (the receipts are counted). A cadre sends
its next step only after the reply to the last one reached the local fake Bot API, which also
answers setWebhook and the callback-query answers. A button tap carries the message it was
under, text and whole keyboard, as Telegram sends it. A step's latency is from its POST to its
reply at the fake Bot API. The data lives in a schema of its own, dropped at the end.

Measured in the same run, each with gunicorn and two aiohttp worker processes:
- bare: benchmarks/bare_webhook.py — secret check, one INSERT + commit, 200, one sendMessage;
- fieldreport: `fieldreport serve --workers 2` (update stored before the 200, the dialog step
  committed, the reply sent).
Both run side by side on two ports. Saturated (all cadres at once: the most updates/s), they
take turns for --rounds rounds of fresh cadres, so a machine whose speed drifts slows both
alike; then each is paced at --rate updates/s (p50/p99 at that load). Lost = a step whose
reply never came (30 s), duplicated = a chat that got more replies than steps. CPU per update
is read from /proc: the server's processes, and PostgreSQL's. Then, unless --no-export, office
staff ask /xuat for the year 2026 over 100,000 reports (of 980 other branches) while other
cadres report at --rate / 4; `fieldreport worker` builds it; the p99 of their steps during
the export is printed (target < 250 ms). The same again for the year's workbook asked for in
the office console (log-in link, «Xuất Excel», the job page polled until done).
The last line starts with the median over the rounds of the ratio of saturated updates/s,
fieldreport / bare (target >= 0.5).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from bot.settings import Settings  # noqa: E402
from bot.web.app import telegram_secret  # noqa: E402
from storage import web as webdb  # noqa: E402
from storage.db import make_engine, normalize_url, session_scope  # noqa: E402
from tests.fake_telegram_api import TOKEN, FakeBotApi, Received  # noqa: E402
from tests.fake_zalo import free_port  # noqa: E402
from tests.telegram_fake import Updates  # noqa: E402

DISTRICTS, REPORTS, YEAR = 19, 100_000, 2026
REPORTING_BRANCHES = 980  # the year's reports are theirs; the simulated cadres have their own
ADMIN_ID = 99
STEP_TIMEOUT = 30.0
RECEIPT = "Mã biên nhận"


class ReplyWatch(FakeBotApi):
    """The fake Bot API that wakes the cadre waiting for a reply in its chat."""

    def __init__(self):
        super().__init__(per_second=10**9, per_chat_per_minute=10**9)
        self.waiters: dict[str, asyncio.Future] = {}
        self.counts: dict[str, int] = defaultdict(int)
        self.documents: list[float] = []
        self.last: dict[str, Received] = {}  # each chat's latest message, for its buttons

    async def _handle(self, request: web.Request) -> web.Response:
        response = await super()._handle(request)
        method = request.match_info["method"]
        if method in ("sendMessage", "sendDocument") and response.status == 200:
            chat = str(self.received[-1].chat_id)
            self.counts[chat] += 1
            self.last[chat] = self.received[-1]
            if method == "sendDocument":
                self.documents.append(time.monotonic())
            waiter = self.waiters.pop(chat, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(time.monotonic())
        return response


class Pace:
    """Offered load: at most `rate` steps per second over all cadres (None: as fast as replies)."""

    def __init__(self, rate: float | None):
        self.gap = 1.0 / rate if rate else 0.0
        self.next = 0.0

    async def turn(self) -> None:
        if not self.gap:
            return
        now = time.monotonic()
        slot = max(self.next, now)
        self.next = slot + self.gap
        if slot > now:
            await asyncio.sleep(slot - now)


def dialog(updates: Updates, user: dict, code: str, task_id: int) -> list[dict]:
    return [updates.text(user, f"/start {code}"), updates.text(user, "/baocao"),
            updates.tap(user, f"task:{task_id}"),
            updates.text(user, "Ra quân dọn vệ sinh tuyến đường ấp, trồng cây xanh"),
            updates.text(user, "25"), updates.tap(user, "done"), updates.tap(user, "skip"),
            updates.tap(user, "send")]


def as_telegram_sends(update: dict, shown: Received | None) -> dict:
    """A button tap as Telegram delivers it: with the message the button was under, its text
    and its whole keyboard (what the bot last sent to the chat)."""
    query = update.get("callback_query")
    if query is None or shown is None or not shown.buttons:
        return update
    message = {**query["message"], "text": shown.text,
               "reply_markup": {"inline_keyboard": [[button] for button in shown.buttons]}}
    return {**update, "callback_query": {**query, "message": message}}


def postgres_cpu() -> float:
    """CPU seconds used so far by every PostgreSQL process of this machine."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text_ = stat.read_text()
        except OSError:
            continue
        if "(postgres)" in text_:
            fields = text_[text_.rfind(")") + 2:].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its children."""
    pids = [pid] + [int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], text=True,
                                                      capture_output=True).stdout.split()]
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for p in pids:
        try:
            stat = Path(f"/proc/{p}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


async def run_load(base: str, secret: str, api: ReplyWatch, cadres: list[tuple[dict, list]],
                   rate: float | None, window: list | None = None, server_pid: int = 0) -> dict:
    """Every cadre plays its dialog; returns rate, latencies, lost and duplicated, and the
    server's CPU milliseconds per update (a figure other work on the machine does not skew)."""
    cpu0 = tree_cpu(server_pid) if server_pid else 0.0
    db0 = postgres_cpu()
    own0 = time.process_time()  # this process: the load generator and the fake Bot API
    latencies: list[tuple[float, float]] = []  # (sent at, latency)
    lost = 0
    pace = Pace(rate)
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
    connector = aiohttp.TCPConnector(limit=100)  # like Telegram's max_connections
    async with aiohttp.ClientSession(connector=connector) as http:
        async def cadre(user: dict, steps: list[dict]) -> None:
            nonlocal lost
            chat = str(user["id"])
            for update in steps:
                await pace.turn()
                update = as_telegram_sends(update, api.last.get(chat))
                waiter = asyncio.get_running_loop().create_future()
                api.waiters[chat] = waiter
                start = time.monotonic()
                async with http.post(f"{base}/telegram/webhook", json=update,
                                     headers=headers) as resp:
                    await resp.read()
                    ok = resp.status == 200
                try:
                    if not ok:
                        raise asyncio.TimeoutError
                    got = await asyncio.wait_for(waiter, STEP_TIMEOUT)
                except asyncio.TimeoutError:
                    lost += len(steps) - steps.index(update)
                    return
                latencies.append((start, got - start))
        t0 = time.monotonic()
        await asyncio.gather(*(cadre(user, steps) for user, steps in cadres))
        elapsed = time.monotonic() - t0
    cpu = (tree_cpu(server_pid) - cpu0) if server_pid else float("nan")
    db_cpu = postgres_cpu() - db0
    own_cpu = time.process_time() - own0
    await asyncio.sleep(1.0)  # late duplicates would arrive now
    sent_steps = sum(len(steps) for _, steps in cadres)
    duplicated = sum(max(0, api.counts[str(user["id"])] - len(steps)) for user, steps in cadres)
    # Each dialog ends with the receipt of a saved report (bare answers «Đã nhận» instead).
    saved = sum(1 for user, _ in cadres if RECEIPT in api.last[str(user["id"])].text)
    lat = [x for _, x in latencies]
    if window is not None:
        lat_in = [x for at, x in latencies if window[0] <= at <= (window[1] or float("inf"))]
    else:
        lat_in = lat
    return {"updates": sent_steps, "rate": len(lat) / elapsed, "p50": pct(lat, 50),
            "p99": pct(lat, 99), "lost": lost, "duplicated": duplicated,
            "p99_window": pct(lat_in, 99), "n_window": len(lat_in),
            "cpu_ms": cpu * 1000 / max(1, len(lat)),
            "db_cpu_ms": db_cpu * 1000 / max(1, len(lat)),
            "own_cpu_ms": own_cpu * 1000 / max(1, len(lat)), "saved": saved, "cadres": len(cadres)}


def pct(values: list[float], q: int) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q / 100))] * 1000


def show(name: str, r: dict) -> None:
    print(f"{name:26} {r['updates']:6} updates {r['rate']:7.0f} updates/s  "
          f"p50 {r['p50']:7.1f} ms  p99 {r['p99']:7.1f} ms  lost {r['lost']}  "
          f"duplicated {r['duplicated']}  CPU/update: server {r['cpu_ms']:.2f} ms, "
          f"PostgreSQL {r['db_cpu_ms']:.2f} ms, load+fake API {r['own_cpu_ms']:.2f} ms"
          + (f"  reports saved {r['saved']}/{r['cadres']}" if r["saved"] else ""), flush=True)


# --- data -----------------------------------------------------------------------------------

def prepare(db: str, branches: int, with_reports: bool, schema: str
            ) -> tuple[str, list[str], int]:
    """A schema of its own with `branches` branches under 19 districts (and, with reports, 980
    more branches with a year of reports); returns its URL, the join codes of the `branches`
    (none of which has a report yet) and a task id."""
    from bot.bootstrap import open_database
    from storage import repo
    from storage.db import session_scope
    from storage.models import Report, Unit
    admin = make_engine(db)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        conn.execute(text(f'CREATE TABLE "{schema}".bare_update (update_id bigint PRIMARY KEY)'))
    admin.dispose()
    sep = "&" if "?" in db else "?"
    url = normalize_url(db) + f"{sep}options=-csearch_path%3D{schema}"
    engine = open_database(url)
    units = [dict(id=1, code="TD", name="Tỉnh đoàn", parent_id=None, level="Tỉnh")]
    units += [dict(id=2 + d, code=f"HD{d:02d}", name=f"Huyện đoàn {d + 1}", parent_id=1,
                   level="Huyện") for d in range(DISTRICTS)]
    units += [dict(id=2 + DISTRICTS + b, code=f"CD{b:04d}", name=f"Chi đoàn {b + 1}",
                   parent_id=2 + b % DISTRICTS, level="Chi đoàn")
              for b in range(branches + (REPORTING_BRANCHES if with_reports else 0))]
    for i, u in enumerate(units):
        u.update(join_code=f"J{i:07d}", position=i, active=True, contact=None)
    with engine.begin() as conn:
        conn.execute(insert(Unit), units)
        conn.execute(text("SELECT setval(pg_get_serial_sequence('unit', 'id'), :last)"),
                     {"last": len(units)})
    with session_scope(engine) as s:
        tasks = [t.id for t in repo.active_tasks(s)]
    if with_reports:
        rng = random.Random(9)
        rows = []
        for i in range(REPORTS):
            week = 1 + i % 52
            at = datetime.fromisocalendar(YEAR, week, 3).replace(hour=3, tzinfo=timezone.utc)
            unit_id = 2 + DISTRICTS + branches + rng.randrange(REPORTING_BRANCHES)
            rows.append(dict(receipt_code=f"BX-{i:06d}", unit_id=unit_id,
                             task_id=rng.choice(tasks), platform="telegram",
                             reporter_id=str(rng.randint(1, 5000)), reporter_name="Đoàn viên",
                             content="Ra quân dọn vệ sinh, trồng cây xanh, thu gom rác thải",
                             participants=rng.randint(3, 60), period=f"{YEAR}-W{week:02d}",
                             revision=1, created_at=at, updated_at=at))
        with engine.begin() as conn:
            for i in range(0, len(rows), 10_000):
                conn.execute(insert(Report), rows[i:i + 10_000])
    engine.dispose()
    return url, [u["join_code"] for u in units if u["level"] == "Chi đoàn"][:branches], tasks[0]


class Cadres:
    """Fresh cadres, each the first of a branch of its own: the whole dialog, as a branch's
    reporter goes through it once a week (a second reporter of the same branch and week is
    asked instead whether to report another activity or edit, a shorter path)."""

    def __init__(self, codes: list[str], task_id: int):
        self.codes, self.task_id, self.used = codes, task_id, 0
        self.updates = Updates()

    def fresh(self, n: int) -> list[tuple[dict, list]]:
        if self.used + n > len(self.codes):
            raise SystemExit(f"only {len(self.codes)} branches were prepared")
        out = []
        for code in self.codes[self.used:self.used + n]:
            self.used += 1
            user = Updates.user(100_000 + self.used, f"Cán bộ {self.used}")
            out.append((user, dialog(self.updates, user, code, self.task_id)))
        return out


# --- processes ------------------------------------------------------------------------------

def start(cmd: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)


async def wait_up(url: str, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"server exited with {proc.returncode}; see the log")
            try:
                async with http.get(url) as resp:
                    if resp.status in (200, 404, 405):
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(40)
    except subprocess.TimeoutExpired:
        proc.kill()


async def main(args) -> float:
    """Measure in a schema of its own, dropped afterwards (a year of reports is 300 MB)."""
    schema = "bench_" + uuid.uuid4().hex[:10]
    try:
        return await measure(args, schema)
    finally:
        admin = make_engine(args.db)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


async def measure(args, schema: str) -> float:
    log = Path("/tmp") / f"webhook_load-{os.getpid()}.log"
    reports = args.export or args.export_only
    n = args.cadres
    # A branch for every cadre of every phase, both sides (bare ignores it, but it is simpler).
    if args.export_only:
        branches = 50 + 2 * n
    else:
        branches = 2 * (n // 4) + 2 * args.rounds * n + 2 * n + (2 * n if args.export else 0)
    print(f"preparing PostgreSQL data ({branches} branches"
          f"{f' and {REPORTING_BRANCHES} more with {REPORTS} reports' if reports else ''})"
          f"; server logs: {log}", flush=True)
    url, codes, task_id = prepare(args.db, branches, reports, schema)
    cadres = Cadres(codes, task_id)
    api = ReplyWatch()
    api_url = await api.start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": url, "TELEGRAM_BOT_TOKEN": TOKEN,
           "TELEGRAM_API_URL": api_url, "PUBLIC_URL": base,  # http: the console's cookie
           "LISTEN": f"127.0.0.1:{port}", "REMINDERS_ENABLED": "false", "LOG_LEVEL": "WARNING",
           "MEDIA_DIR": f"/tmp/webhook-load-media-{os.getpid()}",
           "FIELDREPORT_ADMINS": f"telegram:{ADMIN_ID}", "SERVE_WORKERS": "2"}
    for name in ("ZALO_BOT_TOKEN", "ZALO_OA_APP_ID", "TELEGRAM_WEBHOOK_SECRET", "REDIS_URL"):
        env.pop(name, None)
    secret = telegram_secret(Settings(_env_file=None, TELEGRAM_BOT_TOKEN=TOKEN))
    rate = args.rate

    if args.export_only:
        serve = start([sys.executable, "-m", "bot.cli", "serve", "--workers", "2"], env, log)
        try:
            await wait_up(f"{base}/healthz", serve)
            await run_load(base, secret, api, cadres.fresh(50), None)
            await export_phase(base, secret, api, env, log, cadres, rate / 4, n,
                               serve.pid)
        finally:
            stop(serve)
            await api.stop()
        return 0.0

    bare_env = {**env, "BARE_DATABASE_URL": url, "BARE_API_URL": api_url, "BARE_TOKEN": TOKEN,
                "BARE_SECRET": secret}
    bare_port = free_port()
    bare_base = f"http://127.0.0.1:{bare_port}"
    bare = start([sys.executable, "-m", "gunicorn", "benchmarks.bare_webhook:create_app",
                  "-k", "aiohttp.GunicornWebWorker", "-w", "2", "-b", f"127.0.0.1:{bare_port}",
                  "--log-level", "warning"], bare_env, log)
    serve = start([sys.executable, "-m", "bot.cli", "serve", "--workers", "2"], env, log)
    try:
        await wait_up(f"{bare_base}/telegram/webhook", bare)
        await wait_up(f"{base}/healthz", serve)
        # Warm-up, saturated: each process opens its database connections and fills its caches.
        await run_load(bare_base, secret, api, cadres.fresh(n // 4), None)
        await run_load(base, secret, api, cadres.fresh(n // 4), None)
        # Both servers are up side by side and take turns, fresh cadres each round: a machine
        # whose speed drifts (a shared VM) slows both alike, and the ratio is the median of the
        # rounds' ratios.
        ratios, bare_sat, ours_sat = [], [], []
        for r in range(args.rounds):
            bare_sat.append(await run_load(bare_base, secret, api, cadres.fresh(n), None,
                                           server_pid=bare.pid))
            ours_sat.append(await run_load(base, secret, api, cadres.fresh(n), None,
                                           server_pid=serve.pid))
            ratios.append(ours_sat[-1]["rate"] / bare_sat[-1]["rate"])
            show(f"round {r + 1}: bare", bare_sat[-1])
            show(f"round {r + 1}: fieldreport", ours_sat[-1])
        bare_paced = await run_load(bare_base, secret, api, cadres.fresh(n), rate,
                                    server_pid=bare.pid)
        stop(bare)
        ours_paced = await run_load(base, secret, api, cadres.fresh(n), rate,
                                    server_pid=serve.pid)
        show(f"bare at {rate:g}/s", bare_paced)
        show(f"fieldreport at {rate:g}/s", ours_paced)
        if args.export:
            await export_phase(base, secret, api, env, log, cadres, rate / 4, n,
                               serve.pid)
    finally:
        stop(bare)
        stop(serve)
        await api.stop()
    print(f"p99 target < 250 ms at {rate:g} updates/s: "
          f"{'met' if ours_paced['p99'] < 250 else 'NOT met'} ({ours_paced['p99']:.0f} ms)")
    ratio = statistics.median(ratios)
    print(f"ratio {ratio:.2f} (target >= 0.5) median of {len(ratios)} rounds "
          f"({', '.join(f'{x:.2f}' for x in ratios)}): fieldreport "
          f"{statistics.median(x['rate'] for x in ours_sat):.0f} / bare "
          f"{statistics.median(x['rate'] for x in bare_sat):.0f} updates/s saturated, "
          f"2 workers each, PostgreSQL")
    return ratio


async def export_phase(base, secret, api, env, log, cadres, rate, n, server_pid) -> None:
    """Office staff export the year while other cadres report; the worker builds it."""
    worker = start([sys.executable, "-m", "bot.cli", "worker"], env, log)
    try:
        updates = Updates()
        admin = Updates.user(ADMIN_ID, "Văn phòng")
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
        window = [0.0, None]
        before = api.counts[str(ADMIN_ID)]
        async with aiohttp.ClientSession() as http:
            window[0] = time.monotonic()
            # /xuat asks which file first (Word, Excel, both): the office taps «Số liệu (Excel)»
            for update in (updates.text(admin, f"/xuat {YEAR}"),
                           updates.tap(admin, f"xuat:{YEAR}:excel")):
                async with http.post(f"{base}/telegram/webhook", headers=headers,
                                     json=update) as resp:
                    assert resp.status == 200
        load = asyncio.create_task(run_load(base, secret, api,
                                            cadres.fresh(n), rate, window,
                                            server_pid))
        deadline = time.monotonic() + 600
        while api.counts[str(ADMIN_ID)] < before + 3 and time.monotonic() < deadline:
            await asyncio.sleep(0.2)  # which file?, «Đang lập…», then the file (or an apology)
        window[1] = time.monotonic()
        delivered = bool(api.documents)
        result = await load
        took = window[1] - window[0]
        print(f"export of {YEAR} ({REPORTS:,} reports) took {took:.0f} s in `fieldreport worker`"
              .replace(",", ".") + ("" if delivered else " (NOT delivered: see the log)"))
        show(f"others at {rate:g}/s (all)", result)
        print(f"others' steps during the export: {result['n_window']} steps, "
              f"p99 {result['p99_window']:.0f} ms (target < 250 ms): "
              f"{'met' if result['p99_window'] < 250 else 'NOT met'}", flush=True)
        await console_export_phase(base, secret, api, env["DATABASE_URL"], cadres, rate, n,
                                   server_pid)
    finally:
        stop(worker)


async def console_export_phase(base, secret, api, url, cadres, rate, n, server_pid) -> None:
    """The year's workbook asked for in the office console while other cadres report."""
    engine = make_engine(url)
    with session_scope(engine) as s:
        token = webdb.issue_login_token(s, "telegram", str(ADMIN_ID), datetime.now(timezone.utc))
    engine.dispose()
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async def csrf(path: str) -> str:
            async with http.get(f"{base}{path}") as resp:
                return re.search(r'name="csrf" value="([^"]+)"', await resp.text())[1]
        async with http.post(f"{base}/dang-nhap/{token}",
                             data={"csrf": await csrf(f"/dang-nhap/{token}")},
                             allow_redirects=False) as resp:
            assert resp.status == 303, await resp.text()
        form = {"csrf": await csrf("/xuat"), "ky": "khac", "ky_khac": str(YEAR), "loai": "excel"}
        window = [time.monotonic(), None]
        load = asyncio.create_task(run_load(base, secret, api, cadres.fresh(n), rate, window,
                                            server_pid))
        async with http.post(f"{base}/xuat", data=form, allow_redirects=False) as resp:
            job = resp.headers["Location"]
        state = {"status": "running"}
        while state["status"] == "running" and time.monotonic() - window[0] < 600:
            await asyncio.sleep(0.5)
            async with http.get(f"{base}{job}/tien-do") as resp:
                state = await resp.json()
        window[1] = time.monotonic()
        result = await load
    print(f"console export of {YEAR} took {window[1] - window[0]:.0f} s ({state['status']})")
    show(f"others at {rate:g}/s (all)", result)
    print(f"others' steps during the console export: {result['n_window']} steps, "
          f"p99 {result['p99_window']:.0f} ms (target < 250 ms): "
          f"{'met' if result['p99_window'] < 250 else 'NOT met'}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=os.environ.get(
        "TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--cadres", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--rounds", type=int, default=3,
                        help="saturated rounds per side, taking turns (default 3)")
    parser.add_argument("--no-export", dest="export", action="store_false")
    parser.add_argument("--export-only", action="store_true",
                        help="only the export phase (no ratio)")
    asyncio.run(main(parser.parse_args()))
