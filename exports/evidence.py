"""Minh chứng: one row per evidence photo, with its thumbnail in the sheet and a link to the full
photo (under MEDIA_DIR, or in the photos/ folder next to the workbook with --with-media)."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import quote
from typing import Callable, Optional, Sequence

from openpyxl.drawing.image import Image
from openpyxl.drawing.spreadsheet_drawing import AnchorMarker, OneCellAnchor
from openpyxl.drawing.xdr import XDRPositiveSize2D
from openpyxl.utils.units import pixels_to_EMU

from exports.print_layout import RECEIPT_WIDTH
from exports.sheet import Column, Heading, Link, Sheet
from storage.clock import to_local
from storage.reporting import PhotoLine

EVIDENCE = "Minh chứng"
THUMB_HEIGHT_PX = 80  # shown size; stored thumbnails are up to 320 px
THUMB_MAX_WIDTH_PX = 120
ROW_HEIGHT_PT = 64  # 80 px plus a margin (1 pt = 4/3 px)
MEDIA_FOLDER = "photos"

COLUMNS = [
    Column("STT", 6, "text"), Column("Ảnh", 18, "text"),
    Column("Mã biên nhận", RECEIPT_WIDTH, "text"),
    Column("Thời gian", 16, "datetime"), Column("Đơn vị", 30, "wrap"),
    Column("Nhiệm vụ", 24, "wrap"), Column("Ảnh số", 7, "text"),
    Column("Ảnh gốc", 16, "link"), Column("Ghi chú", 34, "wrap"),
]


class FileImage(Image):
    """A picture read from disk only while the workbook is saved.

    openpyxl's Image opens the file with Pillow at once and keeps it open; 5,000 photos would
    run out of file descriptors, and holding their bytes would cost memory.
    """

    def __init__(self, path: Path, width: int, height: int):
        self.ref, self.format, self.width, self.height = path, "jpeg", width, height

    def _data(self) -> bytes:
        return Path(self.ref).read_bytes()


def zip_name(photo: PhotoLine) -> str:
    """Where --with-media puts a photo: readable by people, one file per report photo."""
    suffix = Path(photo.path).suffix or ".jpg"
    return f"{MEDIA_FOLDER}/{photo.receipt_code}-{photo.position + 1}{suffix}"


def media_note(media_root: Optional[Path], with_media: bool) -> str:
    """One line saying where the full photos are, for whoever opens the workbook elsewhere."""
    if with_media:
        return f"Ảnh gốc nằm trong thư mục {MEDIA_FOLDER}/ cạnh tệp này (giải nén cả gói .zip)."
    where = f"thư mục {media_root.resolve()} trên máy chạy bot" if media_root else "máy chạy bot"
    return (f"Ảnh gốc lưu ở {where}; cần gửi kèm ảnh thì xuất gói .zip "
            f"(fieldreport export --with-media).")


def _display_size(photo: PhotoLine) -> tuple[int, int]:
    width, height = max(photo.width, 1), max(photo.height, 1)
    shown_w = min(THUMB_MAX_WIDTH_PX, round(THUMB_HEIGHT_PX * width / height))
    return shown_w, round(shown_w * height / width)


def _anchor(row: int, size: tuple[int, int], left_px: int = 4) -> OneCellAnchor:
    # Column B, a few pixels in, so the cell border stays visible around the picture;
    # `left_px` further right for a second picture in the same cell (Điển hình).
    start = AnchorMarker(col=1, colOff=pixels_to_EMU(left_px), row=row - 1,
                         rowOff=pixels_to_EMU(3))
    return OneCellAnchor(_from=start, ext=XDRPositiveSize2D(pixels_to_EMU(size[0]),
                                                            pixels_to_EMU(size[1])))


def write_evidence(book, heading: Heading, photos: Sequence[PhotoLine], unit_names: dict[int, str],
                   task_names: dict[int, str], media_root: Optional[Path], with_media: bool,
                   tick: Callable[[int], None] = lambda n: None) -> Sheet:
    sheet = Sheet(book, EVIDENCE, "MINH CHỨNG HOẠT ĐỘNG (ẢNH)", COLUMNS, heading, freeze_col=3,
                  note=media_note(media_root, with_media))
    root_uri = media_root.resolve().as_uri() if media_root else ""  # resolved once, not per photo
    for number, photo in enumerate(photos, start=1):
        thumb = media_root / photo.thumb_path if media_root else None
        has_thumb = thumb is not None and thumb.is_file()
        original = media_root / photo.path if media_root else None
        notes = [f"Ảnh đã dùng trong báo cáo {photo.reused_from}"] if photo.reused_from else []
        link = None
        if original is None or not original.is_file():
            notes.append("Không tìm thấy tệp ảnh gốc")
        elif with_media:
            link = Link("Mở ảnh gốc", target=zip_name(photo))
        else:
            link = Link("Mở ảnh gốc", target=f"{root_uri}/{quote(photo.path)}")
        note = "; ".join(notes) or None
        _, row = sheet.append(
            [number, None if has_thumb else "(không có ảnh thu nhỏ)", photo.receipt_code,
             to_local(photo.created_at).replace(tzinfo=None), unit_names.get(photo.unit_id, "?"),
             task_names.get(photo.task_id, "?"), photo.position + 1, link, note],
            height=ROW_HEIGHT_PT if has_thumb else None)
        if has_thumb:
            size = _display_size(photo)
            image = FileImage(thumb, *size)
            image.anchor = _anchor(row, size)
            sheet.ws.add_image(image)
        tick(1)
    sheet.close()
    return sheet
