"""Configuration from the environment and `.env` (see .env.example for every setting)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

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
