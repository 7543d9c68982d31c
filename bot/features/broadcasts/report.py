"""What became of a broadcast: counts by status per language and channel, the reasons of
failures and exclusions, one line per person, the progress bar's numbers, the history.

Read-only: every function here reads the outbox rows of a broadcast (found by their
``broadcast_id``, an index), its exclusions and its audit entries.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, NamedTuple, cast

from sqlalchemy import Connection, Engine, func, literal_column, select

from bot.db.tables import audit, broadcast_exclusions, broadcasts, organisations, outbox
from bot.features.broadcasts.compose import BroadcastError
from bot.localtime import show_local
from bot.nudges.daily_cap import org_times

#: Outbox statuses of a row that has not reached an end yet.
QUEUED = ("pending", "claimed", "sending")
#: The order of the columns in status reports.
BUCKETS = (
    "queued",
    "sent",
    "delivered",
    "read",
    "failed",
    "needs_template",
    "in_doubt",
    "skipped",
    "cancelled",
)


def bucket(status: str, delivery_status: str | None) -> str:
    """The report column of one outbox row: its status, refined by the platform's callbacks."""
    if status in QUEUED:
        return "queued"
    if status == "sent":
        if delivery_status in ("delivered", "read"):
            return delivery_status
        if delivery_status in ("failed", "undelivered"):
            return "failed"
        return "sent"
    return status


#: What tells a broadcast's outbox rows apart in its report (``status``): counted in SQL.
_GROUPED = (
    outbox.c.language,
    outbox.c.her_language,
    outbox.c.channel,
    outbox.c.status,
    outbox.c.delivery_status,
    outbox.c.error,
    outbox.c.error_code,
    # A literal pattern, not a bound parameter: PostgreSQL groups by the same expression only
    # if it is written the same in the select list and in GROUP BY.
    outbox.c.idempotency_key.like(literal_column("'%:followup'")),
)

#: What a report reads of each outbox row of a broadcast, one by one (``people``).
_OUTCOME = (
    outbox.c.id,
    outbox.c.idempotency_key,
    outbox.c.channel,
    outbox.c.status,
    outbox.c.delivery_status,
    outbox.c.error,
    outbox.c.error_code,
    outbox.c.person_id,
    outbox.c.language,
    outbox.c.her_language,
)


class Outcome(NamedTuple):
    """One recipient's row as a report reads it."""

    idempotency_key: str
    channel: str
    status: str
    delivery_status: str | None
    error: str | None
    error_code: int | None
    language: str | None
    her_language: str | None
    person_id: int | None


class Group(NamedTuple):
    """So many rows of a broadcast alike in everything its report tells apart."""

    language: str | None
    her_language: str | None
    channel: str
    status: str
    delivery_status: str | None
    error: str | None
    error_code: int | None
    followup: bool
    n: int


def _groups(conn: Connection, broadcast_id: int) -> list[Group]:
    """The broadcast's rows counted by language, hers, channel, status and failure reason.

    SQL counts the rows whose languages are in the clear (``outbox.language``); rows written
    before migration 0017 have none, and only their payloads are read and decrypted (and only
    if SQL counted some: a newer broadcast's report makes one query).
    """
    counted = [
        Group(language, her, channel, state, delivery, error, code, bool(followup), n)
        for language, her, channel, state, delivery, error, code, followup, n in conn.execute(
            select(*_GROUPED, func.count())
            .where(outbox.c.broadcast_id == broadcast_id)
            .group_by(*_GROUPED)
        ).tuples()
    ]
    found = [g for g in counted if g.language is not None]
    if len(found) == len(counted):
        return found
    old = Counter(
        (
            r.language,
            r.her_language,
            r.channel,
            r.status,
            r.delivery_status,
            r.error,
            r.error_code,
            r.idempotency_key.endswith(":followup"),
        )
        for r in _outcomes(conn, broadcast_id, only_old=True)
    )
    return found + [Group(*key, n) for key, n in old.items()]


def _outcomes(conn: Connection, broadcast_id: int, *, only_old: bool = False) -> list[Outcome]:
    """Every outbox row of the broadcast (``only_old``: those written before migration 0017),
    by person.  A row without its languages in the clear has them read from its payload,
    which is encrypted, so here and not in SQL."""
    query = select(*_OUTCOME).where(outbox.c.broadcast_id == broadcast_id)
    rows = [] if only_old else conn.execute(query.where(outbox.c.language.is_not(None))).all()
    old = conn.execute(
        query.add_columns(outbox.c.payload).where(outbox.c.language.is_(None))
    ).all()
    found = [(r.person_id, r.id, r, r.language, r.her_language) for r in rows] + [
        (
            r.person_id,
            r.id,
            r,
            (r.payload or {}).get("language"),
            (r.payload or {}).get("her_language"),
        )
        for r in old
    ]
    # In Python, as the two queries are merged: rows without a person last, on both databases.
    found.sort(key=lambda f: (f[0] is None, f[0] or 0, f[1]))
    return [
        Outcome(
            r.idempotency_key,
            r.channel,
            r.status,
            r.delivery_status,
            r.error,
            r.error_code,
            language,
            her_language,
            r.person_id,
        )
        for _person, _id, r, language, her_language in found
    ]


def load(conn: Connection, broadcast_id: int) -> Mapping[str, Any]:
    """The broadcast's row, or :class:`BroadcastError` if there is none."""
    row = (
        conn.execute(select(broadcasts).where(broadcasts.c.id == broadcast_id)).mappings().first()
    )
    if row is None:
        raise BroadcastError(f"no broadcast {broadcast_id} (see 'twc broadcast list')")
    return cast(Mapping[str, Any], row)


def status(db: Engine, broadcast_id: int) -> dict[str, Any]:
    """Counts by status per language and channel, failure reasons, exclusions, history."""
    with db.connect() as conn:
        row = load(conn, broadcast_id)
        tz = org_times(conn, row["organisation_id"]).timezone
        groups = _groups(conn, broadcast_id)
        excluded = conn.execute(
            select(
                broadcast_exclusions.c.language,
                broadcast_exclusions.c.channel,
                broadcast_exclusions.c.reason,
            ).where(broadcast_exclusions.c.broadcast_id == broadcast_id)
        ).all()
        done = history(conn, broadcast_id, tz)
    main = [g for g in groups if not g.followup]
    followups = [g for g in groups if g.followup]
    failures: Counter[str] = Counter()
    for group in main:
        if is_failure(group):
            failures[reason(group)] += group.n
    return {
        "id": broadcast_id,
        "title": row["title"],
        "status": row["status"],
        "send_at": show_local(row["send_at"], tz) if row["send_at"] else None,
        "urgent": row["urgent"],
        "recipients": sum(g.n for g in main),
        "totals": _totals(main),
        "by_language_channel": _table(main),
        "failures": dict(failures),
        "excluded": dict(Counter(e.reason for e in excluded)),
        "excluded_by_language": _excluded_table(excluded),
        "followup": {
            "after_hours": row["followup_hours"],
            "sent_to": sum(g.n for g in followups),
            "totals": _totals(followups),
        },
        "history": done,
    }


def people(db: Engine, broadcast_id: int) -> list[dict[str, Any]]:
    """Who was reached and who not: one line per person (id, languages, channel, outcome,
    reason), no names, no addresses; the excluded with their reason."""
    with db.connect() as conn:
        load(conn, broadcast_id)
        rows = _outcomes(conn, broadcast_id)
        excluded = conn.execute(
            select(broadcast_exclusions)
            .where(broadcast_exclusions.c.broadcast_id == broadcast_id)
            .order_by(broadcast_exclusions.c.person_id)
        ).all()
    lines = [
        {
            "person": r.person_id,
            "language": r.her_language or r.language,
            "text": r.language,
            "channel": r.channel,
            "outcome": bucket(r.status, r.delivery_status),
            "reason": reason(r) if is_failure(r) else "",
            "followup": r.idempotency_key.endswith(":followup"),
        }
        for r in rows
        if r.person_id is not None
    ]
    lines += [
        {
            "person": e.person_id,
            "language": e.language,
            "text": None,
            "channel": e.channel,
            "outcome": "excluded",
            "reason": e.reason,
            "followup": False,
        }
        for e in excluded
    ]
    return lines


def progress(db: Engine, broadcast_id: int, now: datetime) -> dict[str, int | bool | str]:
    """Sent / failed / remaining, for the progress bar (cheap: two grouped counts).

    ``waiting``: rows not due within the next minute — held for the morning by the quiet
    hours, or a retry some time later — which a progress bar need not stay for.
    """
    with db.connect() as conn:
        row = load(conn, broadcast_id)
        counts: dict[str, int] = dict(
            conn.execute(
                select(outbox.c.status, func.count())
                .where(outbox.c.broadcast_id == broadcast_id)
                .group_by(outbox.c.status)
            )
            .tuples()
            .all()
        )
        waiting = conn.execute(
            select(func.count()).where(
                outbox.c.broadcast_id == broadcast_id,
                outbox.c.status == "pending",
                outbox.c.next_attempt_at > now + timedelta(minutes=1),
            )
        ).scalar_one()
    queued = sum(counts.get(s, 0) for s in QUEUED)
    total = sum(counts.values())
    return {
        "status": row["status"],
        "enqueued": row["enqueued_at"] is not None,
        "total": total,
        "sent": counts.get("sent", 0),
        "failed": total - queued - counts.get("sent", 0),
        "remaining": queued,
        "waiting": waiting,
    }


def list_broadcasts(db: Engine, organisation: str | None = None) -> list[dict[str, Any]]:
    """Every broadcast, newest first, with its recipients and status."""
    with db.connect() as conn:
        query = (
            select(broadcasts, organisations.c.slug, organisations.c.timezone)
            .join(organisations, organisations.c.id == broadcasts.c.organisation_id)
            .order_by(broadcasts.c.id.desc())
        )
        if organisation:
            query = query.where(organisations.c.slug == organisation)
        return [
            {
                "id": r["id"],
                "organisation": r["slug"],
                "title": r["title"],
                "status": r["status"],
                "languages": sorted(r["texts"]),
                "send_at": show_local(r["send_at"], r["timezone"]) if r["send_at"] else None,
                "created_by": r["created_by"],
            }
            for r in conn.execute(query).mappings()
        ]


def history(conn: Connection, broadcast_id: int, tz: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(audit.c.at, audit.c.actor, audit.c.action, audit.c.details)
        .where(
            audit.c.action.like("broadcast.%"),
            audit.c.details["broadcast"].as_integer() == broadcast_id,
        )
        .order_by(audit.c.id)
    )
    return [
        {"at": show_local(r.at, tz), "by": r.actor, "action": r.action.split(".", 1)[1]}
        for r in rows
    ]


def is_failure(row: Any) -> bool:
    return bucket(row.status, row.delivery_status) in ("failed", "needs_template", "in_doubt")


def reason(row: Any) -> str:
    reason = row.error or row.delivery_status or row.status
    return f"{row.error_code}: {reason}" if row.error_code else str(reason)


def _totals(groups: Iterable[Group]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for group in groups:
        counts[bucket(group.status, group.delivery_status)] += group.n
    return {b: counts.get(b, 0) for b in BUCKETS}


def _table(rows: Iterable[Group]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str], list[Group]] = defaultdict(list)
    for row in rows:
        language = row.language or "?"
        if row.her_language and row.her_language != language:
            language = f"{row.her_language} → {language}"  # she got a fallback
        groups[(language, row.channel)].append(row)
    return [
        {"language": lang, "channel": channel, **_totals(items)}
        for (lang, channel), items in sorted(groups.items())
    ]


def _excluded_table(rows: Iterable[Any]) -> list[dict[str, Any]]:
    counts = Counter((r.language or "?", r.channel or "-", r.reason) for r in rows)
    return [
        {"language": lang, "channel": channel, "reason": reason, "people": n}
        for (lang, channel, reason), n in sorted(counts.items())
    ]


#: The reach columns of the staff app's list.
REACH = ("sent", "delivered", "read", "failed")


def list_for(db: Engine, organisation_ids: Iterable[int]) -> list[dict[str, Any]]:
    """The broadcasts of these organisations, newest first, each with its reach: how many
    were sent (at least), delivered (at least), read, failed (follow-ups not counted)."""
    ids = sorted(set(organisation_ids))
    if not ids:
        return []
    with db.connect() as conn:
        rows = [
            dict(r)
            for r in conn.execute(
                select(
                    broadcasts.c.id,
                    broadcasts.c.organisation_id,
                    broadcasts.c.title,
                    broadcasts.c.status,
                    broadcasts.c.send_at,
                    broadcasts.c.created_at,
                    organisations.c.name.label("organisation"),
                )
                .join(organisations, organisations.c.id == broadcasts.c.organisation_id)
                .where(broadcasts.c.organisation_id.in_(ids))
                .order_by(broadcasts.c.created_at.desc(), broadcasts.c.id.desc())
            ).mappings()
        ]
        counts: dict[int, Counter[str]] = defaultdict(Counter)
        wanted = [r["id"] for r in rows]
        for start in range(0, len(wanted), 900):
            for broadcast_id, state, delivery, n in conn.execute(
                select(
                    outbox.c.broadcast_id, outbox.c.status, outbox.c.delivery_status, func.count()
                )
                .where(
                    outbox.c.broadcast_id.in_(wanted[start : start + 900]),
                    outbox.c.idempotency_key.not_like("%:followup"),
                )
                .group_by(outbox.c.broadcast_id, outbox.c.status, outbox.c.delivery_status)
            ).tuples():
                counts[broadcast_id][bucket(state, delivery)] += n
    for row in rows:
        got = counts[row["id"]]
        row["reach"] = {
            # "sent" counts everything that left (delivered and read ones too).
            "sent": got["sent"] + got["delivered"] + got["read"],
            "delivered": got["delivered"] + got["read"],
            "read": got["read"],
            "failed": got["failed"] + got["needs_template"] + got["in_doubt"],
        }
        row["recipients"] = sum(got.values())
    return rows


def organisation_of(db: Engine, broadcast_id: int) -> int | None:
    """The broadcast's organisation (``None``: no such broadcast)."""
    with db.connect() as conn:
        found = conn.execute(
            select(broadcasts.c.organisation_id).where(broadcasts.c.id == broadcast_id)
        ).scalar()
    return None if found is None else int(found)
