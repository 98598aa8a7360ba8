"""PDF through LibreOffice (`soffice --headless --convert-to pdf`), when it is installed."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

TIMEOUT_SECONDS = 180


class PdfUnavailable(RuntimeError):
    MESSAGE = ("Cần cài LibreOffice (lệnh soffice) để xuất báo cáo dạng PDF; chưa ghi tệp nào. "
               "Đồng chí xuất dạng .docx rồi mở bằng Word để lưu PDF, hoặc nhờ quản trị hệ "
               "thống cài LibreOffice.")


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def pdf_available() -> bool:
    return soffice() is not None


def docx_to_pdf(docx: Path, pdf: Path) -> Path:
    """Convert with a private LibreOffice profile (a running LibreOffice or another conversion
    would otherwise hold the shared one) and move the PDF into place."""
    program = soffice()
    if program is None:
        raise PdfUnavailable(PdfUnavailable.MESSAGE)
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp) / "profile"
        result = subprocess.run(
            [program, f"-env:UserInstallation={profile.as_uri()}", "--headless",
             "--convert-to", "pdf", "--outdir", tmp, str(docx)],
            capture_output=True, timeout=TIMEOUT_SECONDS, env={**os.environ, "HOME": tmp})
        made = Path(tmp) / (Path(docx).stem + ".pdf")
        if result.returncode != 0 or not made.is_file():
            raise PdfUnavailable("LibreOffice không chuyển được báo cáo sang PDF; chưa ghi tệp "
                                 "nào. Đồng chí xuất dạng .docx.")
        pdf.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(made), pdf)
    return pdf
