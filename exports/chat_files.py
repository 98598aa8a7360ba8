"""Where files made for a chat (/xuat, the console) are written, and their clean-up."""
from __future__ import annotations

import re
import time
from datetime import datetime
from pathlib import Path
from typing import Optional

from exports.periods import Period
from storage.clock import to_local, utcnow
from storage.models import Unit


def chat_file_path(out_dir: Path, period: Period, unit: Optional[Unit], suffix: str,
                   generated_at: Optional[datetime], keep_seconds: int) -> Path:
    """out_dir/bao-cao-<period>[-<unit>]-<time><suffix>, after removing this kind of file older
    than keep_seconds (the chat has sent it long ago)."""
    prune(out_dir, suffix, keep_seconds)
    unit_part = f"-{re.sub(r'[^A-Za-z0-9_-]', '_', unit.code)}" if unit else ""
    stamp = to_local(generated_at or utcnow()).strftime("%Y%m%d-%H%M%S")
    return out_dir / f"bao-cao-{period.spec}{unit_part}-{stamp}{suffix}"


def prune(folder: Path, suffix: str, keep_seconds: int) -> None:
    if not folder.is_dir():
        return
    limit = time.time() - keep_seconds
    for old in folder.glob(f"bao-cao-*{suffix}"):
        try:
            if old.stat().st_mtime < limit:
                old.unlink()
        except OSError:  # another export removed it first
            pass
