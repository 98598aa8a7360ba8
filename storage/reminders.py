"""Reminder tables (schedules, pauses, days off, rounds, deliveries) and their queries.

A delivery is one message to one chat for one unit, period and kind. Its row is written before
anything is sent and the unique key (unit, period, kind, platform, chat) makes a second copy
impossible; a worker claims a row with a conditional UPDATE, so two processes never both send it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from enum import StrEnum
from typing import Iterable, Optional

from sqlalchemy import Index, UniqueConstraint, func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Field, Session, SQLModel, select

from storage.clock import iso_week, utcnow
from storage.models import ChatBinding, Member, Report, Task, Unit



class DeliveryKind(StrEnum):
    """What a delivery is (stored as its value)."""

    REMINDER = "reminder"
    FOLLOWUP = "followup"
    DIGEST = "digest"
    MANUAL = "manual"  # a reminder sent by hand (`fieldreport remind --now`)
    ALERT = "alert"  # a notice to the office (a platform's quota ran out)


class DeliveryStatus(StrEnum):
    """Where a delivery is. `unknown`: its worker died between claiming and recording the
    result, so we cannot tell whether the platform got it; it is never sent again (at most once
    beats twice). `outside_window`: the platform (Zalo OA) takes it only after the cadre writes
    again; it is sent then, and the office sees who must be reached."""

    PENDING = "pending"
    SENDING = "sending"
    RETRY = "retry"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"
    OUTSIDE_WINDOW = "outside_window"
    MISSED = "missed"
    SKIPPED = "skipped"
    UNKNOWN = "unknown"


S = DeliveryStatus
OPEN = (S.PENDING, S.RETRY)
FINAL = (S.SENT, S.FAILED, S.BLOCKED, S.OUTSIDE_WINDOW, S.MISSED, S.SKIPPED, S.UNKNOWN)


class ReminderSchedule(SQLModel, table=True):
    """Schedule of a subtree (unit_id None: the whole tree). A NULL column inherits from above;
    slots are '<weekday 0=Mon> HH:MM' or 'off'."""

    __tablename__ = "reminder_schedule"
    id: Optional[int] = Field(default=None, primary_key=True)
    unit_id: Optional[int] = Field(default=None, foreign_key="unit.id", unique=True)
    reminder: Optional[str] = Field(default=None, max_length=16)
    followup: Optional[str] = Field(default=None, max_length=16)
    deadline: Optional[str] = Field(default=None, max_length=16)
    digest: Optional[str] = Field(default=None, max_length=16)
    grace: Optional[str] = Field(default=None, max_length=16)  # a slot of the following week
    updated_by: str = Field(default="", max_length=64)
    updated_at: datetime = Field(default_factory=utcnow)


class ReminderPause(SQLModel, table=True):
    """A unit (and its subtree) gets no reminders until `until` (inclusive) or until resumed."""

    __tablename__ = "reminder_pause"
    unit_id: int = Field(foreign_key="unit.id", primary_key=True)
    until: Optional[date] = None
    note: str = Field(default="", max_length=255)
    created_at: datetime = Field(default_factory=utcnow)


class DayOff(SQLModel, table=True):
    """A day the office declared off, on top of the public holidays."""

    __tablename__ = "day_off"
    day: date = Field(primary_key=True)
    note: str = Field(default="", max_length=255)
    created_at: datetime = Field(default_factory=utcnow)


class ReminderRound(SQLModel, table=True):
    """One firing of a schedule slot for a period: planned, or missed (too late to send)."""

    __tablename__ = "reminder_round"
    __table_args__ = (UniqueConstraint("kind", "period", "slot"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    period: str = Field(max_length=10)
    slot: str = Field(max_length=16)
    due_at: datetime
    status: str = Field(default="planned", max_length=16)
    created_at: datetime = Field(default_factory=utcnow)


class Delivery(SQLModel, table=True):
    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("unit_id", "period", "kind", "platform", "chat_id"),
        Index("ix_delivery_open", "status", "next_attempt_at"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    period: str = Field(max_length=10, index=True)
    kind: str = Field(max_length=16)  # a DeliveryKind
    platform: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    audience: str = Field(max_length=16)  # group, private, office
    recipient: str = Field(default="", max_length=255)  # group title or cadre's name
    text: str
    button_label: str = Field(default="", max_length=64)
    button_url: str = Field(default="", max_length=255)
    due_at: datetime
    status: str = Field(default=DeliveryStatus.PENDING, max_length=16)
    attempts: int = 0
    pieces_sent: int = 0  # of a split message: a retry sends only the rest
    next_attempt_at: datetime = Field(default_factory=utcnow)
    claimed_by: str = Field(default="", max_length=64)
    claimed_at: Optional[datetime] = None
    finished_at: Optional[datetime] = None  # when the result (sent, blocked...) was known
    error: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


# --- schedules ------------------------------------------------------------------------------

SLOT_COLUMNS = ("reminder", "followup", "deadline", "digest", "grace")


def schedule_rows(s: Session) -> dict[Optional[int], ReminderSchedule]:
    return {row.unit_id: row for row in s.exec(select(ReminderSchedule))}


def set_schedule(s: Session, unit_id: Optional[int], changes: dict[str, Optional[str]],
                 by: str = "") -> ReminderSchedule:
    """Write slot specs ('4 16:30', 'off', or None to inherit again) for a subtree."""
    row = s.exec(select(ReminderSchedule).where(
        ReminderSchedule.unit_id == unit_id if unit_id is not None
        else ReminderSchedule.unit_id.is_(None))).first()
    row = row or ReminderSchedule(unit_id=unit_id)
    for column, value in changes.items():
        if column not in SLOT_COLUMNS:
            raise KeyError(column)
        setattr(row, column, value)
    row.updated_by, row.updated_at = by, utcnow()
    s.add(row)
    return row


def ancestors(parents: dict[int, Optional[int]], unit_id: int) -> list[int]:
    """The unit, its parent, ... up to the root (guarded against cycles)."""
    chain, seen = [], set()
    current: Optional[int] = unit_id
    while current is not None and current not in seen:
        chain.append(current)
        seen.add(current)
        current = parents.get(current)
    return chain


def parent_map(s: Session) -> dict[int, Optional[int]]:
    return dict(s.exec(select(Unit.id, Unit.parent_id)).all())


def effective_specs(rows: dict[Optional[int], ReminderSchedule], chain: list[int]
                    ) -> dict[str, Optional[str]]:
    """For each slot column, the nearest spec from the unit up to the whole-tree row."""
    specs: dict[str, Optional[str]] = {}
    for column in SLOT_COLUMNS:
        specs[column] = None
        for owner in [*chain, None]:
            row = rows.get(owner)
            if row is not None and getattr(row, column) is not None:
                specs[column] = getattr(row, column)
                break
    return specs


# --- pauses and days off --------------------------------------------------------------------

def pause_unit(s: Session, unit_id: int, until: Optional[date], note: str = "") -> None:
    row = s.get(ReminderPause, unit_id) or ReminderPause(unit_id=unit_id)
    row.until, row.note, row.created_at = until, note, utcnow()
    s.add(row)


def resume_unit(s: Session, unit_id: int) -> bool:
    return _delete(s, ReminderPause, unit_id)


def _delete(s: Session, model, key) -> bool:
    """Delete the row with this primary key; False if there was none."""
    row = s.get(model, key)
    if row is None:
        return False
    s.delete(row)
    return True


def pauses(s: Session) -> dict[int, ReminderPause]:
    return {row.unit_id: row for row in s.exec(select(ReminderPause))}


def paused_by(all_pauses: dict[int, ReminderPause], chain: list[int], day: date
              ) -> Optional[ReminderPause]:
    """The pause (on the unit or an ancestor) in force on `day`, if any."""
    for unit_id in chain:
        row = all_pauses.get(unit_id)
        if row is not None and (row.until is None or day <= row.until):
            return row
    return None


def office_days_off(s: Session) -> dict[date, str]:
    return {row.day: row.note or "Ngày nghỉ do Văn phòng thêm" for row in s.exec(select(DayOff))}


def add_day_off(s: Session, day: date, note: str = "") -> None:
    row = s.get(DayOff, day) or DayOff(day=day)
    row.note = note
    s.add(row)


def remove_day_off(s: Session, day: date) -> bool:
    return _delete(s, DayOff, day)


# --- who receives what ----------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    unit_id: int
    platform: str
    chat_id: str
    audience: str  # group, private, office
    recipient: str


def unit_groups(s: Session, unit_ids: Iterable[int], platforms: Iterable[str]) -> list[Target]:
    rows = s.exec(select(ChatBinding).where(
        ChatBinding.unit_id.in_(list(unit_ids)), ChatBinding.purpose == "unit",
        ChatBinding.platform.in_(list(platforms)), ChatBinding.active == True)  # noqa: E712
        .order_by(ChatBinding.unit_id, ChatBinding.id))
    return [Target(b.unit_id, b.platform, b.chat_id, "group", b.title) for b in rows]


def unit_cadres(s: Session, unit_ids: Iterable[int], platforms: Iterable[str],
                secretaries_only: bool = False) -> list[Target]:
    query = select(Member).where(Member.unit_id.in_(list(unit_ids)),
                                 Member.platform.in_(list(platforms)),
                                 Member.active == True)  # noqa: E712
    if secretaries_only:
        query = query.where(Member.role == "secretary")
    return [Target(m.unit_id, m.platform, m.chat_id, "private", m.display_name)
            for m in s.exec(query.order_by(Member.unit_id, Member.id))]


def office_chats(s: Session, platforms: Iterable[str]) -> list[Target]:
    rows = s.exec(select(ChatBinding).where(
        ChatBinding.purpose == "office", ChatBinding.platform.in_(list(platforms)),
        ChatBinding.active == True).order_by(ChatBinding.unit_id, ChatBinding.id))  # noqa: E712
    return [Target(b.unit_id, b.platform, b.chat_id, "office", b.title) for b in rows]


def reported_unit_ids(s: Session, unit_ids: Iterable[int], period: str) -> set[int]:
    ids = list(unit_ids)
    if not ids:
        return set()
    return set(s.exec(select(Report.unit_id).where(Report.unit_id.in_(ids),
                                                   Report.period == period).distinct()))


def report_counts(s: Session, unit_ids: Iterable[int], period: str) -> dict[int, int]:
    """How many reports each unit filed for the week (units without one are absent)."""
    ids = list(unit_ids)
    if not ids:
        return {}
    return dict(s.exec(select(Report.unit_id, func.count(Report.id))
                       .where(Report.unit_id.in_(ids), Report.period == period)
                       .group_by(Report.unit_id)).all())


def reports_by_task(s: Session, unit_ids: Iterable[int], period: str
                    ) -> list[tuple[str, str, int, int]]:
    """(task code, task label, reports, people) for the week's reports of these units, in
    catalog order; tasks of different plans with the same code and label count together."""
    return [(code, label, n, int(people or 0)) for code, label, n, people in s.exec(
        select(Task.code, Task.label, func.count(Report.id), func.sum(Report.participants))
        .join(Report, Report.task_id == Task.id)
        .where(Report.unit_id.in_(list(unit_ids)), Report.period == period)
        .group_by(Task.code, Task.label, Task.position).order_by(Task.position, Task.code))]


def top_reports(s: Session, unit_ids: Iterable[int], period: str, limit: int
                ) -> list[tuple[Report, Task]]:
    """The week's reports with the most participants, earliest first among equals."""
    return list(s.exec(
        select(Report, Task).join(Task, Task.id == Report.task_id)
        .where(Report.unit_id.in_(list(unit_ids)), Report.period == period,
               Report.participants.is_not(None))
        .order_by(Report.participants.desc(), Report.created_at).limit(limit)))


def deactivate_chat(s: Session, platform: str, chat_id: str) -> int:
    """The chat blocked or removed the bot: stop using it (a new /dangky or /start revives it)."""
    n = 0
    for binding in s.exec(select(ChatBinding).where(ChatBinding.platform == platform,
                                                    ChatBinding.chat_id == chat_id)):
        binding.active = False
        s.add(binding)
        n += 1
    for member in s.exec(select(Member).where(Member.platform == platform,
                                              Member.chat_id == chat_id)):
        member.active = False
        s.add(member)
        n += 1
    return n


# --- rounds ---------------------------------------------------------------------------------

def insert_ignore(s: Session, model, rows: list[dict]) -> int:
    """Insert rows, silently keeping existing ones on a unique-key clash; returns rows added."""
    if not rows:
        return 0
    dialect = s.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    key = list(model.__table__.primary_key.columns)[0]
    # RETURNING counts the rows really added (rowcount is -1 here on some drivers).
    return len(s.execute(insert(model).values(rows).on_conflict_do_nothing().returning(key)).all())


def round_status(s: Session, kind: str, period: str, slot: str) -> Optional[str]:
    return s.exec(select(ReminderRound.status).where(
        ReminderRound.kind == kind, ReminderRound.period == period,
        ReminderRound.slot == slot)).first()


def slot_has_rounds(s: Session, kind: str, slot: str) -> bool:
    return s.exec(select(ReminderRound.id).where(ReminderRound.kind == kind,
                                                 ReminderRound.slot == slot)).first() is not None


def record_round(s: Session, kind: str, period: str, slot: str, due: datetime,
                 status: str) -> None:
    insert_ignore(s, ReminderRound, [dict(kind=kind, period=period, slot=slot, due_at=due,
                                          status=status, created_at=utcnow())])


# --- deliveries -----------------------------------------------------------------------------

def add_deliveries(s: Session, rows: list[dict]) -> int:
    """Plan deliveries; ones that exist already (same unit, period, kind, chat) are kept."""
    added = 0
    for start in range(0, len(rows), 500):  # keep statements well under bind-parameter limits
        added += insert_ignore(s, Delivery, rows[start:start + 500])
    return added


def open_deliveries(s: Session, now: datetime, limit: int, kind: Optional[str] = None,
                    period: Optional[str] = None, unit_ids: Optional[list[int]] = None,
                    platforms: Optional[Iterable[str]] = None) -> list[Delivery]:
    """Rows that may be sent now, oldest first."""
    query = select(Delivery).where(Delivery.status.in_(OPEN), Delivery.next_attempt_at <= now)
    query = _scoped(query, kind, period, unit_ids, platforms)
    return list(s.exec(query.order_by(Delivery.id).limit(limit)))


def next_open_attempt(s: Session, kind: Optional[str] = None, period: Optional[str] = None,
                      unit_ids: Optional[list[int]] = None,
                      platforms: Optional[Iterable[str]] = None) -> Optional[datetime]:
    query = select(func.min(Delivery.next_attempt_at)).where(Delivery.status.in_(OPEN))
    return s.exec(_scoped(query, kind, period, unit_ids, platforms)).first()


def _scoped(query, kind, period, unit_ids, platforms):
    if kind is not None:
        query = query.where(Delivery.kind == kind)
    if period is not None:
        query = query.where(Delivery.period == period)
    if unit_ids is not None:
        query = query.where(Delivery.unit_id.in_(unit_ids))
    if platforms is not None:
        query = query.where(Delivery.platform.in_(list(platforms)))
    return query


def claim(s: Session, delivery_id: int, worker: str, now: datetime) -> bool:
    """Take a row for sending; False when another worker (or process) took it first."""
    result = s.execute(update(Delivery).where(Delivery.id == delivery_id,
                                              Delivery.status.in_(OPEN))
                       .values(status=S.SENDING, claimed_by=worker, claimed_at=now,
                               attempts=Delivery.attempts + 1))
    return result.rowcount == 1


def finish(s: Session, delivery_id: int, status: str, now: datetime, error: str = "",
           retry_at: Optional[datetime] = None, pieces_sent: Optional[int] = None) -> None:
    values: dict = dict(status=status, error=error[:500])
    if status in FINAL:
        values["finished_at"] = now
    if retry_at is not None:
        values["next_attempt_at"] = retry_at
    if pieces_sent is not None:
        values["pieces_sent"] = pieces_sent
    s.execute(update(Delivery).where(Delivery.id == delivery_id).values(**values))


def overdue_open(s: Session, before: datetime) -> list[Delivery]:
    """Rows still waiting although they were due before `before` (candidates for `missed`)."""
    return list(s.exec(select(Delivery).where(Delivery.status.in_(OPEN),
                                              Delivery.due_at < before)))


def settle_abandoned(s: Session, claimed_before: datetime, now: datetime) -> int:
    """Rows whose worker died mid-send: outcome unknown, never sent again."""
    result = s.execute(update(Delivery).where(Delivery.status == S.SENDING,
                                              Delivery.claimed_at < claimed_before)
                       .values(status=S.UNKNOWN, finished_at=now,
                               error="tiến trình dừng giữa chừng; không gửi lại để tránh trùng"))
    return result.rowcount or 0


def deliveries(s: Session, period: Optional[str] = None, kind: Optional[str] = None,
               unit_ids: Optional[list[int]] = None) -> list[Delivery]:
    query = _scoped(select(Delivery), kind, period, unit_ids, None)
    return list(s.exec(query.order_by(Delivery.due_at, Delivery.id)))


def blocked_since(s: Session, unit_ids: Iterable[int], since: datetime,
                  status: DeliveryStatus = S.BLOCKED) -> list[Delivery]:
    """Deliveries that ended in `status` (chat gone, by default) since `since`."""
    return list(s.exec(select(Delivery).where(
        Delivery.unit_id.in_(list(unit_ids)), Delivery.status == status,
        Delivery.finished_at >= since).order_by(Delivery.unit_id, Delivery.id)))


def reopen_outside_window(s: Session, platform: str, chat_id: str, now: datetime) -> int:
    """The cadre wrote to us, so the platform's window is open again: this week's reminders
    that waited for it go now (due now, so the lateness rule does not drop them)."""
    result = s.execute(update(Delivery).where(
        Delivery.platform == platform, Delivery.chat_id == chat_id,
        Delivery.status == S.OUTSIDE_WINDOW, Delivery.period == iso_week(now))
        .values(status=S.RETRY, next_attempt_at=now, due_at=now, finished_at=None))
    return result.rowcount or 0


def defer_platform(s: Session, platform: str, until: datetime) -> int:
    """Open deliveries of a paused platform wait until `until` (the quota renews); their
    lateness counts from then, so the wait does not turn them into `missed`."""
    result = s.execute(update(Delivery).where(
        Delivery.platform == platform, Delivery.status.in_(OPEN),
        Delivery.next_attempt_at < until).values(next_attempt_at=until, due_at=until))
    return result.rowcount or 0


def status_counts(s: Session, **scope) -> dict[str, int]:
    query = _scoped(select(Delivery.status, func.count()).group_by(Delivery.status),
                    scope.get("kind"), scope.get("period"), scope.get("unit_ids"), None)
    return dict(s.exec(query).all())


class PlatformPause(SQLModel, table=True):
    """A platform sends nothing until `until` (its message quota is used up)."""

    __tablename__ = "platform_pause"
    platform: str = Field(primary_key=True, max_length=16)
    until: datetime
    reason: str = Field(default="", max_length=255)
    created_at: datetime = Field(default_factory=utcnow)


def pause_platform(s: Session, platform: str, until: datetime, reason: str,
                   now: datetime) -> bool:
    """Pause a platform until `until`; True when this starts a new pause (alert the office).

    Several sends can hit the quota at once: the first pause is one INSERT .. ON CONFLICT DO
    NOTHING, and a later one updates the row under its lock, so concurrent callers neither
    collide on the key nor both alert the office."""
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = PlatformPause.__table__
    created = s.connection().execute(
        insert(table).values(platform=platform, until=until, reason=reason[:255], created_at=now)
        .on_conflict_do_nothing().returning(table.c.platform)).first()
    if created is not None:
        return True
    row = s.exec(select(PlatformPause).where(PlatformPause.platform == platform)
                 .with_for_update().execution_options(populate_existing=True)).one()
    if _aware(row.until) >= until:
        return False
    fresh = _aware(row.until) <= now
    row.until, row.reason, row.created_at = until, reason[:255], now
    s.add(row)
    return fresh


def platform_pauses(s: Session, now: datetime) -> dict[str, datetime]:
    """Platforms paused now, and until when."""
    return {row.platform: _aware(row.until) for row in s.exec(select(PlatformPause))
            if _aware(row.until) > now}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)

