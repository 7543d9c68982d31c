"""Fire due nudges: claim rows whose time has come and hand each to the conversation service.

Nudges are rows, not scheduler jobs: 100 000 pending nudges are 100 000 rows and one periodic
sweep.  A row is claimed (``pending`` → ``firing``) before it is run and marked ``done`` in the
same transaction that writes the conversation's effects (outbox keys ``nudge:<id>:<n>``), so a
second sweep or process cannot fire it twice and a crash in between loses nothing
(:func:`recover_claimed` returns ``firing`` rows to ``pending`` at start-up).

Session reminders (kind ``reminder``) are built by :mod:`scheduler.reminders`, which formats the
session's date, time and place in her language; one whose session has begun becomes ``missed``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select, update

from bot.db.models import Nudge
from bot.services.conversations import ConversationService
from bot.web.calendar import session_link
from conversations.events import Event, TimeoutIn
from scheduler import housekeeping, reminders

log = logging.getLogger(__name__)
nudges = Nudge.__table__


def event_for(kind: str, payload: dict[str, object]) -> Event | None:
    """The engine event a nudge row stands for (``None``: a kind this version does not know)."""
    if kind == "timeout":
        return TimeoutIn(str(payload["flow"]), str(payload["node"]), int(payload["visit"]))  # type: ignore[call-overload]
    return None


#: Where "add to calendar" links point when no public URL is given.
DEFAULT_LINK_BASE = "http://127.0.0.1:8080"


def fire_due(
    db: Engine,
    service: ConversationService,
    clock: Callable[[], datetime],
    limit: int = 200,
    link_base: str = DEFAULT_LINK_BASE,
) -> int:
    """Fire up to ``limit`` due nudges; return how many were handled.

    ``link_base`` is the public address of the web server (calendar links in reminders).
    """
    now = clock()
    with db.begin() as conn:
        query = (
            select(
                nudges.c.id,
                nudges.c.person_id,
                nudges.c.kind,
                nudges.c.payload,
                nudges.c.created_at,
            )
            .where(nudges.c.status == "pending", nudges.c.due_at <= now)
            .order_by(nudges.c.due_at, nudges.c.id)
            .limit(limit)
        )
        if db.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = conn.execute(query).mappings().all()
        if rows:
            conn.execute(
                update(nudges)
                .where(nudges.c.id.in_([r["id"] for r in rows]), nudges.c.status == "pending")
                .values(status="firing")
            )
    for row in rows:
        event, status = _event_of(db, service, row, now, link_base)
        if event is not None:
            try:
                service.fire(row["person_id"], event, key=f"nudge:{row['id']}", nudge_id=row["id"])
            except Exception:
                log.exception("nudge %s failed", row["id"])
                status = "failed"
        if status is not None:
            with db.begin() as conn:
                conn.execute(update(nudges).where(nudges.c.id == row["id"]).values(status=status))
    return len(rows)


def _event_of(
    db: Engine, service: ConversationService, row: Any, now: datetime, link_base: str
) -> tuple[Event | None, str | None]:
    """The event to fire for a claimed row, or the status to settle it with instead."""
    if row["kind"] == reminders.KIND:  # needs the session and her language
        with db.connect() as conn:
            built = reminders.reminder_event(
                conn,
                row["person_id"],
                row["payload"],
                service.flow_engine.languages,
                now,
                lambda session, language: session_link(
                    link_base, service.secret_key, session, language
                ),
            )
        return (None, built) if isinstance(built, str) else (built, None)
    if row["kind"] in (housekeeping.CHECKIN, housekeeping.FEEDBACK):
        with db.connect() as conn:
            if row["kind"] == housekeeping.CHECKIN:
                built = housekeeping.checkin_event(conn, row["person_id"], row["created_at"])
            else:
                built = housekeeping.feedback_event(
                    conn, row["person_id"], row["payload"], service.flow_engine.languages
                )
        return (None, built) if isinstance(built, str) else (built, None)
    event = event_for(row["kind"], row["payload"])
    return (event, None) if event is not None else (None, "skipped")


def recover_claimed(db: Engine) -> int:
    """Put nudges claimed by a process that died back to ``pending``.

    A nudge is marked done in the same transaction as its effects, so one still ``firing``
    after a crash has had no effect yet: firing it again is safe and nothing is lost.
    """
    with db.begin() as conn:
        result = conn.execute(
            update(nudges).where(nudges.c.status == "firing").values(status="pending")
        )
    return result.rowcount
