"""Who gets which message in a round: delivery rows, written before anything is sent."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Optional

from sqlmodel import Session

from handlers import texts
from handlers.services import Services
from handlers.weekly.schedule import Calendar, load_calendar
from handlers.weekly.texts import (Digest, Progress, TopReport, followup_text, reminder_text,
                                   suggestion_for)
from storage import repo
from storage import reminders as store
from storage.catalog import task_display, task_name
from storage.clock import to_local
from storage.models import Unit
from storage.reminders import DeliveryKind, DeliveryStatus
from storage.reporting import expected_weeks

TOP_REPORTS = 3


def _row(target: store.Target, kind: str, period: str, due: datetime, text: str,
         link: Optional[str]) -> dict:
    return dict(unit_id=target.unit_id, period=period, kind=kind, platform=target.platform,
                chat_id=target.chat_id, audience=target.audience,
                recipient=(target.recipient or "")[:255], text=text,
                button_label=texts.BTN_REPORT if link else "", button_url=link or "",
                due_at=due, status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=due,
                claimed_by="", error="")


def _link(svc: Services, platform: str, unit: Unit) -> Optional[str]:
    return svc.deep_link(platform, f"bc_{unit.join_code}")


def _audience(s: Session, units: list[Unit], platforms: list[str]) -> list[store.Target]:
    """Every bound group, and each linked cadre whose unit has no group on their platform."""
    ids = [u.id for u in units]
    groups = store.unit_groups(s, ids, platforms)
    grouped = {(t.unit_id, t.platform) for t in groups}
    cadres = [t for t in store.unit_cadres(s, ids, platforms)
              if (t.unit_id, t.platform) not in grouped]
    return groups + cadres


def reminder_rows(s: Session, svc: Services, cal: Calendar, units: list[Unit], period: str,
                  due: datetime, platforms: list[str],
                  kind: str = DeliveryKind.REMINDER) -> list[dict]:
    suggestion = suggestion_for(repo.active_tasks(s), period)
    by_id = {u.id: u for u in units}
    counts = store.report_counts(s, by_id, period)
    from handlers.review.targets import behind_by_unit  # yearly targets (handlers/review/)
    behind = behind_by_unit(s, list(by_id.values()), period)
    rows = []
    for target in _audience(s, units, platforms):
        unit = by_id[target.unit_id]
        link = _link(svc, target.platform, unit)
        text = reminder_text(unit, period, counts.get(unit.id, 0), suggestion,
                             cal.rules.deadline(unit.id, period), link,
                             private=target.audience == "private", target=behind.get(unit.id))
        rows.append(_row(target, kind, period, due, text, link))
    return rows


def progress_of(s: Session, cal: Calendar, unit: Unit, period: str) -> Progress:
    """How many of the unit's siblings (children of its parent) have reported."""
    parent = cal.units.get(unit.parent_id) if unit.parent_id else None
    if parent is None:
        return Progress(0, 0, "", "")
    siblings = cal.children(parent.id)
    done = store.reported_unit_ids(s, [u.id for u in siblings], period)
    levels = {(u.level or "").strip() for u in siblings}
    level = levels.pop() if len(levels) == 1 and "" not in levels else "đơn vị"
    return Progress(len(done), len(siblings), level, parent.name)


def followup_rows(s: Session, svc: Services, cal: Calendar, units: list[Unit], period: str,
                  due: datetime, platforms: list[str]) -> list[dict]:
    """Units without a report: their group (naming nobody) and their secretary in private."""
    reported = store.reported_unit_ids(s, [u.id for u in units], period)
    late = [u for u in units if u.id not in reported]
    by_id = {u.id: u for u in late}
    targets = _audience(s, late, platforms)
    targets += store.unit_cadres(s, list(by_id), platforms, secretaries_only=True)
    rows, seen, progress = [], set(), {}
    for target in targets:
        key = (target.unit_id, target.platform, target.chat_id)
        if key in seen:
            continue
        seen.add(key)
        unit = by_id[target.unit_id]
        if unit.id not in progress:
            progress[unit.id] = progress_of(s, cal, unit, period)
        link = _link(svc, target.platform, unit)
        name = None if target.audience == "group" else (target.recipient or "")
        text = followup_text(unit, period, progress[unit.id],
                             cal.rules.deadline(unit.id, period), link, name)
        rows.append(_row(target, DeliveryKind.FOLLOWUP, period, due, text, link))
    return rows


def build_digest(s: Session, cal: Calendar, office_unit: Unit, period: str,
                 blocked_since: datetime, today) -> Digest:
    """x/y reported among the grassroots units below, totals by task, top reports, lost chats."""
    below = cal.descendants(office_unit.id)
    # Owed by the one rule (storage.weeks / storage.reporting): registered before the week
    # began, and not paused.
    expected = [u for u in below if cal.pause(u.id, today) is None
                and expected_weeks(u, (period,), bool(cal.children(u.id)), cal.rules.for_unit(u.id))]
    scope = [office_unit.id] + [u.id for u in below]
    reported = store.reported_unit_ids(s, [u.id for u in expected], period)
    by_task = [(task_name(code, label), n, people)
               for code, label, n, people in store.reports_by_task(s, scope, period)]
    top = [TopReport(cal.units[r.unit_id].name if r.unit_id in cal.units else "?",
                     task_display(t), r.participants, r.receipt_code)
           for r, t in store.top_reports(s, scope, period, TOP_REPORTS)]
    def who(status: DeliveryStatus) -> list[tuple[str, str]]:
        found = [(cal.units[d.unit_id].name if d.unit_id in cal.units else "?",
                  d.recipient or d.chat_id)
                 for d in store.blocked_since(s, scope, blocked_since, status)]
        return list(dict.fromkeys(found))
    removed = [(cal.units[b.unit_id].name if b.unit_id in cal.units else "?", b.title or b.chat_id)
               for b in repo.bindings_removed_since(s, scope, blocked_since)]
    from handlers.review.digest import commended_since  # «Điển hình» (handlers/review/)
    return Digest(office_unit, period, expected, reported, by_task, top,
                  list(dict.fromkeys(who(DeliveryStatus.BLOCKED) + removed)),
                  who(DeliveryStatus.OUTSIDE_WINDOW),
                  commended_since(s, scope, blocked_since))


def digest_rows(s: Session, cal: Calendar, units: list[Unit], period: str, due: datetime,
                platforms: list[str], today) -> list[dict]:
    wanted = {u.id for u in units}
    rows = []
    for target in store.office_chats(s, platforms):
        unit = cal.units.get(target.unit_id)
        if unit is None or unit.id not in wanted:
            continue
        digest = build_digest(s, cal, unit, period, due - timedelta(days=7), today)
        rows.append(_row(target, DeliveryKind.DIGEST, period, due, digest.text(), None))
    return rows


def round_rows(s: Session, svc: Services, cal: Calendar, kind: str, units: Iterable[Unit],
              period: str, due: datetime, platforms: list[str], today) -> list[dict]:
    units = list(units)
    if not units or not platforms:
        return []
    if kind in (DeliveryKind.REMINDER, DeliveryKind.MANUAL):
        rows = reminder_rows(s, svc, cal, units, period, due, platforms, kind)
    elif kind == DeliveryKind.FOLLOWUP:
        rows = followup_rows(s, svc, cal, units, period, due, platforms)
    elif kind == DeliveryKind.DIGEST:
        rows = digest_rows(s, cal, units, period, due, platforms, today)
    else:
        raise ValueError(kind)
    now = svc.clock()
    for row in rows:
        row["created_at"] = now
    return rows


@dataclass
class BuiltRound:
    """The outcome of building one round."""

    kind: str
    period: str
    due: datetime
    units: int
    added: int  # new delivery rows; rows already there (earlier run, other process) are kept


def build_round(s: Session, svc: Services, kind: str, period: str, due: datetime,
                platforms: list[str], slot_key: Optional[str] = None,
                root_id: Optional[int] = None) -> BuiltRound:
    """Write the round's delivery rows (idempotent) and, for a scheduled slot, the round record,
    in the caller's transaction (bot/scheduler.py opens it).

    `slot_key` None takes every unit whatever its slot (a round sent by hand); `root_id` limits
    the round to that unit's subtree. Paused units are left out.
    """
    cal = load_calendar(s)
    schedule_kind = DeliveryKind.REMINDER if kind == DeliveryKind.MANUAL else kind
    units = cal.units_on(schedule_kind, slot_key, to_local(due).date())
    if root_id is not None:
        inside = {root_id} | {u.id for u in cal.descendants(root_id)}
        units = [u for u in units if u.id in inside]
    rows = round_rows(s, svc, cal, kind, units, period, due, platforms, to_local(due).date())
    added = store.add_deliveries(s, rows)
    if slot_key is not None:
        store.record_round(s, kind, period, slot_key, due, "planned")
    return BuiltRound(kind, period, due, len(units), added)


def record_missed(s: Session, svc: Services, kind: str, period: str, due: datetime,
                  platforms: list[str], slot_key: str) -> int:
    """A round found too late: write its rows as `missed` so the office sees who went without
    (in the caller's transaction)."""
    if store.round_status(s, kind, period, slot_key) is not None:
        return 0
    cal = load_calendar(s)
    units = cal.units_on(kind, slot_key, to_local(due).date())
    rows = round_rows(s, svc, cal, kind, units, period, due, platforms, to_local(due).date())
    for row in rows:
        row.update(status=DeliveryStatus.MISSED, error="bot không chạy lúc đến hạn", finished_at=svc.clock())
    store.add_deliveries(s, rows)
    store.record_round(s, kind, period, slot_key, due, "missed")
    return len(rows)
