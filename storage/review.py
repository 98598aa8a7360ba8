"""Office review of reports, guidance on difficulties, yearly targets, and their audit trail.

Status changes are conditional UPDATEs (like the delivery claims): of two reviewers pressing at
once, or one pressing twice, exactly one UPDATE matches its row and only that one speaks.
"""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Iterable, Optional

from sqlalchemy import UniqueConstraint, bindparam, func, insert, or_, update
from sqlmodel import Field, Session, SQLModel, select

from storage.clock import utcnow
from storage.driver import DriverStatement
from storage.models import ChatBinding, Report, Task, Unit

PENDING, APPROVED, RETURNED, COMMENDED = "pending", "approved", "returned", "commended"
STATUS_LABELS = {PENDING: "Chờ duyệt", APPROVED: "Đã duyệt", RETURNED: "Trả lại",
                 COMMENDED: "Điển hình"}


class ReportReview(SQLModel, table=True):
    """The office's verdict on the current revision of a report (one row per report)."""

    __tablename__ = "report_review"
    report_id: int = Field(primary_key=True, foreign_key="report.id")
    status: str = Field(default=PENDING, max_length=16, index=True)
    revision: int = 1  # the report revision this verdict is about
    acted_by: str = Field(default="", max_length=96)  # platform:user id
    acted_by_name: str = Field(default="", max_length=255)
    acted_at: Optional[datetime] = None
    reason: Optional[str] = None  # why it was returned
    shared_at: Optional[datetime] = None  # «Chia sẻ để nhân rộng» sent
    updated_at: datetime = Field(default_factory=utcnow)


class ReviewAction(SQLModel, table=True):
    """Audit trail: every review action, guidance and target change, with who and when."""

    __tablename__ = "review_action"
    id: Optional[int] = Field(default=None, primary_key=True)
    report_id: Optional[int] = Field(default=None, foreign_key="report.id", index=True)
    unit_id: Optional[int] = Field(default=None, foreign_key="unit.id")
    action: str = Field(max_length=32)
    actor: str = Field(default="", max_length=96)
    actor_name: str = Field(default="", max_length=255)
    detail: str = ""
    created_at: datetime = Field(default_factory=utcnow, index=True)


class Guidance(SQLModel, table=True):
    """«Ý kiến chỉ đạo»: the office's answer to a report's difficulties or proposals."""

    id: Optional[int] = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    office_unit_id: int = Field(foreign_key="unit.id")
    text: str
    actor: str = Field(default="", max_length=96)
    actor_name: str = Field(default="", max_length=255)
    created_at: datetime = Field(default_factory=utcnow)


class Target(SQLModel, table=True):
    """A unit's yearly target for one task of the plan (by task code: plans change yearly)."""

    __table_args__ = (UniqueConstraint("unit_id", "task_code", "year"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    task_code: str = Field(max_length=32)
    year: int
    activities: int
    participants: Optional[int] = None
    updated_at: datetime = Field(default_factory=utcnow)


# --- review ---------------------------------------------------------------------------------

def review_of(s: Session, report_id: int) -> Optional[ReportReview]:
    return s.get(ReportReview, report_id)


_FIRST_REVIEW = DriverStatement(insert(ReportReview.__table__).values(
    report_id=bindparam("report_id"), status=PENDING, revision=1, acted_by="", acted_by_name="",
    updated_at=bindparam("updated_at")))


def reset_for_revision(s: Session, report: Report) -> ReportReview:
    """A submitted or revised report waits for review again."""
    if report.revision == 1:  # a new report: no row to look up, one plain INSERT
        review = ReportReview(report_id=report.id, status=PENDING, revision=1, updated_at=utcnow())
        _FIRST_REVIEW.run(s.connection(), {"report_id": review.report_id,
                                           "updated_at": review.updated_at})
        return review
    review = s.get(ReportReview, report.id) or ReportReview(report_id=report.id)
    review.status, review.revision, review.updated_at = PENDING, report.revision, utcnow()
    review.shared_at = None
    s.add(review)
    s.flush()
    return review


def transition(s: Session, report_id: int, revision: int, allowed_from: Iterable[str],
               to: str, actor: str, actor_name: str, now: datetime,
               reason: Optional[str] = None) -> bool:
    """Move the review to `to` if it is still in one of `allowed_from` for that revision.
    True for the one caller whose UPDATE matched; everybody else changes nothing."""
    table = ReportReview.__table__
    statement = (update(table)
                 .where(table.c.report_id == report_id, table.c.revision == revision,
                        table.c.status.in_(list(allowed_from)))
                 .values(status=to, acted_by=actor, acted_by_name=actor_name[:255], acted_at=now,
                         updated_at=now, **({"reason": reason} if reason is not None else {})))
    done = s.connection().execute(statement).rowcount == 1
    if done:
        s.expire_all()
    return done


def mark_shared(s: Session, report_id: int, revision: int, now: datetime) -> bool:
    table = ReportReview.__table__
    statement = (update(table)
                 .where(table.c.report_id == report_id, table.c.revision == revision,
                        table.c.status == COMMENDED, table.c.shared_at.is_(None))
                 .values(shared_at=now, updated_at=now))
    done = s.connection().execute(statement).rowcount == 1
    if done:
        s.expire_all()
    return done


_AUDIT = ReviewAction.__table__
_RECORD = DriverStatement(insert(_AUDIT).values(  # the audit row of every submit: no ORM flush
    {c.name: bindparam(c.name) for c in _AUDIT.c if c.name != "id"}))


def record(s: Session, action: str, actor: str = "", actor_name: str = "", detail: str = "",
           report_id: Optional[int] = None, unit_id: Optional[int] = None,
           now: Optional[datetime] = None) -> None:
    _RECORD.run(s.connection(), {
        "report_id": report_id, "unit_id": unit_id, "action": action, "actor": actor,
        "actor_name": actor_name[:255], "detail": detail, "created_at": now or utcnow()})


def add_guidance(s: Session, report_id: int, office_unit_id: int, text: str, actor: str,
                 actor_name: str, now: datetime) -> Guidance:
    row = Guidance(report_id=report_id, office_unit_id=office_unit_id, text=text, actor=actor,
                   actor_name=actor_name[:255], created_at=now)
    s.add(row)
    return row


def guidance_for(s: Session, report_ids: Iterable[int]) -> dict[int, list[Guidance]]:
    ids = list(report_ids)
    out: dict[int, list[Guidance]] = {}
    if not ids:
        return out
    for row in s.exec(select(Guidance).where(Guidance.report_id.in_(ids))
                      .order_by(Guidance.created_at, Guidance.id)):
        out.setdefault(row.report_id, []).append(row)
    return out


def guidance_in_weeks(s: Session, weeks: Iterable[str], unit_ids: Optional[Iterable[int]] = None
                      ) -> dict[int, list[Guidance]]:
    """guidance_for the reports of those activity weeks (of those units), in one query."""
    query = (select(Guidance).join(Report, Report.id == Guidance.report_id)
             .where(Report.period.in_(list(weeks))))
    if unit_ids is not None:
        query = query.where(Report.unit_id.in_(list(unit_ids)))
    out: dict[int, list[Guidance]] = {}
    for row in s.exec(query.order_by(Guidance.created_at, Guidance.id)):
        out.setdefault(row.report_id, []).append(row)
    return out


def statuses(s: Session, report_ids: Iterable[int]) -> dict[int, str]:
    """Report id -> status; reports never posted for review count as pending."""
    ids = list(report_ids)
    if not ids:
        return {}
    found = dict(s.exec(select(ReportReview.report_id, ReportReview.status)
                        .where(ReportReview.report_id.in_(ids))).all())
    return {i: found.get(i, PENDING) for i in ids}


def commended_reports(s: Session, unit_ids: Iterable[int], period: str) -> list[Report]:
    return list(s.exec(select(Report).join(ReportReview, ReportReview.report_id == Report.id)
                       .where(Report.unit_id.in_(list(unit_ids)), Report.period == period,
                              ReportReview.status == COMMENDED)
                       .order_by(Report.created_at)))


def office_chats_above(s: Session, unit: Unit) -> tuple[Optional[Unit], list[ChatBinding]]:
    """The nearest ancestor of `unit` with an office chat, and its office chats (two queries,
    whatever the depth: this runs after every submitted report)."""
    from storage.weeks import ancestor_chain

    above = ancestor_chain(s, unit.id)[1:]
    if not above:
        return None, []
    by_unit: dict[int, list[ChatBinding]] = {}
    for chat in s.exec(select(ChatBinding).where(
            ChatBinding.unit_id.in_(above), ChatBinding.purpose == "office",
            ChatBinding.active == True).order_by(ChatBinding.bound_at)):  # noqa: E712
        by_unit.setdefault(chat.unit_id, []).append(chat)
    for ancestor in above:
        if ancestor in by_unit:
            return s.get(Unit, ancestor), by_unit[ancestor]
    return None, []


def chats_around(s: Session, unit_id: int) -> tuple[list, list]:
    """After a submit: the unit's own group chats, and the office chats of the nearest
    ancestor that has any (one query; rows with platform and chat_id)."""
    unit_groups: list = []
    by_depth: dict[int, list] = {}
    for row in _chats_around_statement().rows(s.connection(), {"unit_id": unit_id}):
        if row.depth == 0 and row.purpose == "unit":
            unit_groups.append(row)
        elif row.depth > 0 and row.purpose == "office":
            by_depth.setdefault(row.depth, []).append(row)
    return unit_groups, by_depth[min(by_depth)] if by_depth else []


@lru_cache(maxsize=1)
def _chats_around_statement():
    """Active unit and office chats of the unit's ancestor chain, nearest first; built once."""
    from storage.weeks import ancestors_cte

    binding, up = ChatBinding.__table__, ancestors_cte()
    return DriverStatement(
        select(binding.c.platform, binding.c.chat_id, binding.c.purpose, up.c.depth)
        .join_from(binding, up, binding.c.unit_id == up.c.id)
        .where(binding.c.active == True,  # noqa: E712
               or_(binding.c.purpose == "unit", binding.c.purpose == "office"))
        .order_by(up.c.depth, binding.c.bound_at))


def audit_rows(s: Session, since: datetime, until: datetime) -> list[ReviewAction]:
    return list(s.exec(select(ReviewAction).where(ReviewAction.created_at >= since,
                                                  ReviewAction.created_at < until)
                       .order_by(ReviewAction.created_at, ReviewAction.id)))


# --- targets --------------------------------------------------------------------------------

def set_target(s: Session, unit_id: int, task_code: str, year: int, activities: int,
               participants: Optional[int], now: datetime) -> tuple[Target, Optional[Target]]:
    """Create or change a target; returns it and a copy of the old values (None if new)."""
    row = s.exec(select(Target).where(Target.unit_id == unit_id, Target.task_code == task_code,
                                      Target.year == year)).first()
    old = None if row is None else Target(unit_id=unit_id, task_code=task_code, year=year,
                                          activities=row.activities,
                                          participants=row.participants)
    row = row or Target(unit_id=unit_id, task_code=task_code, year=year, activities=0)
    row.activities, row.participants, row.updated_at = activities, participants, now
    s.add(row)
    return row, old


def targets(s: Session, year: Optional[int] = None, unit_ids: Optional[Iterable[int]] = None
            ) -> list[Target]:
    query = select(Target)
    if year is not None:
        query = query.where(Target.year == year)
    if unit_ids is not None:
        query = query.where(Target.unit_id.in_(list(unit_ids)))
    return list(s.exec(query.order_by(Target.year, Target.unit_id, Target.task_code)))


def done_by_unit(s: Session, unit_ids: Iterable[int], year: int, until: Optional[str] = None
                 ) -> dict[int, dict[str, tuple[int, int]]]:
    """Unit id -> task code -> (activities reported, participants) by that unit itself in the
    ISO year, up to the week `until` (e.g. 2026-W47) when given. One query for many units."""
    query = (select(Report.unit_id, Task.code, func.count(Report.id), func.sum(Report.participants))
             .join(Report, Report.task_id == Task.id)
             .where(Report.unit_id.in_(list(unit_ids)), Report.period.like(f"{year}-W%")))
    if until is not None:
        query = query.where(Report.period <= until)
    out: dict[int, dict[str, tuple[int, int]]] = {}
    for unit_id, code, n, people in s.exec(query.group_by(Report.unit_id, Task.code)).all():
        done, total = out.setdefault(unit_id, {}).get(code, (0, 0))
        out[unit_id][code] = (done + n, total + int(people or 0))
    return out


def add_up(by_unit: dict[int, dict[str, tuple[int, int]]], unit_ids: Iterable[int]
           ) -> dict[str, tuple[int, int]]:
    """Task code -> (activities, participants) over these units (e.g. a subtree)."""
    out: dict[str, tuple[int, int]] = {}
    for unit_id in unit_ids:
        for code, (n, people) in by_unit.get(unit_id, {}).items():
            done, total = out.get(code, (0, 0))
            out[code] = (done + n, total + people)
    return out


def done_counts(s: Session, unit_ids: Iterable[int], year: int, until: Optional[str] = None
                ) -> dict[str, tuple[int, int]]:
    """Task code -> (activities reported, participants) by these units in the ISO year,
    up to the week `until` (e.g. 2026-W47) when given."""
    unit_ids = list(unit_ids)
    return add_up(done_by_unit(s, unit_ids, year, until), unit_ids)
