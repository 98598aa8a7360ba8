"""Queries and writes the handlers and the CLI share. Every function takes an open Session."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, Optional

from sqlalchemy import bindparam, delete, func, insert, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from storage.clock import utcnow
from storage.driver import DriverStatement
from storage.models import (
    Admin,
    ChatBinding,
    DialogState,
    Member,
    Plan,
    ProcessedUpdate,
    Report,
    ReportPhoto,
    Task,
    Unit,
)

# Unambiguous upper-case letters and digits (no 0/O, 1/I/L) for codes people read aloud.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def random_code(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


# --- deliveries -----------------------------------------------------------------------------

def claim_update(s: Session, platform: str, update_key: str) -> bool:
    """Record an update as handled in this transaction; False if it was handled before.

    One INSERT .. ON CONFLICT DO NOTHING: a concurrent delivery of the same update waits on the
    row lock and then finds it taken, on SQLite and PostgreSQL alike.
    """
    statement = _CLAIM["postgresql" if s.get_bind().dialect.name == "postgresql" else "sqlite"]
    return s.connection().execute(statement, {"platform": platform, "update_key": update_key,
                                              "now": utcnow()}).first() is not None


# Built once: every step runs it.
_CLAIM = {
    name: insert(ProcessedUpdate.__table__).values(
        platform=bindparam("platform"), update_key=bindparam("update_key"),
        created_at=bindparam("now"))
    .on_conflict_do_nothing().returning(ProcessedUpdate.__table__.c.update_key)
    for name, insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))}


# --- dialog state ---------------------------------------------------------------------------

@dataclass
class ActiveDialog:
    """Where a user is in a dialog, as the handlers see it (a row of `dialog_state`)."""

    flow: str
    step: str
    data: dict = field(default_factory=dict)


# Every step reads and writes its user's state: statements built once, run on the driver's
# cursor (storage/driver.py), no ORM objects.
_STATE = DialogState.__table__
_STATE_KEY = (_STATE.c.platform == bindparam("platform"), _STATE.c.chat_id == bindparam("chat_id"),
              _STATE.c.user_id == bindparam("user_id"))
_STATE_QUERY = select(_STATE.c.flow, _STATE.c.step, _STATE.c.data).where(*_STATE_KEY)
_LOAD_STATE = DriverStatement(_STATE_QUERY)
_LOAD_STATE_LOCKED = DriverStatement(_STATE_QUERY.with_for_update())
_DELETE_STATE = DriverStatement(delete(_STATE).where(*_STATE_KEY))


def _upsert_state(dialect_insert):
    statement = dialect_insert(_STATE).values(
        platform=bindparam("platform"), chat_id=bindparam("chat_id"),
        user_id=bindparam("user_id"), flow=bindparam("flow"), step=bindparam("step"),
        data=bindparam("data"), updated_at=bindparam("now"))
    return statement.on_conflict_do_update(
        index_elements=[_STATE.c.platform, _STATE.c.chat_id, _STATE.c.user_id],
        set_={"flow": statement.excluded.flow, "step": statement.excluded.step,
              "data": statement.excluded.data, "updated_at": statement.excluded.updated_at})


_SAVE_STATE = {"postgresql": DriverStatement(_upsert_state(pg_insert)),
               "sqlite": DriverStatement(_upsert_state(sqlite_insert))}


def _key(platform: str, chat_id: str, user_id: str) -> dict:
    return {"platform": platform, "chat_id": chat_id, "user_id": user_id}


def get_state(s: Session, platform: str, chat_id: str, user_id: str,
              lock: bool = False) -> Optional[ActiveDialog]:
    """The user's dialog, or None; `lock` holds the row until commit (PostgreSQL), so two
    processes handling one user's quick taps take turns instead of both advancing a step."""
    rows = (_LOAD_STATE_LOCKED if lock else _LOAD_STATE).rows(s.connection(),
                                                             _key(platform, chat_id, user_id))
    return ActiveDialog(*rows[0]) if rows else None


def save_state(s: Session, platform: str, chat_id: str, user_id: str, flow: str, step: str,
               data: dict) -> ActiveDialog:
    """Create or replace the user's dialog (one upsert)."""
    conn = s.connection()
    _SAVE_STATE["postgresql" if conn.dialect.name == "postgresql" else "sqlite"].run(conn, {
        **_key(platform, chat_id, user_id), "flow": flow, "step": step, "data": dict(data),
        "now": utcnow()})
    return ActiveDialog(flow, step, dict(data))


def clear_state(s: Session, platform: str, chat_id: str, user_id: str) -> bool:
    return _DELETE_STATE.run(s.connection(), _key(platform, chat_id, user_id)) > 0


# --- units ----------------------------------------------------------------------------------

def unit_by_code(s: Session, code: str) -> Optional[Unit]:
    return s.exec(select(Unit).where(Unit.code == code)).first()


def unit_by_join_code(s: Session, join_code: str) -> Optional[Unit]:
    """The active unit with this join code, as a read-only row with a Unit's columns."""
    return _UNIT_BY_JOIN_CODE.first(s.connection(), {"join_code": join_code.upper()})


def unit_members(s: Session, unit_id: int) -> Optional[int]:
    """How many members the unit has on record (None: not known)."""
    return _UNIT_MEMBERS.scalar(s.connection(), {"unit_id": unit_id})


_UNIT_MEMBERS = DriverStatement(select(Unit.__table__.c.members)
                                .where(Unit.__table__.c.id == bindparam("unit_id")))


def new_join_code(s: Session) -> str:
    while True:
        code = random_code(8)
        if s.exec(select(Unit.id).where(Unit.join_code == code)).first() is None:
            return code


def all_units(s: Session, include_retired: bool = False) -> list[Unit]:
    query = select(Unit).order_by(Unit.position, Unit.id)
    if not include_retired:
        query = query.where(Unit.active == True)  # noqa: E712
    return list(s.exec(query))


def tree_order(units: Iterable[Unit]) -> list[tuple[Unit, int]]:
    """Units depth-first (parents before children, siblings by position) with their depth."""
    units = list(units)
    ids = {u.id for u in units}
    children: dict[Optional[int], list[Unit]] = {}
    for u in units:
        parent = u.parent_id if u.parent_id in ids else None
        children.setdefault(parent, []).append(u)
    for group in children.values():
        group.sort(key=lambda u: (u.position, u.id))
    out: list[tuple[Unit, int]] = []
    stack = [(u, 0) for u in reversed(children.get(None, []))]
    while stack:
        unit, depth = stack.pop()
        out.append((unit, depth))
        stack.extend((c, depth + 1) for c in reversed(children.get(unit.id, [])))
    return out


def subtree_ids(s: Session, root_id: int) -> set[int]:
    """The unit and all its descendants, retired ones included (their history counts)."""
    rows = s.exec(select(Unit.id, Unit.parent_id)).all()
    children: dict[Optional[int], list[int]] = {}
    for uid, pid in rows:
        children.setdefault(pid, []).append(uid)
    found, todo = set(), [root_id]
    while todo:
        uid = todo.pop()
        if uid not in found:
            found.add(uid)
            todo.extend(children.get(uid, []))
    return found


# --- people ---------------------------------------------------------------------------------

_MEMBER, _UNIT = Member.__table__, Unit.__table__
# Every /baocao reads it: built once, rows without ORM objects.
_MEMBERSHIPS = DriverStatement(
    select(_MEMBER.c.role, *_UNIT.c)
    .join_from(_MEMBER, _UNIT, _UNIT.c.id == _MEMBER.c.unit_id)
    .where(_MEMBER.c.platform == bindparam("platform"), _MEMBER.c.user_id == bindparam("user_id"),
           _MEMBER.c.active == True, _UNIT.c.active == True)  # noqa: E712
    .order_by(_MEMBER.c.joined_at))


_UNIT_BY_JOIN_CODE = DriverStatement(select(_UNIT).where(
    _UNIT.c.join_code == bindparam("join_code"), _UNIT.c.active == True))  # noqa: E712


def memberships(s: Session, platform: str, user_id: str) -> list[tuple[str, Unit]]:
    """The user's active units, oldest membership first, each with the user's role there.
    The units are read-only rows with a Unit's columns (id, name, code...)."""
    rows = _MEMBERSHIPS.rows(s.connection(), {"platform": platform, "user_id": user_id})
    return [(row.role, row) for row in rows]


_MEMBER_LINK = DriverStatement(select(_MEMBER.c.id, _MEMBER.c.active, _MEMBER.c.display_name)
                               .where(_MEMBER.c.platform == bindparam("platform"),
                                      _MEMBER.c.user_id == bindparam("user_id"),
                                      _MEMBER.c.unit_id == bindparam("unit_id")))
_JOIN = DriverStatement(insert(_MEMBER).values(
    platform=bindparam("platform"), user_id=bindparam("user_id"), unit_id=bindparam("unit_id"),
    display_name=bindparam("display_name"), chat_id=bindparam("chat_id"),
    role=bindparam("role"), active=True, joined_at=bindparam("joined_at")))


def join_unit(s: Session, platform: str, user_id: str, unit: Unit, name: str, chat_id: str,
              role: str = "member") -> bool:
    """Link a user to a unit (every cadre's first /start: plain statements); True if the link
    is new or was inactive."""
    conn = s.connection()
    key = {"platform": platform, "user_id": user_id, "unit_id": unit.id}
    row = _MEMBER_LINK.first(conn, key)
    if row is None:
        _JOIN.run(conn, {**key, "display_name": name, "chat_id": chat_id, "role": role,
                         "joined_at": utcnow()})
        return True
    values = {"active": True, "display_name": name or row.display_name}
    if role == "secretary":
        values["role"] = role
    conn.execute(update(_MEMBER).where(_MEMBER.c.id == row.id).values(**values))
    return not row.active


def admin_scope(s: Session, platform: str, user_id: str,
                env_admins: Iterable[tuple[str, str]] = ()) -> tuple[bool, Optional[int]]:
    """(is office staff, root unit id of their subtree or None for the whole tree)."""
    if (platform, user_id) in set(env_admins):
        return True, None
    admin = s.exec(select(Admin).where(Admin.platform == platform,
                                       Admin.user_id == user_id)).first()
    return (admin is not None, admin.unit_id if admin else None)


def add_admin(s: Session, platform: str, user_id: str, unit_id: Optional[int] = None) -> Admin:
    admin = s.exec(select(Admin).where(Admin.platform == platform,
                                       Admin.user_id == user_id)).first()
    admin = admin or Admin(platform=platform, user_id=user_id)
    admin.unit_id = unit_id
    s.add(admin)
    return admin


# --- chats ----------------------------------------------------------------------------------

def binding_for_chat(s: Session, platform: str, chat_id: str) -> Optional[ChatBinding]:
    return s.exec(select(ChatBinding).where(ChatBinding.platform == platform,
                                            ChatBinding.chat_id == chat_id,
                                            ChatBinding.active == True)).first()  # noqa: E712


def groups_of_unit(s: Session, unit_id: int) -> list[ChatBinding]:
    """The unit's own group chats, on every platform (Telegram group, Zalo OA group...)."""
    return list(s.exec(select(ChatBinding).where(
        ChatBinding.unit_id == unit_id, ChatBinding.purpose == "unit",
        ChatBinding.active == True).order_by(ChatBinding.bound_at)))  # noqa: E712


def bind_chat(s: Session, platform: str, chat_id: str, unit: Unit, title: str, by: str,
              purpose: str = "unit") -> ChatBinding:
    binding = s.exec(select(ChatBinding).where(ChatBinding.platform == platform,
                                               ChatBinding.chat_id == chat_id)).first()
    binding = binding or ChatBinding(platform=platform, chat_id=chat_id, unit_id=unit.id)
    binding.unit_id, binding.title, binding.bound_by = unit.id, title, by
    binding.purpose, binding.active, binding.bound_at = purpose, True, utcnow()
    s.add(binding)
    return binding


# --- tasks ----------------------------------------------------------------------------------

def active_plan(s: Session) -> Optional[Plan]:
    return s.exec(select(Plan).where(Plan.active == True).order_by(Plan.id.desc())).first()  # noqa: E712


_tasks_by_plan: dict[tuple[str, int], list[Task]] = {}
_ACTIVE_PLAN = DriverStatement(select(Plan.__table__.c.id)
                               .where(Plan.__table__.c.active == True)  # noqa: E712
                               .order_by(Plan.__table__.c.id.desc()).limit(1))


def active_tasks(s: Session) -> list[Task]:
    """Tasks of the active plan. A plan's tasks never change after import, so they are
    cached per database and plan id; only the (cheap) active-plan lookup runs every time."""
    plan_id = s.info.get("active_plan_id")  # one lookup per transaction is enough
    if plan_id is None:
        plan_id = _ACTIVE_PLAN.scalar(s.connection(), {})
        s.info["active_plan_id"] = plan_id
    if plan_id is None:
        return []
    key = (str(s.connection().engine.url), plan_id)
    if key not in _tasks_by_plan:
        tasks = list(s.exec(select(Task).where(Task.plan_id == plan_id).order_by(Task.position)))
        for task in tasks:
            s.expunge(task)
        _tasks_by_plan[key] = tasks
    return _tasks_by_plan[key]


# --- reports --------------------------------------------------------------------------------

def insert_report(s: Session, report: Report) -> None:
    """Store a new report (at every «Gửi»: one plain INSERT, no ORM flush) and set its id; the
    object stays outside the session."""
    values = {c.name: getattr(report, c.name) for c in _REPORT.c if c.name != "id"}
    report.id = _INSERT_REPORT.scalar(s.connection(), values)


def new_receipt_code(s: Session) -> str:
    while True:
        code = "BC-" + random_code(6)
        if _RECEIPT_TAKEN.first(s.connection(), {"code": code}) is None:
            return code


_RECEIPT_TAKEN = DriverStatement(select(Report.__table__.c.id).where(
    Report.__table__.c.receipt_code == bindparam("code")))


def unit_reports(s: Session, unit_id: int, period: str) -> list[Report]:
    return list(s.exec(select(Report).where(Report.unit_id == unit_id, Report.period == period)
                       .order_by(Report.created_at)))


def tasks_by_id(s: Session, task_ids: Iterable[int]) -> dict[int, Task]:
    """Several tasks (a list of reports names each one's task): those of the active plan from
    its cache, any others in one query."""
    ids = set(task_ids)
    found = {task.id: task for task in active_tasks(s) if task.id in ids} if ids else {}
    missing = ids - found.keys()
    if missing:
        found.update((task.id, task) for task in s.exec(select(Task).where(Task.id.in_(missing))))
    return found


_REPORT = Report.__table__
_INSERT_REPORT = DriverStatement(
    insert(_REPORT).values({c.name: bindparam(c.name) for c in _REPORT.c if c.name != "id"})
    .returning(_REPORT.c.id))
_LATEST_UNIT_REPORTS = DriverStatement(
    select(_REPORT.c.id, _REPORT.c.receipt_code, _REPORT.c.task_id, _REPORT.c.reporter_name)
    .where(_REPORT.c.unit_id == bindparam("unit_id"), _REPORT.c.period == bindparam("period"))
    .order_by(_REPORT.c.created_at.desc(), _REPORT.c.id.desc()).limit(bindparam("limit")))


def latest_unit_reports(s: Session, unit_id: int, period: str, limit: int) -> list:
    """The unit's `limit` newest reports of the week, oldest first, as rows of id, receipt_code,
    task_id and reporter_name (a dialog's reminder of what is already in, at every /baocao;
    a unit with hundreds of reporters costs the same as one with two)."""
    newest = _LATEST_UNIT_REPORTS.rows(s.connection(), {"unit_id": unit_id, "period": period,
                                                         "limit": limit})
    return newest[::-1]


def latest_reports_by(s: Session, platform: str, user_id: str, periods: Iterable[str]
                      ) -> list[Report]:
    """A user's reports of these weeks, newest first."""
    return list(s.exec(select(Report).where(Report.platform == platform,
                                            Report.reporter_id == user_id,
                                            Report.period.in_(list(periods)))
                       .order_by(Report.created_at.desc(), Report.id.desc())))


def report_photos(s: Session, report_id: int) -> list[ReportPhoto]:
    return list(s.exec(select(ReportPhoto).where(ReportPhoto.report_id == report_id)
                       .order_by(ReportPhoto.position)))


def earlier_use_of_photo(s: Session, sha256: str, exclude_report_id: Optional[int] = None
                         ) -> Optional[str]:
    """Receipt code of an earlier report that already used this photo, if any."""
    query = (select(Report.receipt_code).join(ReportPhoto, ReportPhoto.report_id == Report.id)
             .where(ReportPhoto.sha256 == sha256))
    if exclude_report_id is not None:
        query = query.where(Report.id != exclude_report_id)
    return s.exec(query.order_by(Report.id)).first()


def count_reports(s: Session) -> int:
    return s.exec(select(func.count()).select_from(Report)).one()


def prune_processed_updates(s: Session, before: datetime) -> int:
    """Forget update ids older than `before` (platforms stop redelivering within days)."""
    table = ProcessedUpdate.__table__
    return s.connection().execute(delete(table).where(table.c.created_at < before)).rowcount


def move_chat(s: Session, platform: str, old_chat_id: str, new_chat_id: str) -> int:
    """A group became a supergroup with a new id: its binding (and dialogs) follow it."""
    n = 0
    for binding in s.exec(select(ChatBinding).where(ChatBinding.platform == platform,
                                                    ChatBinding.chat_id == old_chat_id)):
        taken = s.exec(select(ChatBinding).where(ChatBinding.platform == platform,
                                                 ChatBinding.chat_id == new_chat_id)).first()
        if taken is not None:  # already moved by the other half of the migration
            continue
        binding.chat_id = new_chat_id
        s.add(binding)
        n += 1
    return n


def chat_removed(s: Session, platform: str, chat_id: str, now: datetime) -> int:
    """The bot was removed from a group: its binding stops receiving and the digest shows it."""
    n = 0
    for binding in s.exec(select(ChatBinding).where(ChatBinding.platform == platform,
                                                    ChatBinding.chat_id == chat_id,
                                                    ChatBinding.active == True)):  # noqa: E712
        binding.active, binding.deactivated_at = False, now
        s.add(binding)
        n += 1
    return n


def bindings_removed_since(s: Session, unit_ids: Iterable[int], since: datetime
                           ) -> list[ChatBinding]:
    return list(s.exec(select(ChatBinding).where(
        ChatBinding.unit_id.in_(list(unit_ids)), ChatBinding.active == False,  # noqa: E712
        ChatBinding.deactivated_at >= since).order_by(ChatBinding.unit_id, ChatBinding.id)))
