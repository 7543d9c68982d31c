"""The warning 14 days before the deletion for silence: "we will delete your data on <date>
unless you write".

The daily job schedules one nudge (kind ``retention_warning``) for each person who consented,
has not opted out and will be deleted for silence within :data:`WARN_BEFORE`; the key
``retention_warning:<person>:<last seen>`` makes it one per silence (after she writes, a new
silence may bring a new warning).  When due (moved out of quiet hours, within the daily cap) it
fires ``flows/retention.yaml`` with the date of the deletion in her language, unless she wrote
meanwhile or opted out (``skipped``).  Her answer, any message or button, is what keeps her.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from bot.db.tables import nudges, organisations, people
from bot.features.retention.silence import deletion_at, last_inbound, last_seen
from bot.nudges.daily_cap import OrgTimes, apply_daily_cap
from bot.nudges.kinds import Built, ClaimedNudge, NudgeEnv, NudgeKind
from bot.nudges.quiet_hours import outside_quiet_hours
from conversations.events import TriggerIn
from conversations.i18n import format_day

KIND = "retention_warning"
#: How long before the deletion she is warned.
WARN_BEFORE = timedelta(days=14)
SKIPPED = "skipped"


def _people(conn: Connection, only: int | None = None) -> list[Any]:
    """Consented people not opted out, with when they were last seen and their organisation."""
    query = (
        select(
            people.c.id,
            people.c.language,
            people.c.consent_given_at,
            people.c.created_at,
            organisations.c.retention_days,
            organisations.c.timezone,
            organisations.c.default_language,
            organisations.c.quiet_hours_start,
            organisations.c.quiet_hours_end,
            last_inbound().label("last_inbound"),
        )
        .join(organisations, organisations.c.id == people.c.organisation_id)
        .where(people.c.status == "active", people.c.consent_given_at.is_not(None))
        .order_by(people.c.id)
    )
    if only is not None:
        query = query.where(people.c.id == only)
    return list(conn.execute(query))


def schedule_warnings(conn: Connection, now: datetime) -> int:
    """One warning nudge for everyone whose deletion for silence is less than 14 days away."""
    rows = [r for r in _people(conn) if deletion_at(r) - WARN_BEFORE <= now < deletion_at(r)]
    if not rows:
        return 0
    new = {
        f"{KIND}:{r.id}:{int(last_seen(r).timestamp())}": {
            "person_id": r.id,
            "kind": KIND,
            "due_at": outside_quiet_hours(now, r.timezone, r.quiet_hours_start, r.quiet_hours_end),
            "payload": {},
            "status": "pending",
            "created_at": now,
        }
        for r in rows
    }
    existing = set(
        conn.execute(
            select(nudges.c.idempotency_key).where(nudges.c.idempotency_key.in_(list(new)))
        ).scalars()
    )
    fresh = [{"idempotency_key": key, **row} for key, row in new.items() if key not in existing]
    if fresh:
        conn.execute(nudges.insert(), fresh)
    hours = {r.id: OrgTimes(r.timezone, r.quiet_hours_start, r.quiet_hours_end) for r in rows}
    for row in fresh:
        apply_daily_cap(conn, row["person_id"], hours[row["person_id"]], now)
    return len(fresh)


def _build(conn: Connection, claimed: Sequence[ClaimedNudge], env: NudgeEnv) -> list[Built]:
    built: list[Built] = []
    for nudge in claimed:
        rows = _people(conn, only=nudge.person_id)
        if not rows or nudge.created_at is None or last_seen(rows[0]) > nudge.created_at:
            built.append(SKIPPED)  # gone, opted out, or she wrote since: she stays
            continue
        row = rows[0]
        languages = env.languages
        language = (
            languages.get(row.language)
            or languages.get(row.default_language)
            or languages.get(languages.master)
        )
        assert language is not None
        day = format_day(deletion_at(row), language, row.timezone)
        built.append(TriggerIn("retention.warning", {"day": day}))
    return built


WARNING = NudgeKind(KIND, build=_build, quiet=True, needs_created_at=True)

__all__ = ["KIND", "WARNING", "WARN_BEFORE", "schedule_warnings"]
