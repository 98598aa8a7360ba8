"""What handlers are given to work with; bot/bootstrap.py builds it with real or fake parts."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Optional

from sqlalchemy.engine import Engine

from storage.clock import utcnow
from storage.media import MediaStore

# platform -> builds a link that opens the bot's private chat with a /start payload
DeepLinker = Callable[[str], Optional[str]]


@dataclass
class Services:
    engine: Engine
    media: MediaStore
    require_photos: bool = False
    max_photos: int = 10
    env_admins: tuple[tuple[str, str], ...] = ()
    deep_links: dict[str, DeepLinker] = field(default_factory=dict)
    clock: Callable[[], datetime] = utcnow
    # /xuat: (session, period spec, unit_id=None, generated_at=None) -> workbook path; None: off.
    export_workbook: Optional[Callable[..., Path]] = None
    # PUBLIC_URL: where the office console answers (/web login links); empty: console off.
    public_url: str = ""
    # /xuat's Word báo cáo, same signature -> .docx path; None: /xuat offers only the workbook.
    export_report: Optional[Callable[..., Path]] = None
    # /xuat as a background job: (session, request dict) -> None, raises ValueError for a bad
    # period. Set by `fieldreport serve`; None: the workbook is built during the step.
    queue_export: Optional[Callable[..., None]] = None

    def deep_link(self, platform: str, payload: str) -> Optional[str]:
        builder = self.deep_links.get(platform)
        return builder(payload) if builder else None
