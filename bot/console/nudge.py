"""«Nhắc lại» from the console: the follow-up message, queued for the running bot to send.

Deliveries are unique per (unit, week, kind, chat), so a console nudge is stored as kind
`nhac_lai` and a later nudge the same week re-opens that row; who pressed it and when stays in
the console's audit trail."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import select

from handlers.weekly.rounds import round_rows
from handlers.weekly.schedule import load_calendar
from storage import reminders as store
from storage.clock import to_local

KIND = "nhac_lai"


def queue_nudge(s, svc, unit, period: str, now: datetime, platforms: list[str]) -> int:
    cal = load_calendar(s)
    rows = round_rows(s, svc, cal, "followup", [unit], period, now, platforms, to_local(now).date())
    queued = 0
    for row in rows:
        row["kind"] = KIND
        old = s.exec(select(store.Delivery).where(
            store.Delivery.unit_id == unit.id, store.Delivery.period == period,
            store.Delivery.kind == KIND, store.Delivery.platform == row["platform"],
            store.Delivery.chat_id == row["chat_id"])).first()
        if old is None:
            s.add(store.Delivery(**row))
        else:
            old.text, old.status, old.attempts, old.error = row["text"], "pending", 0, ""
            old.due_at = old.next_attempt_at = now
            old.claimed_by, old.claimed_at, old.finished_at = "", None, None
            s.add(old)
        queued += 1
    return queued
