"""Tables and queries of the production server: inbound updates, background jobs, shared pacing.

* `inbound_update`: a webhook's raw update, stored before the platform gets its 200, so a
  worker killed after answering loses nothing; `handled_at` is set once the core has seen it.
* `job`: long work (exports) done by `fieldreport worker`, claimed with a lease.
* `rate_slot`: the next free sending slot per bot, shared by every process (bot/ratelimit.py).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import (JSON, Column, Connection, Index, UniqueConstraint, bindparam, func, or_,
                        update)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Field, Session, SQLModel, select

from storage.clock import utcnow
from storage.driver import DriverStatement


class InboundUpdate(SQLModel, table=True):
    __tablename__ = "inbound_update"
    __table_args__ = (UniqueConstraint("platform", "update_key"),
                      Index("ix_inbound_update_open", "handled_at", "claimed_at"))
    id: Optional[int] = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    update_key: str = Field(max_length=128)
    payload: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    received_at: datetime = Field(default_factory=utcnow)
    claimed_by: str = Field(default="", max_length=64)
    claimed_at: Optional[datetime] = None
    attempts: int = 0
    # ix_inbound_update_open (handled_at first) serves every query on handled_at.
    handled_at: Optional[datetime] = None
    error: str = Field(default="", max_length=500)


class Job(SQLModel, table=True):
    __table_args__ = (Index("ix_job_open", "status", "created_at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    payload: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="queued", max_length=16)  # queued, running, done, failed
    attempts: int = 0
    claimed_by: str = Field(default="", max_length=64)
    claimed_at: Optional[datetime] = None
    finished_at: Optional[datetime] = None
    result_path: str = Field(default="", max_length=500)
    # Unused since Zalo links are the console's /tai-ve/ tokens (storage.web, hashed at rest);
    # kept until a migration drops them.
    download_token: Optional[str] = Field(default=None, max_length=64, unique=True)
    download_expires_at: Optional[datetime] = None
    error: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


class RateSlot(SQLModel, table=True):
    __tablename__ = "rate_slot"
    key: str = Field(primary_key=True, max_length=64)
    next_free: float = 0.0  # seconds since the epoch, on the database server's clock
    paused_until: float = 0.0


# --- inbound updates ------------------------------------------------------------------------

_INBOUND = InboundUpdate.__table__


def _store_statement(dialect_insert, handled: bool):
    values = dict(platform=bindparam("platform"), update_key=bindparam("update_key"),
                  payload=bindparam("payload", type_=JSON), received_at=bindparam("now"),
                  claimed_by=bindparam("worker"), claimed_at=bindparam("now"), attempts=1,
                  error="")
    if handled:  # handled on arrival: stored in the step's own transaction
        values["handled_at"] = bindparam("now")
    return (dialect_insert(_INBOUND).values(**values).on_conflict_do_nothing()
            .returning(_INBOUND.c.id, _INBOUND.c.update_key))


# Built once: these run for every webhook update. Keyed by (dialect, handled).
_STORE = {(name, handled): _store_statement(insert, handled)
          for name, insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
          for handled in (False, True)}
_STORE_ONE = {key: DriverStatement(statement) for key, statement in _STORE.items()}
_CLAIM = DriverStatement(update(_INBOUND).where(_INBOUND.c.id == bindparam("row_id"),
                                                _INBOUND.c.handled_at.is_(None))
                         .values(handled_at=bindparam("now")))


def store_update(s: Session, platform: str, update_key: str, payload: dict, worker: str,
                 now: Optional[datetime] = None) -> Optional[int]:
    """Keep the raw update, claimed by `worker`; None when it was stored before (a repeat)."""
    return store_updates(s, platform, [(update_key, payload)], worker, now)[0]


def store_handled(s: Session | Connection, platform: str, update_key: str, payload: dict,
                  worker: str, now: datetime) -> bool:
    """Keep the raw update as handled, in the caller's transaction (the step that handles it);
    False when it was stored before (a repeat: the step must have no effect)."""
    return store_updates(s, platform, [(update_key, payload)], worker, now,
                         handled=True)[0] is not None


def store_updates(s: Session | Connection, platform: str, updates: list[tuple[str, dict]],
                  worker: str, now: Optional[datetime] = None,
                  handled: bool = False) -> list[Optional[int]]:
    """Keep several raw updates in one statement (a webhook's group commit); for each, its
    row id, or None when it was stored before or earlier in the same list (a repeat)."""
    if not updates:
        return []
    conn = s if isinstance(s, Connection) else s.connection()
    which = "postgresql" if conn.dialect.name == "postgresql" else "sqlite", handled
    now = now or utcnow()
    params = [{"platform": platform, "update_key": key, "payload": payload, "now": now,
               "worker": worker} for key, payload in updates]
    if len(params) == 1:  # every update handled on arrival: on the driver's cursor
        rows = _STORE_ONE[which].rows(conn, params[0])
    else:
        rows = conn.execute(_STORE[which], params).all()
    stored = {update_key: row_id for row_id, update_key in rows}
    return [stored.pop(key, None) for key, _ in updates]


def claim_stored(s: Session, update_id: int, now: datetime) -> bool:
    """Mark a stored update handled in this transaction; False if it was handled before."""
    return _CLAIM.run(s.connection(), {"row_id": update_id, "now": now}) == 1


def mark_handled(s: Session, update_id: int, now: Optional[datetime] = None,
                 error: str = "") -> None:
    s.connection().execute(update(_INBOUND).where(_INBOUND.c.id == update_id)
                           .values(handled_at=now or utcnow(), error=error[:500]))


def claim_abandoned_updates(s: Session, worker: str, now: datetime, lease: timedelta,
                            limit: int = 100, platform: Optional[str] = None
                            ) -> list[InboundUpdate]:
    """Updates stored but not handled whose claim is older than `lease` (their worker died),
    re-claimed for `worker` one by one with a conditional UPDATE, oldest first."""
    table = InboundUpdate.__table__
    stale = now - lease
    query = select(InboundUpdate).where(
        InboundUpdate.handled_at.is_(None),
        or_(InboundUpdate.claimed_at.is_(None), InboundUpdate.claimed_at < stale))
    if platform is not None:  # each platform's inbox recovers only what it can handle
        query = query.where(InboundUpdate.platform == platform)
    rows = list(s.exec(query.order_by(InboundUpdate.id).limit(limit)))
    taken = []
    for row in rows:
        won = s.connection().execute(
            update(table).where(table.c.id == row.id, table.c.handled_at.is_(None),
                                or_(table.c.claimed_at.is_(None), table.c.claimed_at < stale))
            .values(claimed_by=worker, claimed_at=now, attempts=table.c.attempts + 1)).rowcount
        if won:
            taken.append(row)
    return taken


def last_handled_at(s: Session) -> Optional[datetime]:
    return s.exec(select(func.max(InboundUpdate.handled_at))).one()


def unhandled_count(s: Session) -> int:
    return s.exec(select(func.count()).select_from(InboundUpdate)
                  .where(InboundUpdate.handled_at.is_(None))).one()


def prune_updates(s: Session, before: datetime) -> int:
    table = InboundUpdate.__table__
    return s.connection().execute(table.delete().where(table.c.handled_at.is_not(None),
                                                       table.c.received_at < before)).rowcount


# --- jobs -----------------------------------------------------------------------------------

CONSOLE_EXPORT = "console_export"  # a workbook asked for in the office console (job kind)


def enqueue(s: Session, kind: str, payload: dict, now: Optional[datetime] = None) -> Job:
    job = Job(kind=kind, payload=dict(payload), created_at=now or utcnow())
    s.add(job)
    s.flush()
    return job


def claim_job(s: Session, worker: str, now: datetime, lease: timedelta,
              kinds: tuple[str, ...] = ("export",)) -> Optional[Job]:
    """The oldest queued job (or one whose worker's lease ran out), taken by `worker`."""
    table = Job.__table__
    stale = now - lease
    candidates = s.exec(select(Job.id).where(
        Job.kind.in_(kinds),
        or_(Job.status == "queued", (Job.status == "running") & (Job.claimed_at < stale)))
        .order_by(Job.id).limit(10)).all()
    for job_id in candidates:
        won = s.connection().execute(
            update(table).where(table.c.id == job_id,
                                or_(table.c.status == "queued",
                                    (table.c.status == "running") & (table.c.claimed_at < stale)))
            .values(status="running", claimed_by=worker, claimed_at=now,
                    attempts=table.c.attempts + 1)).rowcount
        if won:
            return s.get(Job, job_id)
    return None


def finish_job(s: Session, job_id: int, status: str, now: datetime, result_path: str = "",
               error: str = "", download_token: Optional[str] = None,
               download_expires_at: Optional[datetime] = None) -> None:
    s.connection().execute(update(Job.__table__).where(Job.__table__.c.id == job_id).values(
        status=status, finished_at=now, result_path=result_path, error=error[:500],
        download_token=download_token, download_expires_at=download_expires_at))

