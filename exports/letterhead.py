"""What an official Youth Union document carries around its body (Hướng dẫn 29-HD/TWĐTN-VP):
the issuing body and number top left, the Union's heading and the place and date top right,
the recipients bottom left and the signature block bottom right. The workbook's Tổng hợp sheet
and the Word báo cáo both take one Letterhead, built from settings by the caller.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

UNION_HEADING = "ĐOÀN TNCS HỒ CHÍ MINH"
DEFAULT_RECIPIENTS = ("Thường trực Tỉnh đoàn (để b/c);", "Các đồng chí Ủy viên Ban Thường vụ;",
                      "Lưu VP.")


@dataclass(frozen=True)
class Letterhead:
    issuer: str = ""  # top left, e.g. "BCH TỈNH VĨNH LONG"; empty: the exported unit's name
    issuer_parent: str = ""  # optional line above the issuer, e.g. "TỈNH ĐOÀN VĨNH LONG"
    symbol: str = "BC/TĐTN"  # after the number: "Số:    -BC/TĐTN"
    place: str = ""  # "Vĩnh Long" in "Vĩnh Long, ngày 23 tháng 11 năm 2026"
    signer_on_behalf: str = "TM. BAN THƯỜNG VỤ"
    signer_title: str = "PHÓ BÍ THƯ"
    signer_name: str = ""  # blank: the name is written by hand under the signature
    recipients: tuple[str, ...] = field(default=DEFAULT_RECIPIENTS)
    heading: str = UNION_HEADING

    def for_unit(self, unit_name: str) -> "Letterhead":
        """This letterhead, with the issuer defaulting to the exported unit's name."""
        return self if self.issuer else replace(self, issuer=unit_name.upper())

    def number_line(self) -> str:
        """The number is left blank: the office writes it by hand when it registers the
        document."""
        return f"Số:        -{self.symbol}"

    def date_line(self, day: date) -> str:
        """'Vĩnh Long, ngày 05 tháng 01 năm 2026': days below 10 and months below 3 take a
        leading zero, as the administrative format requires."""
        day_text = f"{day.day:02d}" if day.day < 10 else str(day.day)
        month_text = f"{day.month:02d}" if day.month < 3 else str(day.month)
        text = f"ngày {day_text} tháng {month_text} năm {day.year}"
        return f"{self.place}, {text}" if self.place else text.capitalize()


def letterhead_from_settings(settings) -> Letterhead:
    """A Letterhead from bot.settings.Settings (REPORT_* settings)."""
    recipients = tuple(r.strip() for r in settings.report_recipients.split("|") if r.strip())
    return Letterhead(issuer=settings.report_issuer.strip(),
                      issuer_parent=settings.report_issuer_parent.strip(),
                      symbol=settings.report_symbol.strip() or "BC/TĐTN",
                      place=settings.report_place.strip(),
                      signer_on_behalf=settings.report_signer_on_behalf.strip(),
                      signer_title=settings.report_signer_title.strip(),
                      signer_name=settings.report_signer_name.strip(),
                      recipients=recipients or DEFAULT_RECIPIENTS)
