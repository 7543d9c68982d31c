"""Fire due nudges: claim rows whose time has come and hand each to the conversation service.

Nudges are rows, not scheduler jobs: 100 000 pending nudges are 100 000 rows and one periodic
sweep.  A row is claimed (``pending`` → ``firing``) before it is run and marked ``done`` in the
same transaction that writes the conversation's effects (outbox keys ``nudge:<id>:<n>``), so a
second sweep or process cannot fire it twice and a crash in between loses nothing
(:func:`recover_claimed` returns ``firing`` rows to ``pending`` at start-up).

Session reminders (kind ``reminder``) are built by :mod:`bot.features.courses.reminders`, which
formats the
session's date, time and place in her language; one whose session has begun becomes ``missed``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, bindparam, case, func, select, update

from bot.db.tables import nudges, organisations, people
from bot.features.checkins import housekeeping
from bot.features.courses import reminders
from bot.features.courses.calendar import session_link
from bot.nudges.quiet_hours import is_quiet, outside_quiet_hours
from bot.turns.service import TurnService
from bot.turns.uniform import fire_uniform, uniform
from conversations.events import Event, TimeoutIn

log = logging.getLogger(__name__)


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
Item = tuple[int, Event, str, int]
"""``(person id, event, idempotency key prefix, nudge id)``."""


def fire_due(
    db: Engine,
    service: TurnService,
    clock: Callable[[], datetime],
    limit: int = 500,
    link_base: str = DEFAULT_LINK_BASE,
) -> int:
    """Claim up to ``limit`` due nudges and fire them; return how many were handled.

    Normally the whole batch is one transaction: claim, fire (course reminders once per
    language, see ``bot.turns.uniform``; everything else through the engine),
    mark each nudge ``done`` with its effects.  If that fails, nothing of it happened, and the
    batch is done again the careful way (:func:`_fire_apart`): claimed in a transaction of its
    own, then fired in a batch, and if that fails too, one nudge at a time, so that one bad
    row costs only itself.  A nudge the bot starts on its own that comes due in quiet hours
    (the process was down, say) moves to the next allowed moment instead — or becomes
    ``missed`` if its session would have begun.  ``link_base`` is the public address of the
    web server (calendar links in reminders).
    """
    now = clock()
    try:
        with service.write_transaction() as conn:
            return _fire_together(conn, service, now, limit, link_base)
    except Exception:
        log.warning("a batch of due nudges failed; firing it again step by step", exc_info=True)
    return _fire_apart(db, service, now, limit, link_base)


class Claimed(NamedTuple):
    """A claimed nudge with what deciding about it needs (the columns of :func:`_claim`)."""

    id: int
    person_id: int
    kind: str
    payload: dict[str, Any]
    created_at: datetime | None
    timezone: str
    quiet_hours_start: str
    quiet_hours_end: str
    language: str | None
    person_status: str
    consented: bool


class ChangedMeanwhileError(RuntimeError):
    """Some claimed rows were no longer pending (another process took or cancelled them)."""


def _claim(
    conn: Connection, dialect: str, now: datetime, limit: int, mark: str = "firing"
) -> list[Claimed]:
    """Select due rows and mark them (``firing``, or ``done`` when they are fired in this same
    transaction); raises if another writer got there first."""
    query = (
        select(
            nudges.c.id,
            nudges.c.person_id,
            nudges.c.kind,
            nudges.c.payload,
            # Only check-ins need it; the others skip converting 100 000 timestamps.
            case((nudges.c.kind == housekeeping.CHECKIN, nudges.c.created_at)).label("created_at"),
            organisations.c.timezone,
            organisations.c.quiet_hours_start,
            organisations.c.quiet_hours_end,
            # What bot.features.courses.reminders decides by, read here once instead of again
            # there.
            people.c.language,
            people.c.status.label("person_status"),
            people.c.consent_given_at.is_not(None).label("consented"),
        )
        .join(people, people.c.id == nudges.c.person_id)
        .join(organisations, organisations.c.id == people.c.organisation_id)
        .where(nudges.c.status == "pending", nudges.c.due_at <= now)
        .order_by(nudges.c.due_at, nudges.c.id)
        .limit(limit)
    )
    if dialect == "postgresql":
        query = query.with_for_update(skip_locked=True, of=nudges)
    # Plain named tuples: SQLAlchemy's Row answers an attribute in ~0.8 µs, a tuple in 0.05,
    # and the sweep reads a dozen of them for each of 100 000 rows.
    rows = [Claimed._make(row) for row in conn.execute(query).all()]
    if rows:
        # The status test is wrapped so that SQLite finds the rows by id: given a bare
        # ``status = 'pending'`` it walks the (status, due_at) index over every pending
        # row instead, three times slower with 100 000 waiting.
        claimed = conn.execute(
            update(nudges)
            .where(
                nudges.c.id.in_([r.id for r in rows]),
                func.coalesce(nudges.c.status, "") == "pending",
            )
            .values(status=mark)
        ).rowcount
        if claimed != len(rows):
            raise ChangedMeanwhileError(f"{len(rows) - claimed} of {len(rows)} nudges changed")
    return list(rows)


def _sort(
    conn: Connection,
    service: TurnService,
    rows: list[Any],
    now: datetime,
    link_base: str,
) -> tuple[list[Item], list[dict[str, Any]], list[dict[str, Any]]]:
    """Split claimed rows into events to fire, rows to settle now, and rows to move later."""
    settled: list[dict[str, Any]] = []
    moved: list[dict[str, Any]] = []
    ready: list[Any] = []
    quiet: dict[tuple[str, str, str], bool] = {}  # per organisation's hours: one moment
    for row in rows:
        hours = (row.timezone, row.quiet_hours_start, row.quiet_hours_end)
        if hours not in quiet:
            quiet[hours] = is_quiet(now, *hours)
        if row.kind in QUIET_KINDS and quiet[hours]:
            later = _after_quiet_hours(row, now)
            if later is None:
                settled.append({"n_id": row.id, "n_status": reminders.MISSED})
            else:
                moved.append({"n_id": row.id, "n_due": later})
        else:
            ready.append(row)
    items: list[Item] = []
    for row, (event, status) in zip(
        ready, _events_of(conn, service, ready, now, link_base), strict=True
    ):
        if event is not None:
            items.append((row.person_id, event, f"nudge:{row.id}", row.id))
        else:
            settled.append({"n_id": row.id, "n_status": status})
    return items, settled, moved


def _fire_together(
    conn: Connection, service: TurnService, now: datetime, limit: int, link_base: str
) -> int:
    """The whole batch in the caller's transaction (see :func:`fire_due`)."""
    # Marked done at once: their effects commit with them, and a rollback undoes both.  Rows
    # that are settled or moved instead get their own status below.
    rows = _claim(conn, conn.dialect.name, now, limit, mark="done")
    if not rows:
        return 0
    items, settled, moved = _sort(conn, service, rows, now, link_base)
    same_for_all: list[Item] = []
    rest: list[Item] = []
    for item in items:
        (same_for_all if uniform(service.flow_engine, item[1]) else rest).append(item)
    if same_for_all:
        fire_uniform(service, conn, same_for_all, now)  # type: ignore[arg-type]
    if rest:
        service.fire_batch_in(conn, rest, finish=False)
    _write_settled(conn, settled, moved)
    return len(rows)


def _fire_apart(
    db: Engine, service: TurnService, now: datetime, limit: int, link_base: str
) -> int:
    """The careful way: claim, then fire in a batch, then one by one if the batch fails."""
    with db.begin() as conn:
        rows = _claim(conn, db.dialect.name, now, limit)
    if not rows:
        return 0
    with db.connect() as conn:
        items, settled, moved = _sort(conn, service, rows, now, link_base)
    if items:
        settled.extend(_fire(service, items))
    with db.begin() as conn:
        _write_settled(conn, settled, moved)
    return len(rows)


def _write_settled(
    conn: Connection, settled: list[dict[str, Any]], moved: list[dict[str, Any]]
) -> None:
    if settled:
        conn.execute(_settle, settled)
    if moved:
        conn.execute(_move, moved)


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
    if row.kind == reminders.KIND:
        try:
            deadline = datetime.fromisoformat(str(row.payload.get("starts_at")))
        except ValueError:
            deadline = None
    later = outside_quiet_hours(
        now, row.timezone, row.quiet_hours_start, row.quiet_hours_end, deadline
    )
    if later <= now or (deadline is not None and later >= deadline):
        return None
    return later


def _fire(service: TurnService, items: list[Item]) -> list[dict[str, Any]]:
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
    conn: Connection, service: TurnService, rows: list[Any], now: datetime, link_base: str
) -> list[tuple[Event | None, str | None]]:
    """For each claimed row: the event to fire, or the status to settle it with instead."""
    languages = service.flow_engine.languages
    results: list[tuple[Event | None, str | None]] = [(None, None)] * len(rows)
    due = [i for i, row in enumerate(rows) if row.kind == reminders.KIND]
    if due:
        built = reminders.reminder_events(
            conn,
            [(rows[i].person_id, rows[i].payload) for i in due],
            languages,
            now,
            lambda session, language: session_link(
                link_base, service.secret_key, session, language
            ),
            {rows[i].person_id: _PersonFacts(rows[i]) for i in due},
        )
        for i, made in zip(due, built, strict=True):
            results[i] = (None, made) if isinstance(made, str) else (made, None)
    for i, row in enumerate(rows):
        made: Event | str | None
        if row.kind == reminders.KIND:
            continue
        if row.kind == housekeeping.CHECKIN:
            made = housekeeping.checkin_event(conn, row.person_id, row.created_at)
        elif row.kind == housekeeping.FEEDBACK:
            made = housekeeping.feedback_event(conn, row.person_id, row.payload, languages)
        else:
            made = event_for(row.kind, row.payload) or reminders.SKIPPED
        results[i] = (None, made) if isinstance(made, str) else (made, None)
    return results


class _PersonFacts:
    """A claimed row seen as the person facts ``reminders.reminder_events`` decides by."""

    __slots__ = ("consented", "id", "language", "status")

    def __init__(self, row: Any) -> None:
        self.id = row.person_id
        self.language = row.language
        self.status = row.person_status
        self.consented = row.consented


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
