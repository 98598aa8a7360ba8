"""Configuration from the environment and `.env` (see .env.example for every setting)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field("sqlite:///data/fieldreport.db", alias="DATABASE_URL")
    media_dir: Path = Field(Path("data/media"), alias="MEDIA_DIR")
    fieldreport_admins: str = Field("", alias="FIELDREPORT_ADMINS")
    require_photos: bool = Field(False, alias="REQUIRE_PHOTOS")
    max_photos: int = Field(10, alias="MAX_PHOTOS")
    log_level: str = Field("INFO", alias="LOG_LEVEL")

    telegram_bot_token: SecretStr | None = Field(None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_url: str = Field("https://api.telegram.org", alias="TELEGRAM_API_URL")
    telegram_bot_username: str = Field("", alias="TELEGRAM_BOT_USERNAME")

    # Zalo Bot API (bot/zalo); webhook mode when ZALO_WEBHOOK_URL is set, else polling.
    zalo_bot_token: SecretStr | None = Field(None, alias="ZALO_BOT_TOKEN")
    zalo_api_url: str = Field("https://bot-api.zaloplatforms.com", alias="ZALO_API_URL")
    zalo_bot_link: str = Field("", alias="ZALO_BOT_LINK")
    zalo_webhook_url: str = Field("", alias="ZALO_WEBHOOK_URL")
    zalo_webhook_secret: SecretStr | None = Field(None, alias="ZALO_WEBHOOK_SECRET")
    zalo_webhook_listen: str = Field("0.0.0.0:8080", alias="ZALO_WEBHOOK_LISTEN")
    # Zalo Official Account API v3 (bot/zalo/oa.py); off unless app id, secrets and a token are set.
    zalo_oa_app_id: str = Field("", alias="ZALO_OA_APP_ID")
    zalo_oa_app_secret: SecretStr | None = Field(None, alias="ZALO_OA_APP_SECRET")
    zalo_oa_secret_key: SecretStr | None = Field(None, alias="ZALO_OA_SECRET_KEY")
    zalo_oa_refresh_token: SecretStr | None = Field(None, alias="ZALO_OA_REFRESH_TOKEN")
    zalo_oa_webhook_path: str = Field("/zalo/oa/webhook", alias="ZALO_OA_WEBHOOK_PATH")
    zalo_oa_api_url: str = Field("https://openapi.zalo.me", alias="ZALO_OA_API_URL")
    zalo_oa_oauth_url: str = Field("https://oauth.zaloapp.com", alias="ZALO_OA_OAUTH_URL")
    # An approved OA transaction template: reminders outside the consultation window use it.
    zalo_oa_reminder_template_id: str = Field("", alias="ZALO_OA_REMINDER_TEMPLATE_ID")

    # Weekly reminders (bot/scheduler.py, bot/delivery.py): platform limits we pace under.
    reminders_enabled: bool = Field(True, alias="REMINDERS_ENABLED")
    delivery_max_per_second: float = Field(30.0, alias="DELIVERY_MAX_PER_SECOND")
    delivery_max_per_chat_per_minute: float = Field(20.0, alias="DELIVERY_MAX_PER_CHAT_PER_MINUTE")
    # Zalo (Bot API and OA) has its own pace and a plan quota that renews each day or month.
    zalo_max_per_second: float = Field(5.0, alias="ZALO_MAX_PER_SECOND")
    zalo_max_per_chat_per_minute: float = Field(20.0, alias="ZALO_MAX_PER_CHAT_PER_MINUTE")
    zalo_quota_period: Literal["day", "month"] = Field("day", alias="ZALO_QUOTA_PERIOD")

    # The office's documents (exports/letterhead.py): workbook Tổng hợp sheet and Word báo cáo.
    report_issuer: str = Field("", alias="REPORT_ISSUER")
    report_issuer_parent: str = Field("", alias="REPORT_ISSUER_PARENT")
    report_symbol: str = Field("BC/TĐTN", alias="REPORT_SYMBOL")
    report_place: str = Field("", alias="REPORT_PLACE")
    report_signer_on_behalf: str = Field("TM. BAN THƯỜNG VỤ", alias="REPORT_SIGNER_ON_BEHALF")
    report_signer_title: str = Field("PHÓ BÍ THƯ", alias="REPORT_SIGNER_TITLE")
    report_signer_name: str = Field("", alias="REPORT_SIGNER_NAME")
    report_recipients: str = Field("", alias="REPORT_RECIPIENTS")
    report_template: str = Field("", alias="REPORT_TEMPLATE")  # the office's own .docx template

    # The web server: office console (bot/console), `serve` and `worker` (bot/web, bot/worker.py;
    # docs/DEPLOY.md). PUBLIC_URL is the public base address; LISTEN the local host:port.
    public_url: str = Field("", alias="PUBLIC_URL")
    listen: str = Field("0.0.0.0:8080", alias="LISTEN")
    console_secret_key: SecretStr | None = Field(None, alias="CONSOLE_SECRET_KEY")

    serve_workers: int = Field(2, alias="SERVE_WORKERS")
    telegram_webhook_secret: SecretStr | None = Field(None, alias="TELEGRAM_WEBHOOK_SECRET")
    telegram_webhook_max_connections: int = Field(40, alias="TELEGRAM_WEBHOOK_MAX_CONNECTIONS")
    export_link_hours: int = Field(24, alias="EXPORT_LINK_HOURS")
    redis_url: str = Field("", alias="REDIS_URL")
    log_format: str = Field("text", alias="LOG_FORMAT")

    def admin_ids(self) -> list[tuple[str, str]]:
        """`platform:id` pairs named by FIELDREPORT_ADMINS."""
        pairs = []
        for item in self.fieldreport_admins.split(","):
            item = item.strip()
            if ":" in item:
                platform, _, user_id = item.partition(":")
                pairs.append((platform.strip().lower(), user_id.strip()))
        return pairs


@lru_cache
def get_settings() -> Settings:
    return Settings()
