"""Earlier versions of a report: each /sua stores the version it replaces, with who replaced it
and when, so the office can see what changed (the console's report page)."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlmodel import Field, Session, SQLModel, select

from storage.models import Report


class ReportRevision(SQLModel, table=True):
    """One replaced version of a report (`revision` is that version's number, from 1)."""

    __tablename__ = "report_revision"
    id: Optional[int] = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    revision: int
    task_id: int = Field(foreign_key="task.id")
    period: str = Field(max_length=10)
    content: str
    participants: Optional[int] = None
    difficulties: Optional[str] = None
    proposals: Optional[str] = None
    photos: str = ""  # sha256 of each photo in order, comma-separated
    saved_at: datetime  # when this version was sent (or last edited)
    replaced_by: str = Field(default="", max_length=96)  # platform:user id of the editor
    replaced_by_name: str = Field(default="", max_length=255)
    replaced_at: datetime


def keep_version(s: Session, report: Report, photo_shas: list[str], platform: str,
                 user_id: str, user_name: str, now: datetime) -> None:
    """Store the report as it is before an edit replaces it."""
    s.add(ReportRevision(
        report_id=report.id, revision=report.revision, task_id=report.task_id,
        period=report.period, content=report.content, participants=report.participants,
        difficulties=report.difficulties, proposals=report.proposals,
        photos=",".join(photo_shas), saved_at=report.updated_at or report.created_at,
        replaced_by=f"{platform}:{user_id}", replaced_by_name=user_name or "", replaced_at=now))


def versions_of(s: Session, report_id: int) -> list[ReportRevision]:
    """The earlier versions, oldest first."""
    return list(s.exec(select(ReportRevision).where(ReportRevision.report_id == report_id)
                       .order_by(ReportRevision.revision, ReportRevision.id)))
