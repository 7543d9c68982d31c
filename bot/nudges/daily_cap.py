"""The daily cap: at most :data:`DAILY_CAP` messages the bot starts per person and local day.

Every nudge the bot starts shares one budget, whichever feature scheduled it: reminders,
check-ins, feedback questions.  Only a wait's timeout does not count (it answers her own chat).
A nudge is *dated* when its payload carries the moment it is about (``starts_at``, a session's
start): it keeps its day and is ``capped`` if it does not fit, the nearest first; any other
nudge is *movable* and moves to the next morning when its day is full.  The rule reads the
rows themselves, so a new feature's nudges obey it without registering anything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Connection, bindparam, select, update

from bot.db.tables import nudges, organisations
from bot.nudges.quiet_hours import at_local, local_day, parse_clock

#: At most this many nudges per person and local day.
DAILY_CAP = 3
#: Nudges that answer her own chat, not started by the bot: outside the cap.
EXEMPT_KINDS = ("timeout",)
#: Kinds named ``…_relay`` carry another person's words to her (a mentor's message): not the
#: bot starting a conversation, so outside the cap too (a feature names its kind so; the cap
#: keeps reading the rows themselves and needs no registry).
RELAY_SUFFIX = "_relay"


@dataclass(frozen=True, slots=True)
class OrgTimes:
    """What scheduling needs to know about an organisation."""

    timezone: str
    quiet_start: str
    quiet_end: str


def org_times(conn: Connection, organisation_id: int) -> OrgTimes:
    """The organisation's time zone and quiet hours."""
    row = conn.execute(
        select(
            organisations.c.timezone,
            organisations.c.quiet_hours_start,
            organisations.c.quiet_hours_end,
        ).where(organisations.c.id == organisation_id)
    ).one()
    return OrgTimes(row.timezone, row.quiet_hours_start, row.quiet_hours_end)


def apply_daily_cap(
    conn: Connection,
    person_id: int,
    org: OrgTimes,
    now: datetime,
) -> None:
    """Keep at most :data:`DAILY_CAP` nudges on each of her local days.

    Every message the bot starts counts: reminders, check-ins and feedback questions.  Rows
    already sent that day count first; of the rest, reminders for the nearest session win
    (then the earlier due time), and check-ins and feedback questions come last.  A reminder
    that does not fit becomes ``capped`` (it becomes ``pending`` again when room frees up: a
    session moved or cancelled); a check-in or feedback question that does not fit moves to
    the next morning, because it is not tied to a date.
    """
    apply_daily_caps(conn, {person_id: org}, now)


#: People whose nudges one query of :func:`apply_daily_caps` reads (bound parameters stay
#: well below SQLite's limit).
CAP_CHUNK = 1000


def apply_daily_caps(conn: Connection, orgs: Mapping[int, OrgTimes], now: datetime) -> None:
    """:func:`apply_daily_cap` for many people at once (``orgs``: person id → her
    organisation's times): the same rule and the same rows, with one read per
    :data:`CAP_CHUNK` people and one write per kind of change, instead of a read (and up to
    three writes) per person.  An import enrolling a thousand women in a course caps their
    days in a handful of statements."""
    keep: list[int] = []
    cap: list[int] = []
    moved: list[dict[str, Any]] = []
    person_ids = sorted(orgs)
    for start in range(0, len(person_ids), CAP_CHUNK):
        chunk = person_ids[start : start + CAP_CHUNK]
        query = select(
            nudges.c.person_id,
            nudges.c.id,
            nudges.c.kind,
            nudges.c.due_at,
            nudges.c.status,
            nudges.c.payload,
        ).where(
            nudges.c.person_id.in_(chunk),
            nudges.c.kind.not_in(EXEMPT_KINDS),
            nudges.c.kind.not_like(f"%{RELAY_SUFFIX}"),
            nudges.c.status.in_(("pending", "capped", "done")),
            nudges.c.due_at >= now - timedelta(days=1),
        )
        by_person: dict[int, list[_CapRow]] = defaultdict(list)
        for person_id, *fields in conn.execute(query):
            by_person[person_id].append(_CapRow._make(fields))
        for person_id, rows in by_person.items():
            _plan_cap(rows, orgs[person_id], keep, cap, moved)
    for start in range(0, len(keep), CAP_CHUNK):
        ids = keep[start : start + CAP_CHUNK]
        conn.execute(update(nudges).where(nudges.c.id.in_(ids)).values(status="pending"))
    for start in range(0, len(cap), CAP_CHUNK):
        ids = cap[start : start + CAP_CHUNK]
        conn.execute(update(nudges).where(nudges.c.id.in_(ids)).values(status="capped"))
    if moved:
        conn.execute(
            update(nudges)
            .where(nudges.c.id == bindparam("n_id"))
            .values(due_at=bindparam("n_due"), status="pending"),
            moved,
        )


def _plan_cap(
    rows: list[_CapRow],
    org: OrgTimes,
    keep: list[int],
    cap: list[int],
    moved: list[dict[str, Any]],
) -> None:
    """One person's changes (the rule of :func:`apply_daily_cap`), added to ``keep`` (back
    to ``pending``), ``cap`` (to ``capped``) and ``moved`` (to the next morning)."""
    sent: dict[Any, int] = defaultdict(int)
    waiting: dict[Any, list[Any]] = defaultdict(list)
    for row in rows:
        day = local_day(row.due_at, org.timezone)
        if row.status == "done":
            sent[day] += 1
        else:
            waiting[day].append(row)
    day_index = sorted(waiting)
    while day_index:
        day = day_index.pop(0)
        candidates = sorted(waiting.pop(day), key=_cap_order)
        room = max(0, DAILY_CAP - sent[day])
        for row in candidates[:room]:
            sent[day] += 1
            if row.status != "pending":
                keep.append(row.id)
        for row in candidates[room:]:
            if not _dated(row):
                later = day + timedelta(days=1)
                due = at_local(later, parse_clock(org.quiet_end), org.timezone)
                moved.append({"n_id": row.id, "n_due": due})
                waiting[later].append(row._replace(due_at=due, status="pending"))
                if later not in day_index:
                    day_index = sorted([*day_index, later])
            elif row.status != "capped":
                cap.append(row.id)


class _CapRow(NamedTuple):
    id: int
    kind: str
    due_at: datetime
    status: str
    payload: dict[str, Any]


def _dated(row: _CapRow) -> bool:
    """About a moment (a session's start): it cannot move to another day."""
    return bool(row.payload and row.payload.get("starts_at"))


def _cap_order(row: _CapRow) -> tuple[int, str, datetime, int]:
    """Dated nudges first, the nearest moment first; then the rest by due time."""
    if _dated(row):
        return (0, str(row.payload.get("starts_at", "")), row.due_at, row.id)
    return (1, "", row.due_at, row.id)


__all__ = [
    "DAILY_CAP",
    "EXEMPT_KINDS",
    "RELAY_SUFFIX",
    "OrgTimes",
    "apply_daily_cap",
    "apply_daily_caps",
    "org_times",
]
