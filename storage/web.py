"""The office console's own tables: one-time links, browser sessions, export jobs and the audit
trail. Secrets (link tokens, session ids) are stored only as SHA-256 digests."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import Column, Text, update
from sqlmodel import Field, Session, SQLModel, select

from storage.clock import utcnow

LOGIN_TTL = timedelta(minutes=10)
INVITE_TTL = timedelta(days=3)
DOWNLOAD_TTL = timedelta(hours=24)  # /xuat workbooks are pruned after a day anyway
SESSION_IDLE = timedelta(hours=8)


class WebToken(SQLModel, table=True):
    """A link token: `login` (10 minutes, once), `invite` (staff invite, once), `download`."""

    __tablename__ = "web_token"
    id: Optional[int] = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    purpose: str = Field(max_length=16)
    platform: str = Field(default="", max_length=16)
    user_id: str = Field(default="", max_length=64)
    unit_id: Optional[int] = Field(default=None, foreign_key="unit.id")
    file_path: str = Field(default="", max_length=500)
    created_by: str = Field(default="", max_length=96)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: Optional[datetime] = None


class WebSession(SQLModel, table=True):
    """A logged-in browser; the cookie carries the id, the table says whether it still lives."""

    __tablename__ = "web_session"
    id: Optional[int] = Field(default=None, primary_key=True)
    sid_hash: str = Field(max_length=64, unique=True)
    platform: str = Field(max_length=16)
    user_id: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen: datetime = Field(default_factory=utcnow)
    ended_at: Optional[datetime] = None


class ConsoleAudit(SQLModel, table=True):
    """Who changed what from the console, shown on the page it changed."""

    __tablename__ = "console_audit"
    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    who: str = Field(max_length=96)  # platform:user_id
    page: str = Field(max_length=32, index=True)  # units, schedule, staff, overview
    unit_id: Optional[int] = Field(default=None, foreign_key="unit.id")
    action: str = Field(max_length=64)
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class ExportJob(SQLModel, table=True):
    """A large workbook built in the background; `progress` is 0–100."""

    __tablename__ = "export_job"
    id: Optional[int] = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    who: str = Field(max_length=96)
    unit_id: Optional[int] = Field(default=None, foreign_key="unit.id")
    period_spec: str = Field(max_length=32)
    label: str = Field(default="", max_length=255)
    reports: int = 0
    status: str = Field(default="running", max_length=16)  # running, done, failed
    progress: int = 0
    file_path: str = Field(default="", max_length=500)
    error: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: Optional[datetime] = None


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def who(platform: str, user_id: str) -> str:
    return f"{platform}:{user_id}"


# --- link tokens ----------------------------------------------------------------------------

def issue_token(s: Session, purpose: str, now: datetime, ttl: timedelta, *, platform: str = "",
                user_id: str = "", unit_id: Optional[int] = None, file_path: str = "",
                created_by: str = "") -> str:
    """A new token; only its digest is stored, the caller gets the secret once."""
    token = new_secret()
    s.add(WebToken(token_hash=digest(token), purpose=purpose, platform=platform, user_id=user_id,
                   unit_id=unit_id, file_path=file_path, created_by=created_by, created_at=now,
                   expires_at=now + ttl))
    return token


def issue_login_token(s: Session, platform: str, user_id: str, now: datetime) -> str:
    return issue_token(s, "login", now, LOGIN_TTL, platform=platform, user_id=user_id)


def issue_download_token(s: Session, platform: str, user_id: str, path: str, now: datetime,
                         ttl: timedelta = DOWNLOAD_TTL) -> str:
    """For /xuat on Zalo: a link PUBLIC_URL/tai-ve/<token> to a workbook already written."""
    return issue_token(s, "download", now, ttl, platform=platform, user_id=user_id,
                       file_path=str(path))


def peek_token(s: Session, token: str, purpose: str, now: datetime) -> Optional[WebToken]:
    """The live token (unused, unexpired) without using it."""
    row = s.exec(select(WebToken).where(WebToken.token_hash == digest(token),
                                        WebToken.purpose == purpose)).first()
    if row is None or row.used_at is not None or _aware(row.expires_at) <= now:
        return None
    return row


def use_token(s: Session, token: str, purpose: str, now: datetime) -> Optional[WebToken]:
    """Spend a single-use token: one UPDATE guarded by used_at IS NULL, so two browsers racing
    with the same link cannot both win."""
    row = peek_token(s, token, purpose, now)
    if row is None:
        return None
    spent = s.execute(update(WebToken).where(WebToken.id == row.id, WebToken.used_at.is_(None))
                      .values(used_at=now)).rowcount
    return row if spent == 1 else None


# --- sessions -------------------------------------------------------------------------------

def start_session(s: Session, platform: str, user_id: str, now: datetime) -> str:
    sid = new_secret()
    s.add(WebSession(sid_hash=digest(sid), platform=platform, user_id=user_id, created_at=now,
                     last_seen=now))
    return sid


def live_session(s: Session, sid: str, now: datetime) -> Optional[WebSession]:
    """The session if it is not ended and was used within SESSION_IDLE; touches last_seen."""
    row = s.exec(select(WebSession).where(WebSession.sid_hash == digest(sid))).first()
    if row is None or row.ended_at is not None:
        return None
    if now - _aware(row.last_seen) > SESSION_IDLE:
        row.ended_at = now
        s.add(row)
        return None
    row.last_seen = now
    s.add(row)
    return row


def end_session(s: Session, sid: str, now: datetime) -> None:
    row = s.exec(select(WebSession).where(WebSession.sid_hash == digest(sid))).first()
    if row is not None and row.ended_at is None:
        row.ended_at = now
        s.add(row)


# --- audit ----------------------------------------------------------------------------------

def record(s: Session, actor: str, page: str, action: str, detail: str = "",
           unit_id: Optional[int] = None, now: Optional[datetime] = None) -> None:
    s.add(ConsoleAudit(at=now or utcnow(), who=actor, page=page, action=action, detail=detail,
                       unit_id=unit_id))


def audit_trail(s: Session, page: str, unit_ids: Optional[set[int]] = None, limit: int = 20
                ) -> list[ConsoleAudit]:
    query = select(ConsoleAudit).where(ConsoleAudit.page == page)
    rows = s.exec(query.order_by(ConsoleAudit.at.desc(), ConsoleAudit.id.desc()).limit(limit * 5))
    out = [r for r in rows if unit_ids is None or r.unit_id is None or r.unit_id in unit_ids]
    return out[:limit]


def last_action(s: Session, action: str, unit_id: int) -> Optional[datetime]:
    row = s.exec(select(ConsoleAudit.at).where(ConsoleAudit.action == action,
                                               ConsoleAudit.unit_id == unit_id)
                 .order_by(ConsoleAudit.at.desc())).first()
    return _aware(row) if row is not None else None


def _aware(moment: datetime) -> datetime:
    from datetime import timezone
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
