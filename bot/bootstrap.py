"""The one place that builds the object graph, with real parts or with the fakes tests pass in."""
from __future__ import annotations

from datetime import datetime
from typing import Callable, Optional

from sqlalchemy.engine import Engine

from bot.settings import Settings
from handlers.services import DeepLinker, Services
from storage.catalog import ensure_default_plan
from storage.clock import utcnow
from storage.db import make_engine, session_scope
from storage.media import MediaStore
from storage.migrate import upgrade


def open_database(url: str) -> Engine:
    """Engine on an up-to-date schema with a task catalog to report against."""
    engine = make_engine(url)
    upgrade(engine)
    with session_scope(engine) as s:
        ensure_default_plan(s)
    return engine


def telegram_deep_linker(username: str) -> Optional[DeepLinker]:
    username = username.lstrip("@")
    if not username:
        return None
    return lambda payload: f"https://t.me/{username}?start={payload}"


def build_services(settings: Settings, engine: Optional[Engine] = None,
                   clock: Callable[[], datetime] = utcnow) -> Services:
    engine = engine or open_database(settings.database_url)
    services = Services(
        engine=engine,
        media=MediaStore(settings.media_dir),
        require_photos=settings.require_photos,
        max_photos=settings.max_photos,
        env_admins=tuple(settings.admin_ids()),
        clock=clock,
        public_url=settings.public_url,
    )
    set_telegram_username(services, settings.telegram_bot_username)
    from exports.letterhead import letterhead_from_settings
    from exports.rollup import chat_exporter  # lazily: openpyxl is slow to import for the CLI
    # /xuat workbooks go to data/exports beside data/media and are pruned after a day.
    services.export_workbook = chat_exporter(settings.media_dir,
                                             settings.media_dir.parent / "exports",
                                             letterhead=letterhead_from_settings(settings))
    services.export_report = report_exporter(settings)
    return services


def report_exporter(settings: Settings):
    """/xuat's Word báo cáo, with the office's letterhead and template (REPORT_*)."""
    from pathlib import Path

    from exports.letterhead import letterhead_from_settings
    from exports.report_docx import chat_report_exporter
    template = Path(settings.report_template) if settings.report_template.strip() else None
    return chat_report_exporter(letterhead_from_settings(settings),
                                settings.media_dir.parent / "exports", template)


def set_telegram_username(services: Services, username: str) -> None:
    linker = telegram_deep_linker(username)
    if linker:
        services.deep_links["telegram"] = linker
