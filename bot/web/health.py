"""/healthz: is the database reachable, which schema, when was an update last handled, and
the state of the latest reminder round. 503 when the database cannot be reached."""
from __future__ import annotations

import asyncio
import logging
from datetime import timezone

from aiohttp import web
from sqlalchemy import func, text
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.web import keys
from storage import reminders as store
from storage import serving
from storage.db import session_scope
from storage.models import ProcessedUpdate

log = logging.getLogger(__name__)

TIMEOUT = 5.0


def probe(engine: Engine) -> dict:
    with session_scope(engine) as s:
        s.exec(text("SELECT 1"))
        versions = sorted(v for (v,) in s.exec(text("SELECT version_num FROM alembic_version")))
        times = [s.exec(select(func.max(ProcessedUpdate.created_at))).one(),
                 serving.last_handled_at(s)]
        times = [t if t.tzinfo else t.replace(tzinfo=timezone.utc) for t in times if t]
        last = max(times) if times else None
        waiting = serving.unhandled_count(s)
        latest = s.exec(select(store.ReminderRound)
                        .order_by(store.ReminderRound.due_at.desc(),
                                  store.ReminderRound.id.desc())).first()
        round_state = None
        if latest is not None:
            round_state = {"kind": latest.kind, "period": latest.period, "slot": latest.slot,
                           "due_at": latest.due_at.isoformat(), "status": latest.status,
                           "deliveries": store.status_counts(s, kind=latest.kind,
                                                             period=latest.period)}
    return {"database": "ok", "schema": versions,
            "last_update_handled": last.isoformat() if last else None,
            "updates_waiting": waiting, "reminder_round": round_state}


async def healthz(request: web.Request) -> web.Response:
    engine = request.app[keys.ENGINE]
    try:
        body = await asyncio.wait_for(asyncio.to_thread(probe, engine), TIMEOUT)
    except Exception as exc:
        log.warning("health check: database unreachable (%s)", type(exc).__name__)
        return web.json_response({"database": "unreachable", "error": type(exc).__name__},
                                 status=503)
    inbox = request.app.get(keys.INBOX)
    body["in_flight"] = inbox.in_flight if inbox is not None else 0
    return web.json_response(body)
