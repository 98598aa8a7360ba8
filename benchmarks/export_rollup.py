"""Benchmark: the full rollup workbook of a province-year against a bare openpyxl dump.

    python3 benchmarks/export_rollup.py            # builds the data once, then measures
    python3 benchmarks/export_rollup.py --fresh    # rebuild the data set first
    python3 benchmarks/export_rollup.py --dir /tmp/bench --repeat 3

Data (SQLite, bulk-inserted with SQLAlchemy Core): 1,000 units (a provincial union, 19 district
unions, 980 branches with a secretary each), 100,000 reports spread over the 52 weeks of 2026,
5,000 generated JPEG photos with thumbnails (MediaStore, as the bot stores them) on 2,000
reports. A quarter of the reports have difficulties, a tenth proposals. The office reviewed
them as in chat (every report has a review row: most approved, some returned, 1% commended,
with their audit actions), answered half the difficulties, and set targets for two tasks for
every branch and one per district.

Measured, each in a fresh child process so neither inherits the other's memory or caches:
- bare: benchmarks/detail_rows.py for the year + one write-only sheet of those rows, unstyled
  (the least an export of the same reports can do, from the database to a file); the rows
  carry what Chi tiết's rows carry from the database, the review status included;
- full: exports.rollup.export_rollup for "2026" with thumbnails, every sheet (review ones too);
- weekly: the same for one week ("2026-W30"), the export offices run every week.
Time: wall clock and CPU time (user + system) of the job, best of --repeat. On a machine that
other work shares, CPU time is the steadier figure, so the final ratio uses it; both are printed.
Memory: the child's peak resident set size (resource.getrusage(RUSAGE_SELF).ru_maxrss), i.e.
everything the process held, interpreter and libraries included, which is what the machine must
have free. tracemalloc would count only Python objects (not SQLite's or zlib's buffers) and
slows the run down, so it is not used.
Targets: full <= 1.5 x bare, peak < 300 MB. The ratio is printed last.
"""
from __future__ import annotations

import argparse
import io
import json
import random
import resource
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

UNITS, DISTRICTS, REPORTS, PHOTOS, PHOTO_REPORTS = 1000, 19, 100_000, 5000, 2000
YEAR, WEEKS = 2026, 52
MARKER = "bench-v3"  # v3: the office's review, guidance and targets
DIFFICULTY = "Thiếu kinh phí, dụng cụ; đoàn viên đi làm xa nên khó tập trung"
PROPOSAL = "Đề nghị Huyện đoàn hỗ trợ kinh phí mua dụng cụ lao động"
WORDS = ("ra quân dọn vệ sinh tuyến đường trồng cây xanh thu gom rác thải nhựa hướng dẫn người "
         "dân cài đặt VNeID sinh hoạt chuyên đề học tập và làm theo tư tưởng đạo đức phong cách "
         "Hồ Chí Minh hỗ trợ thủ tục hành chính giới thiệu việc làm cho thanh niên").split()


def build(folder: Path) -> None:
    """Create the data set in folder/bench.db and folder/media (skipped if already there)."""
    from PIL import Image, ImageDraw
    from sqlalchemy import insert, select

    from bot.bootstrap import open_database
    from storage.clock import LOCAL_TZ
    from storage.media import MediaStore
    from storage.models import Media, Member, Report, ReportPhoto, Task, Unit
    from storage.review import Guidance, ReportReview, ReviewAction, Target

    db = folder / "bench.db"
    if (folder / MARKER).exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    for old in (db, folder / "bench.db-wal", folder / "bench.db-shm"):
        old.unlink(missing_ok=True)
    t0 = time.perf_counter()
    engine = open_database(f"sqlite:///{db}")
    rng = random.Random(47)
    created = datetime(2025, 12, 1, tzinfo=LOCAL_TZ)
    units = [dict(id=1, code="TD", name="Tỉnh đoàn Vĩnh Long", parent_id=None, level="Tỉnh")]
    for d in range(DISTRICTS):
        units.append(dict(id=2 + d, code=f"HD{d + 1:02d}", name=f"Huyện đoàn số {d + 1}",
                          parent_id=1, level="Huyện"))
    for b in range(UNITS - 1 - DISTRICTS):
        parent = 2 + b % DISTRICTS
        units.append(dict(id=len(units) + 1, code=f"CD{b + 1:04d}",
                          name=f"Chi đoàn ấp {b // DISTRICTS + 1} – huyện {parent - 1}",
                          parent_id=parent, level="Chi đoàn", contact=f"09{b:08d}"))
    for i, u in enumerate(units):
        u.setdefault("contact", None)
        u.update(join_code=f"J{i:07d}", position=i, active=True, retired_at=None,
                 created_at=created)
    branches = [u["id"] for u in units if u["level"] == "Chi đoàn"]
    with engine.begin() as conn:
        conn.execute(insert(Unit), units)
        conn.execute(insert(Member), [
            dict(platform="telegram", user_id=str(9000 + uid), unit_id=uid, chat_id=str(9000 + uid),
                 display_name=f"Bí thư {uid}", role="secretary", active=True, joined_at=created)
            for uid in branches])
        tasks = [t for t in conn.execute(select(Task.id))]
        codes = [c for (c,) in conn.execute(select(Task.code).order_by(Task.id))]
        reports = []
        for i in range(REPORTS):
            week = 1 + i % WEEKS
            monday = datetime.fromisocalendar(YEAR, week, 1).replace(tzinfo=LOCAL_TZ)
            late = rng.random() < 0.03
            at = monday + (timedelta(days=6, hours=21, minutes=rng.randint(0, 170)) if late else
                           timedelta(days=rng.randint(0, 6), hours=rng.randint(7, 20),
                                     minutes=rng.randint(0, 59)))
            content = " ".join(rng.choice(WORDS) for _ in range(rng.randint(10, 50))).capitalize()
            reports.append(dict(
                id=i + 1, receipt_code=f"BC-{i:06d}", unit_id=rng.choice(branches),
                task_id=rng.choice(tasks)[0], platform=rng.choice(("telegram", "zalo")),
                reporter_id=str(rng.randint(1, 5000)),
                reporter_name=f"Đoàn viên {rng.randint(1, 5000)}",
                content=content, participants=rng.randint(3, 60),
                difficulties=DIFFICULTY if rng.random() < 0.25 else None,
                proposals=PROPOSAL if rng.random() < 0.10 else None,
                period=f"{YEAR}-W{week:02d}", revision=1, created_at=at, updated_at=at))
        conn.execute(insert(Report), reports)
        store = MediaStore(folder / "media")
        media, links = [], []
        extra = PHOTOS % PHOTO_REPORTS  # that many reports carry one photo more
        for n, report in enumerate(rng.sample(reports, PHOTO_REPORTS)):
            for position in range(PHOTOS // PHOTO_REPORTS + (n < extra)):
                saved = store.save(_photo(len(media), Image, ImageDraw))
                media.append(dict(sha256=saved.sha256, path=saved.path, thumb_path=saved.thumb_path,
                                  width=saved.width, height=saved.height,
                                  size_bytes=saved.size_bytes, created_at=report["created_at"]))
                links.append(dict(report_id=report["id"], sha256=saved.sha256, position=position))
        conn.execute(insert(Media), media)
        conn.execute(insert(ReportPhoto), links)
        _review(conn, reports, units, codes, rng, insert, ReportReview, ReviewAction, Guidance,
                Target)
    engine.dispose()
    (folder / MARKER).write_text(f"{len(reports)} reports, {len(media)} photos\n")
    print(f"built {len(units)} units, {len(reports)} reports, {len(media)} photos "
          f"in {time.perf_counter() - t0:.0f} s", flush=True)


def _review(conn, reports, units, codes, rng, insert, ReportReview, ReviewAction, Guidance,
            Target) -> None:
    """The office's review of the year, as the chat leaves it in the tables."""
    reviews, actions, guidance = [], [], []
    for r in reports:
        roll = rng.random()
        status = ("commended" if roll < 0.01 else "returned" if roll < 0.04
                  else "pending" if roll < 0.20 else "approved")
        acted = r["created_at"] + timedelta(hours=rng.randint(1, 48))
        decided = status != "pending"
        reviews.append(dict(report_id=r["id"], status=status, revision=1,
                            acted_by="telegram:1" if decided else "",
                            acted_by_name="Văn phòng" if decided else "",
                            acted_at=acted if decided else None,
                            reason="Thiếu ảnh minh chứng" if status == "returned" else None,
                            updated_at=acted))
        actions.append(dict(report_id=r["id"], unit_id=r["unit_id"], action="submit",
                            actor="telegram:2", actor_name=r["reporter_name"], detail="lần 1",
                            created_at=r["created_at"]))
        if decided:
            verb = {"commended": "commend", "returned": "return", "approved": "approve"}[status]
            actions.append(dict(report_id=r["id"], unit_id=r["unit_id"], action=verb,
                                actor="telegram:1", actor_name="Văn phòng",
                                detail="Thiếu ảnh minh chứng" if verb == "return" else "",
                                created_at=acted))
        if r["difficulties"] and rng.random() < 0.5:
            guidance.append(dict(report_id=r["id"], office_unit_id=1, actor="telegram:1",
                                 actor_name="Văn phòng", created_at=acted,
                                 text="Huyện đoàn hỗ trợ dụng cụ; chi đoàn chủ động phối hợp."))
    conn.execute(insert(ReportReview), reviews)
    conn.execute(insert(ReviewAction), actions)
    conn.execute(insert(Guidance), guidance)
    at = datetime(YEAR, 1, 5, tzinfo=timezone.utc)
    targets = [dict(unit_id=u["id"], task_code=code, year=YEAR, activities=rng.randint(4, 20),
                    updated_at=at)
               for u in units if u["level"] != "Tỉnh"
               for code in (codes[:2] if u["level"] == "Chi đoàn" else codes[2:3])]
    conn.execute(insert(Target), targets)


def _photo(seed: int, Image, ImageDraw) -> bytes:
    """A small JPEG with a few shapes, so each photo (and its thumbnail) differs."""
    rng = random.Random(seed)
    image = Image.new("RGB", (480, 360), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.randrange(480), rng.randrange(360)
        draw.ellipse((x, y, x + rng.randrange(40, 200), y + rng.randrange(40, 200)),
                     fill=tuple(rng.randrange(256) for _ in range(3)))
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=80)
    return buf.getvalue()


# --- the measured jobs (each runs in a child process) ----------------------------------------

def job_bare(folder: Path) -> dict:
    from dataclasses import astuple

    from openpyxl import Workbook
    from sqlmodel import Session

    from exports.periods import parse_period
    from storage.db import make_engine
    from benchmarks.detail_rows import detail_rows

    period = parse_period(str(YEAR))
    engine = make_engine(f"sqlite:///{folder / 'bench.db'}")
    t0, c0 = time.perf_counter(), cpu_seconds()
    with Session(engine) as s:
        rows = detail_rows(s, period.date_from, period.date_to)
    t_query = time.perf_counter() - t0
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Chi tiết")
    for row in rows:
        values = list(astuple(row))
        values[1] = values[1].replace(tzinfo=None)  # openpyxl refuses aware datetimes
        sheet.append(values)
    book.save(folder / "bare.xlsx")
    return {"seconds": time.perf_counter() - t0, "cpu": cpu_seconds() - c0,
            "query_seconds": t_query, "rows": len(rows)}


def job_full(folder: Path, spec: str = str(YEAR)) -> dict:
    from exports.rollup import export_rollup
    from storage.db import make_engine

    engine = make_engine(f"sqlite:///{folder / 'bench.db'}")
    t0, c0 = time.perf_counter(), cpu_seconds()
    result = export_rollup(engine, folder / f"rollup-{spec}.xlsx", spec,
                           media_root=folder / "media",
                           generated_at=datetime(YEAR + 1, 1, 10).astimezone())
    return {"seconds": time.perf_counter() - t0, "cpu": cpu_seconds() - c0, "rows": result.reports,
            "photos": result.photos, "bytes": result.path.stat().st_size}


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_child(folder: Path, job: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--dir", str(folder), "--child", job],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/fieldreport-bench"))
    parser.add_argument("--fresh", action="store_true", help="rebuild the data set")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each job; best is kept")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "build":
        build(args.dir)
        return
    if args.child:
        job, _, spec = args.child.partition(":")
        result = job_bare(args.dir) if job == "bare" else job_full(args.dir, spec or str(YEAR))
        result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return
    if args.fresh:
        (args.dir / MARKER).unlink(missing_ok=True)
    # In a child too: ru_maxrss survives exec, so a parent that grew while building the data
    # would lend its size to every measurement.
    subprocess.run([sys.executable, __file__, "--dir", str(args.dir), "--child", "build"],
                   check=True)
    runs: dict[str, list[dict]] = {"bare": [], "full": [], f"full:{YEAR}-W30": []}
    for _ in range(args.repeat):
        for job in runs:  # interleaved, so drift in machine load hits both alike
            runs[job].append(run_child(args.dir, job))
    best = {job: {key: min(r[key] for r in results) if key in ("seconds", "cpu")
                  else max(r[key] for r in results) for key in results[0]}
            for job, results in runs.items()}
    bare, full, week = best["bare"], best["full"], best[f"full:{YEAR}-W30"]
    print(f"bare dump : {bare['rows']:,} rows in {bare['seconds']:.2f} s wall, {bare['cpu']:.2f} s "
          f"CPU (query {bare['query_seconds']:.2f} s), peak {bare['peak_mb']:.0f} MB")
    print(f"full year : {full['rows']:,} reports, {full['photos']:,} photos in "
          f"{full['seconds']:.2f} s wall, {full['cpu']:.2f} s CPU, "
          f"{full['bytes'] / 1e6:.1f} MB file,"
          f" peak {full['peak_mb']:.0f} MB (target < 300 MB: "
          f"{'met' if full['peak_mb'] < 300 else 'NOT met'})")
    print(f"one week  : {week['rows']:,} reports, {week['photos']:,} photos in "
          f"{week['seconds']:.2f} s wall, {week['cpu']:.2f} s CPU, peak {week['peak_mb']:.0f} MB")
    ratio = full["cpu"] / bare["cpu"]
    print(f"ratio {ratio:.2f} (target <= 1.5) full / bare, CPU time (robust on a shared "
          f"machine); wall clock {full['seconds'] / bare['seconds']:.2f}")


if __name__ == "__main__":
    main()
