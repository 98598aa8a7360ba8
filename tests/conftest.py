"""Shared fixtures: a fresh database per test (SQLite, or PostgreSQL with TEST_DATABASE_URL)."""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.bootstrap import open_database
from handlers.services import Services
from storage.db import make_engine, normalize_url
from storage.media import MediaStore
from tests.support import FakeClock, make_org

PG_URL = os.environ.get("TEST_DATABASE_URL")


@pytest.fixture
def db_url(tmp_path: Path):
    """A database URL nobody else uses: a SQLite file, or a PostgreSQL schema of its own."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    yield normalize_url(PG_URL) + f"{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def engine(db_url):
    engine = open_database(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def services(engine, tmp_path, clock) -> Services:
    return Services(engine=engine, media=MediaStore(tmp_path / "media"), clock=clock,
                    deep_links={"telegram": lambda p: f"https://t.me/fieldreport_test_bot?start={p}"})


@pytest.fixture
def cli(db_url, tmp_path, monkeypatch):
    """Runs `fieldreport …` in-process on this test's database, with no bot token set."""
    from click.testing import CliRunner

    from bot.cli import main
    from bot.settings import get_settings
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("MEDIA_DIR", str(tmp_path / "media"))
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "doan_baocao_bot")
    for name in ("TELEGRAM_BOT_TOKEN", "ZALO_BOT_TOKEN", "ZALO_OA_APP_ID"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    runner = CliRunner()

    def run(*args):
        return runner.invoke(main, list(args), catch_exceptions=False)
    yield run
    get_settings.cache_clear()


@pytest.fixture
def org(engine):
    """A province, two district unions and four branches; returns {code: Unit}."""
    return make_org(engine)
