"""Fire due nudges: claim rows whose time has come and hand each to the conversation service.

Nudges are rows, not scheduler jobs: 100 000 pending nudges are 100 000 rows and one periodic
sweep.  A row is claimed (``pending`` → ``firing``) before it is run and marked ``done`` in the
same transaction that writes the conversation's effects (outbox keys ``nudge:<id>:<n>``), so a
second sweep or process cannot fire it twice and a crash in between loses nothing
(:func:`recover_claimed` returns ``firing`` rows to ``pending`` at start-up).

The scheduler knows no kind of nudge itself: it asks the registry (:mod:`bot.features.registry`)
what each kind means (:class:`bot.nudges.NudgeKind`): how to build its events, whether quiet
hours hold it back, and when it is too late.  A kind no feature declares is settled
``skipped``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, case, func, select, update

from bot.consent.checks import current
from bot.db.tables import nudges, organisations, people
from bot.features.registry import nudge_kinds
from bot.nudges.kinds import ClaimedNudge, NudgeEnv
from bot.nudges.quiet_hours import is_quiet, outside_quiet_hours
from bot.turns.service import TurnService
from bot.turns.uniform import fire_uniform, uniform
from conversations.consent import MESSAGES
from conversations.events import Event

log = logging.getLogger(__name__)


#: Where "add to calendar" links point when no public URL is given.
DEFAULT_LINK_BASE = "http://127.0.0.1:8080"
#: A nudge that comes too late to be useful (its session began) is recorded, never sent late.
MISSED = "missed"
SKIPPED = "skipped"
FAILED = "failed"
#: While she talks with a person of the team, the bot's own prompts wait this long, again and
#: again until the conversation is closed (or the prompt's deadline passes: then ``missed``).
WITH_TEAM_DEFERRAL = timedelta(minutes=30)
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


Claimed = ClaimedNudge


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
            # Only some kinds need it; the others skip converting 100 000 timestamps.
            case((nudges.c.kind.in_(_kinds_needing_created_at()), nudges.c.created_at)).label(
                "created_at"
            ),
            organisations.c.timezone,
            organisations.c.quiet_hours_start,
            organisations.c.quiet_hours_end,
            # What the kinds decide by, read here once instead of again there.
            people.c.language,
            people.c.status.label("person_status"),
            # Read now, when it fires: she may have said "Stopp" since it was scheduled.
            (people.c.consent_given_at.is_not(None) & current(MESSAGES, people.c.id)).label(
                "consented"
            ),
            people.c.with_team_since,
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
    kinds = nudge_kinds()
    for row in rows:
        hours = (row.timezone, row.quiet_hours_start, row.quiet_hours_end)
        if hours not in quiet:
            quiet[hours] = is_quiet(now, *hours)
        kind = kinds.get(row.kind)
        if row.with_team_since is not None and row.consented:
            # She is talking with a person: the bot does not interrupt with its questions.
            deferred = now + WITH_TEAM_DEFERRAL
            deadline = kind.deadline(row.payload) if kind and kind.deadline else None
            if deadline is not None and deferred >= deadline:
                settled.append({"n_id": row.id, "n_status": MISSED})
            else:
                moved.append({"n_id": row.id, "n_due": deferred})
        elif kind is not None and kind.quiet and quiet[hours]:
            later = _after_quiet_hours(row, now, kind.deadline)
            if later is None:
                settled.append({"n_id": row.id, "n_status": MISSED})
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


def _after_quiet_hours(
    row: ClaimedNudge,
    now: datetime,
    deadline_of: Callable[[dict[str, Any]], datetime | None] | None,
) -> datetime | None:
    """When a nudge claimed in quiet hours may go out, or ``None``: it is useless by then."""
    deadline = deadline_of(row.payload) if deadline_of is not None else None
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
    """For each claimed row: the event to fire, or the status to settle it with instead.

    Rows are handed to their kind in groups (one call per kind), so a kind can read what it
    needs for all of them with a few queries.
    """
    engine = service.flow_engine
    env = NudgeEnv(now, engine.languages, engine.catalogs, service.secret_key, link_base)
    kinds = nudge_kinds()
    by_kind: dict[str, list[int]] = {}
    for index, row in enumerate(rows):
        by_kind.setdefault(row.kind, []).append(index)
    results: list[tuple[Event | None, str | None]] = [(None, SKIPPED)] * len(rows)
    for name, indexes in by_kind.items():
        kind = kinds.get(name)
        if kind is None:
            log.warning("a nudge of unknown kind %r was skipped", name)
            continue
        built = kind.build(conn, [rows[i] for i in indexes], env)
        for index, made in zip(indexes, built, strict=True):
            results[index] = (None, made) if isinstance(made, str) else (made, None)
    return results


def _kinds_needing_created_at() -> list[str]:
    return [k.name for k in nudge_kinds().values() if k.needs_created_at] or [""]


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
