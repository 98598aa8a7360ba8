"""The standing committee's workbook: every sheet of one period, for the whole tree or a subtree.

    from exports.rollup import write_rollup
    write_rollup(engine, Path("bao-cao.xlsx"), "2026-W47", unit_code="HD-A",
                 media_root=Path("data/media"))

One pass streams the period's reports into Chi tiết while adding them up; the per-unit sheets
are written afterwards and placed first. All sheets are write-only, so memory stays flat.
"""
from __future__ import annotations

import tempfile
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Callable, Iterator, Optional, Union

from openpyxl import Workbook
from sqlalchemy.engine import Engine
from sqlmodel import Session
from tqdm import tqdm

from exports.chat_files import chat_file_path
from exports.detail import DetailWriter, write_issues
from exports.evidence import EVIDENCE, write_evidence, zip_name
from exports.letterhead import Letterhead
from exports.periods import Period, PeriodError, as_period
from exports.print_layout import use_document_font
from exports.review_sheets import target_progress, write_review_sheets
from exports.sheet import Heading
from exports.figures import ExportError, open_scope
from exports.summary import write_by_task, write_by_week, write_missing, write_summary
from storage import review
from storage.catalog import task_name
from storage.clock import to_local, utcnow
from storage.models import Unit
from storage.reporting import count_reports, iter_report_lines, photo_lines, secretaries

PeriodLike = Union[str, Period, tuple[date, date]]
ProgressCallback = Callable[[int, int], None]  # (steps done, steps in all)
PROGRESS_MIN_ROWS = 5_000  # smaller exports finish before a bar would tell anything


@dataclass(frozen=True)
class RollupResult:
    path: Path  # the .xlsx, or the .zip with --with-media
    period: Period
    reports: int
    photos: int
    units: int


def write_rollup(source: Union[Session, Engine], out_path: Path, period: PeriodLike,
                 unit_code: Optional[str] = None, *, media_root: Optional[Path] = None,
                 with_media: bool = False, generated_at: Optional[datetime] = None,
                 progress: bool = False, letterhead: Optional[Letterhead] = None) -> Path:
    """Write the rollup workbook and return the path written.

    source: an open Session (read inside its transaction) or an Engine.
    period: "2026-W47", "2026-11", "2026-Q4", "2026-H2", "2026", a (date_from, date_to) pair of
        local dates (inclusive), or an exports.periods.Period.
    unit_code: limit to this unit's subtree; None exports the whole tree.
    media_root: MEDIA_DIR, where photos and thumbnails are; None leaves thumbnails out.
    with_media: write a .zip (suffix of out_path replaced) holding the workbook and a photos/
        folder its links point into.
    generated_at: the "Lập lúc" time (aware); now by default.
    progress: show a tqdm bar on stderr for exports of PROGRESS_MIN_ROWS rows or more.
    letterhead: issuer, place, signer and recipients of the Tổng hợp document
        (exports.letterhead.letterhead_from_settings); Letterhead() by default.
    Raises ExportError (unknown unit) or exports.periods.PeriodError (bad period).
    """
    return export_rollup(source, out_path, period, unit_code, media_root=media_root,
                         with_media=with_media, generated_at=generated_at, progress=progress,
                         letterhead=letterhead).path


def export_rollup(source: Union[Session, Engine], out_path: Path, period: PeriodLike,
                  unit_code: Optional[str] = None, *, media_root: Optional[Path] = None,
                  with_media: bool = False, generated_at: Optional[datetime] = None,
                  progress: bool = False, letterhead: Optional[Letterhead] = None,
                  on_progress: Optional[ProgressCallback] = None) -> RollupResult:
    """write_rollup, also returning what went in (for the CLI's closing line).

    on_progress: called as on_progress(done, total) while the workbook is written (every
        1,000 report rows, each photo, and (total, total) once the file is complete); total
        is the period's reports plus photos plus one step for the closing sheets and the save.
    """
    period = as_period(period)
    out_path = Path(out_path)
    media_root = Path(media_root) if media_root is not None else None
    out_path.parent.mkdir(parents=True, exist_ok=True)
    book_path = out_path.with_suffix(".xlsx")
    with _session(source) as s:
        if with_media:
            with tempfile.TemporaryDirectory(dir=out_path.parent) as tmp:
                inner = Path(tmp) / book_path.name
                photos, reports, units = _write_book(s, inner, period, unit_code, media_root,
                                                     True, generated_at, progress, letterhead,
                                                     on_progress)
                target = out_path.with_suffix(".zip")
                _zip_with_media(target, inner, photos, media_root)
        else:
            target = book_path
            photos, reports, units = _write_book(s, target, period, unit_code, media_root,
                                                 False, generated_at, progress, letterhead,
                                                 on_progress)
    return RollupResult(target, period, reports, len(photos), units)


@contextmanager
def _session(source: Union[Session, Engine]) -> Iterator[Session]:
    if isinstance(source, Session):
        yield source
        return
    with Session(source) as s:
        yield s


def _write_book(s: Session, path: Path, period: Period, unit_code: Optional[str],
                media_root: Optional[Path], with_media: bool, generated_at: Optional[datetime],
                progress: bool, letterhead: Optional[Letterhead],
                on_progress: Optional[ProgressCallback] = None):
    generated_at = generated_at or utcnow()
    # The same scope and Rollup as exports.figures.period_figures: one count, two outputs.
    scope = open_scope(s, period, unit_code, generated_at)
    rollup, ordered, by_id = scope.rollup, scope.ordered, scope.by_id
    position = {u.id: i for i, (u, _) in enumerate(ordered)}
    task_names = {t.id: task_name(t.code, t.label) for t in scope.tasks.values()}
    photos = photo_lines(s, period.weeks, scope.unit_ids)
    total = count_reports(s, period.weeks, scope.unit_ids)
    heading = Heading(scope.organisation, period.title,
                      to_local(generated_at).replace(tzinfo=None), period.week_note)

    book = Workbook(write_only=True)
    use_document_font(book)
    book.properties.creator = "fieldreport"
    book.properties.title = f"Báo cáo «30 phút hành động» – {period.label}"
    # disable=None: tqdm itself stays quiet when stderr is not a terminal (cron, tests).
    bar = tqdm(total=total + len(photos), desc="Xuất Excel", unit=" dòng", leave=False,
               disable=None if progress and total >= PROGRESS_MIN_ROWS else True)
    steps = total + len(photos) + 1  # the last step: the per-unit sheets and the save
    done = 0

    def advance(n: int = 1) -> None:
        nonlocal done
        bar.update(n)
        done += n
        if on_progress is not None:
            on_progress(min(done, steps - 1), steps)
    first_photo: dict[int, int] = {}
    for index, photo in enumerate(photos):
        first_photo.setdefault(photo.report_id, index)
    detail = DetailWriter(book, heading, by_id, task_names, first_photo, EVIDENCE,
                          scope.rules.deadline)
    pending = 0
    for line in iter_report_lines(s, period.weeks, scope.unit_ids):
        rollup.add(line)
        detail.add(line)
        pending += 1
        if pending == 1000:
            advance(pending)
            pending = 0
    advance(pending)
    detail.close()
    unit_names = {uid: u.name for uid, u in by_id.items()}
    write_evidence(book, heading, photos, unit_names, task_names, media_root, with_media,
                   tick=advance)
    write_missing(book, heading, rollup, [u.id for u, _ in ordered], secretaries(s))
    write_issues(book, heading, detail.issues, by_id, position,
                 review.guidance_in_weeks(s, period.weeks, scope.unit_ids))
    progress = target_progress(s, by_id, period.weeks[-1])  # for Chỉ tiêu and Tổng hợp
    write_review_sheets(book, heading, s, period.weeks, scope.unit_ids, by_id, progress,
                        photos, first_photo, media_root)
    # The per-unit sheets need every report added up, so they come last but go first.
    lines = scope.lines()
    write_summary(book, heading, lines, rollup, index=0, letterhead=letterhead,
                  targets=progress)
    write_by_task(book, heading, lines, rollup, scope.ordered_tasks(), index=1)
    if len(period.weeks) > 1:
        write_by_week(book, heading, lines, rollup, index=2)
    book.save(path)
    bar.close()
    if on_progress is not None:
        on_progress(steps, steps)
    return photos, detail.count, len(scope.units)


def _zip_with_media(target: Path, book: Path, photos, media_root: Optional[Path]) -> None:
    """The workbook at the top of the archive and photos/ beside it, as the links expect.
    Both are already compressed, so they are stored as they are."""
    partial = target.with_suffix(".zip.part")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        archive.write(book, book.name)
        done: set[str] = set()
        for photo in photos:
            name = zip_name(photo)
            source = media_root / photo.path if media_root else None
            if name in done or source is None or not source.is_file():
                continue
            archive.write(source, name)
            done.add(name)
    partial.replace(target)


# --- for the chat command (handlers/export_cmd.py via Services.export_workbook) --------------

def chat_exporter(media_root: Path, out_dir: Path, keep_seconds: int = 24 * 3600,
                  letterhead: Optional[Letterhead] = None) -> Callable[..., Path]:
    """A function (session, period_spec, unit_id=None, generated_at=None) -> Path that writes
    the rollup into out_dir for the bot to send, removing files older than keep_seconds."""
    out_dir = Path(out_dir)

    def export(s: Session, period_spec: PeriodLike, unit_id: Optional[int] = None,
               generated_at: Optional[datetime] = None) -> Path:
        period = as_period(period_spec)
        unit = s.get(Unit, unit_id) if unit_id is not None else None
        path = chat_file_path(out_dir, period, unit, ".xlsx", generated_at, keep_seconds)
        return write_rollup(s, path, period, unit.code if unit else None,
                            media_root=media_root, generated_at=generated_at,
                            letterhead=letterhead)
    return export



__all__ = ["write_rollup", "export_rollup", "chat_exporter", "ExportError", "PeriodError",
           "RollupResult"]
