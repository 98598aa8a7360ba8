"""Evidence photos on disk under MEDIA_DIR, addressed by content hash, each with a thumbnail."""
from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

THUMB_SIZE = (320, 320)
MAX_PHOTO_BYTES = 20 * 1024 * 1024  # Telegram's getFile limit; Zalo photos are smaller


class NotAnImage(ValueError):
    """The bytes are not a picture Pillow can read."""


@dataclass(frozen=True)
class StoredPhoto:
    sha256: str
    path: str  # relative to the media root
    thumb_path: str
    width: int
    height: int
    size_bytes: int


class MediaStore:
    def __init__(self, root: Path):
        self.root = Path(root)

    def absolute(self, relative: str) -> Path:
        return self.root / relative

    def save(self, data: bytes) -> StoredPhoto:
        """Write the photo and its thumbnail once per content; safe to call again."""
        if len(data) > MAX_PHOTO_BYTES:
            raise NotAnImage("too large")
        try:
            image = Image.open(io.BytesIO(data))
            image.load()
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
            raise NotAnImage(str(exc)) from exc
        sha = hashlib.sha256(data).hexdigest()
        ext = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}.get(image.format, "img")
        rel = f"photos/{sha[:2]}/{sha}.{ext}"
        thumb_rel = f"thumbs/{sha[:2]}/{sha}.jpg"
        target = self.absolute(rel)
        if not target.exists():
            _atomic_write(target, data)
        thumb = self.absolute(thumb_rel)
        if not thumb.exists():
            small = image.convert("RGB")
            small.thumbnail(THUMB_SIZE)
            buf = io.BytesIO()
            small.save(buf, "JPEG", quality=80)
            _atomic_write(thumb, buf.getvalue())
        return StoredPhoto(sha, rel, thumb_rel, image.width, image.height, len(data))


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
