"""Zalo Official Account tokens, rotated durably.

A Zalo OA refresh token can be used once: the refresh that consumes it returns the next pair.
The rules that keep the account from being locked out:

* one row per token pair; `status` is `active` (the pair in use), `retired` (consumed by a
  refresh, kept until its successor is proven) or `rejected` (Zalo refused it);
* before calling Zalo, a caller takes a short lease on the active row with a compare-and-set
  UPDATE, so two processes never spend the same refresh token;
* the new pair is inserted and the old one retired in ONE transaction, committed right after
  Zalo answers and before anything uses the new access token;
* the retired pair stays until the new access token has worked once (`proven_at`): if Zalo's
  answer turns out unusable, the previous access token still serves until it expires.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Optional

from sqlalchemy import update
from sqlmodel import Field, Session, SQLModel, select

from storage.clock import utcnow

LEASE = timedelta(seconds=60)  # longer than one refresh request may take


class ZaloOaToken(SQLModel, table=True):
    __tablename__ = "zalo_oa_token"
    id: Optional[int] = Field(default=None, primary_key=True)
    app_id: str = Field(max_length=64, index=True)
    access_token: str = Field(max_length=2048)
    refresh_token: str = Field(max_length=2048)
    expires_at: datetime  # of the access token
    status: str = Field(default="active", max_length=16)
    source: str = Field(default="refresh", max_length=16)  # refresh | seed
    refresh_started_at: Optional[datetime] = None  # lease of the caller spending refresh_token
    proven_at: Optional[datetime] = None  # the access token worked at least once
    retired_at: Optional[datetime] = None
    created_at: datetime = Field(default_factory=utcnow)


@dataclass(frozen=True)
class TokenPair:
    """A detached copy of a row, safe to use outside the session."""

    id: int
    access_token: str
    refresh_token: str
    expires_at: datetime
    proven: bool

    @classmethod
    def of(cls, row: ZaloOaToken) -> "TokenPair":
        return cls(row.id, row.access_token, row.refresh_token, _aware(row.expires_at),
                   row.proven_at is not None)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def active(s: Session, app_id: str) -> Optional[TokenPair]:
    row = _active_row(s, app_id)
    return TokenPair.of(row) if row else None


def _active_row(s: Session, app_id: str) -> Optional[ZaloOaToken]:
    return s.exec(select(ZaloOaToken).where(ZaloOaToken.app_id == app_id,
                                            ZaloOaToken.status == "active")
                  .order_by(ZaloOaToken.id.desc())).first()


def previous_usable(s: Session, app_id: str, now: datetime) -> Optional[TokenPair]:
    """The newest retired pair whose access token has not expired yet (a fallback)."""
    rows = s.exec(select(ZaloOaToken).where(ZaloOaToken.app_id == app_id,
                                            ZaloOaToken.status == "retired")
                  .order_by(ZaloOaToken.id.desc())).all()
    for row in rows:
        if _aware(row.expires_at) > now:
            return TokenPair.of(row)
    return None


def seed(s: Session, app_id: str, refresh_token: str, access_token: str = "",
         expires_at: Optional[datetime] = None, now: Optional[datetime] = None) -> TokenPair:
    """Start a new chain from a refresh token of a fresh authorization; older pairs retire.

    Without an access token the pair counts as expired, so the first use refreshes at once.
    """
    now = now or utcnow()
    s.exec(update(ZaloOaToken).where(ZaloOaToken.app_id == app_id,
                                     ZaloOaToken.status == "active")
           .values(status="retired", retired_at=now))
    row = ZaloOaToken(app_id=app_id, access_token=access_token, refresh_token=refresh_token,
                      expires_at=expires_at or now, source="seed", created_at=now)
    s.add(row)
    s.flush()
    return TokenPair.of(row)


def take_lease(s: Session, pair_id: int, now: datetime) -> bool:
    """Claim the right to spend this pair's refresh token; False if someone holds it."""
    result = s.exec(update(ZaloOaToken).where(
        ZaloOaToken.id == pair_id, ZaloOaToken.status == "active",
        (ZaloOaToken.refresh_started_at.is_(None)) | (ZaloOaToken.refresh_started_at < now - LEASE))
        .values(refresh_started_at=now))
    return result.rowcount == 1


def release_lease(s: Session, pair_id: int) -> None:
    s.exec(update(ZaloOaToken).where(ZaloOaToken.id == pair_id)
           .values(refresh_started_at=None))


def rotate(s: Session, app_id: str, old_id: int, access_token: str, refresh_token: str,
           expires_at: datetime, now: datetime) -> TokenPair:
    """Store the pair a refresh returned and retire the one it consumed, in the caller's
    transaction (commit it before using the new token)."""
    s.exec(update(ZaloOaToken).where(ZaloOaToken.app_id == app_id,
                                     ZaloOaToken.status == "active")
           .values(status="retired", retired_at=now, refresh_started_at=None))
    row = ZaloOaToken(app_id=app_id, access_token=access_token, refresh_token=refresh_token,
                      expires_at=expires_at, created_at=now)
    s.add(row)
    s.flush()
    return TokenPair.of(row)


def reject(s: Session, pair_id: int, now: datetime) -> None:
    """Zalo refused this pair's refresh token: it can never be used again."""
    s.exec(update(ZaloOaToken).where(ZaloOaToken.id == pair_id)
           .values(status="rejected", retired_at=now, refresh_started_at=None))


def mark_proven(s: Session, pair_id: int, now: datetime) -> None:
    """The access token worked: older pairs are no longer needed as a fallback."""
    row = s.get(ZaloOaToken, pair_id)
    if row is None or row.proven_at is not None:
        return
    row.proven_at = now
    s.add(row)
    for old in s.exec(select(ZaloOaToken).where(ZaloOaToken.app_id == row.app_id,
                                                ZaloOaToken.id < pair_id)):
        s.delete(old)
