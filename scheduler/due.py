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

from sqlalchemy import Engine, bindparam, select, update

from bot.db.models import Nudge, Organisation, Person
from bot.services.conversations import ConversationService
from bot.web.calendar import session_link
from conversations.events import Event, TimeoutIn
from scheduler import housekeeping, reminders
from scheduler.quiet_hours import is_quiet, outside_quiet_hours

log = logging.getLogger(__name__)
nudges = Nudge.__table__
people = Person.__table__
organisations = Organisation.__table__


def event_for(kind: str, payload: dict[str, object]) -> Event | None:
    """The engine event a nudge row stands for (``None``: a kind this version does not know)."""
    if kind == "timeout":
        return TimeoutIn(str(payload["flow"]), str(payload["node"]), int(payload["visit"]))  # type: ignore[call-overload]
    return None


#: Where "add to calendar" links point when no public URL is given.
DEFAULT_LINK_BASE = "http://127.0.0.1:8080"
#: Kinds the bot starts on its own: never sent during the organisation's quiet hours.
QUIET_KINDS = (reminders.KIND, housekeeping.CHECKIN, housekeeping.FEEDBACK)
FAILED = "failed"


def fire_due(
    db: Engine,
    service: ConversationService,
    clock: Callable[[], datetime],
    limit: int = 500,
    link_base: str = DEFAULT_LINK_BASE,
) -> int:
    """Claim up to ``limit`` due nudges and fire them; return how many were handled.

    The batch goes through :meth:`ConversationService.fire_batch`: one transaction with one
    statement per kind of row, each nudge marked ``done`` with its effects.  A nudge the bot
    starts on its own that comes due in quiet hours (the process was down, say) moves to the
    next allowed moment instead — or becomes ``missed`` if its session would have begun.
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
                organisations.c.timezone,
                organisations.c.quiet_hours_start,
                organisations.c.quiet_hours_end,
            )
            .join(people, people.c.id == nudges.c.person_id)
            .join(organisations, organisations.c.id == people.c.organisation_id)
            .where(nudges.c.status == "pending", nudges.c.due_at <= now)
            .order_by(nudges.c.due_at, nudges.c.id)
            .limit(limit)
        )
        if db.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=nudges)
        rows = conn.execute(query).mappings().all()
        if rows:
            conn.execute(
                update(nudges)
                .where(nudges.c.id.in_([r["id"] for r in rows]), nudges.c.status == "pending")
                .values(status="firing")
            )
    if not rows:
        return 0
    settled: list[dict[str, Any]] = []
    moved: list[dict[str, Any]] = []
    ready: list[Any] = []
    for row in rows:
        if row["kind"] in QUIET_KINDS and is_quiet(
            now, row["timezone"], row["quiet_hours_start"], row["quiet_hours_end"]
        ):
            later = _after_quiet_hours(row, now)
            if later is None:
                settled.append({"n_id": row["id"], "n_status": reminders.MISSED})
            else:
                moved.append({"n_id": row["id"], "n_due": later})
        else:
            ready.append(row)
    items: list[tuple[int, Event, str, int]] = []
    for row, (event, status) in zip(
        ready, _events_of(db, service, ready, now, link_base), strict=True
    ):
        if event is not None:
            items.append((row["person_id"], event, f"nudge:{row['id']}", row["id"]))
        else:
            settled.append({"n_id": row["id"], "n_status": status})
    if items:
        settled.extend(_fire(service, items))
    if settled or moved:
        with db.begin() as conn:
            if settled:
                conn.execute(_settle, settled)
            if moved:
                conn.execute(_move, moved)
    return len(rows)


_settle = (
    update(nudges).where(nudges.c.id == bindparam("n_id")).values(status=bindparam("n_status"))
)
_move = (
    update(nudges)
    .where(nudges.c.id == bindparam("n_id"))
    .values(status="pending", due_at=bindparam("n_due"))
)


def _after_quiet_hours(row: Any, now: datetime) -> datetime | None:
    """When a nudge claimed in quiet hours may go out, or ``None``: its session began first."""
    deadline = None
    if row["kind"] == reminders.KIND:
        try:
            deadline = datetime.fromisoformat(str(row["payload"].get("starts_at")))
        except ValueError:
            deadline = None
    later = outside_quiet_hours(
        now, row["timezone"], row["quiet_hours_start"], row["quiet_hours_end"], deadline
    )
    if later <= now or (deadline is not None and later >= deadline):
        return None
    return later


def _fire(
    service: ConversationService, items: list[tuple[int, Event, str, int]]
) -> list[dict[str, Any]]:
    """Fire the batch together; if that fails, each alone.  Returns the failures to settle."""
    try:
        service.fire_batch(items)
        return []
    except Exception:
        log.warning("a batch of %d nudges failed; firing them one by one", len(items))
    failed = []
    for person_id, event, key, nudge_id in items:
        try:
            service.fire(person_id, event, key=key, nudge_id=nudge_id)
        except Exception:
            log.exception("nudge %s failed", nudge_id)
            failed.append({"n_id": nudge_id, "n_status": FAILED})
    return failed


def _events_of(
    db: Engine, service: ConversationService, rows: list[Any], now: datetime, link_base: str
) -> list[tuple[Event | None, str | None]]:
    """For each claimed row: the event to fire, or the status to settle it with instead."""
    languages = service.flow_engine.languages
    results: list[tuple[Event | None, str | None]] = [(None, None)] * len(rows)
    with db.connect() as conn:
        due = [i for i, row in enumerate(rows) if row["kind"] == reminders.KIND]
        if due:
            built = reminders.reminder_events(
                conn,
                [(rows[i]["person_id"], rows[i]["payload"]) for i in due],
                languages,
                now,
                lambda session, language: session_link(
                    link_base, service.secret_key, session, language
                ),
            )
            for i, made in zip(due, built, strict=True):
                results[i] = (None, made) if isinstance(made, str) else (made, None)
        for i, row in enumerate(rows):
            made: Event | str | None
            if row["kind"] == reminders.KIND:
                continue
            if row["kind"] == housekeeping.CHECKIN:
                made = housekeeping.checkin_event(conn, row["person_id"], row["created_at"])
            elif row["kind"] == housekeeping.FEEDBACK:
                made = housekeeping.feedback_event(
                    conn, row["person_id"], row["payload"], languages
                )
            else:
                made = event_for(row["kind"], row["payload"]) or reminders.SKIPPED
            results[i] = (None, made) if isinstance(made, str) else (made, None)
    return results


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
