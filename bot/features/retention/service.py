"""Retention and erasure bound to a running bot: the purge, a deletion on request, the period.

The command line and the scheduler use these; they share the process's write transaction (on
SQLite the turns' one writer) and its erasure service, and checkpoint SQLite's WAL after
deleting people, so nothing of an erased person is left in the database files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select, update

from bot.db.tables import identities, organisations, people
from bot.erasure import Erased
from bot.features.retention.purge import PurgePlan, RetentionPurge
from bot.features.retention.warning import schedule_warnings
from bot.organisations.service import MAX_RETENTION_DAYS, MIN_RETENTION_DAYS
from bot.staff.audit import record

if TYPE_CHECKING:
    from bot.runtime import Runtime


class RetentionError(ValueError):
    """A request the command line answers with a clean message (unknown organisation, …)."""


def purge_for(runtime: Runtime) -> RetentionPurge:
    """The purge of this runtime's database."""
    return RetentionPurge(
        runtime.db,
        runtime.turns.write_transaction,
        runtime.turns.eraser,
        runtime.clock,
        checkpoint=runtime.turns.checkpoints.run_now,
    )


def daily_retention(runtime: Runtime, actor: str) -> tuple[PurgePlan, int]:
    """The daily job: the purge, then the warnings for those 14 days from deletion."""
    done = purge_for(runtime).run(actor)
    with runtime.turns.write_transaction() as conn:
        warned = schedule_warnings(conn, runtime.clock())
    return done, warned


def describe_person(runtime: Runtime, person_id: int) -> dict[str, object] | None:
    """What a coordinator sees before deleting: nothing she told us, enough to check the id
    (organisation, role, status, language, channels, since when)."""
    with runtime.db.connect() as conn:
        row = conn.execute(
            select(
                organisations.c.slug,
                people.c.role,
                people.c.status,
                people.c.language,
                people.c.created_at,
            )
            .join(organisations, organisations.c.id == people.c.organisation_id)
            .where(people.c.id == person_id)
        ).first()
        if row is None:
            return None
        channels = sorted(
            conn.execute(
                select(identities.c.channel).where(identities.c.person_id == person_id)
            ).scalars()
        )
    return {
        "organisation": row.slug,
        "role": row.role,
        "status": row.status,
        "language": row.language or "-",
        "channels": ", ".join(channels) or "-",
        "since": row.created_at.date().isoformat(),
    }


def delete_person(runtime: Runtime, person_id: int, actor: str) -> Erased | None:
    """Erase one person now (a request by phone or on paper); ``None`` if there is none."""
    with runtime.turns.write_transaction() as conn:
        erased = runtime.turns.eraser.erase(
            conn, person_id, now=runtime.clock(), actor=actor, reason="request"
        )
    if erased is not None:
        runtime.turns.checkpoints.run_now()
    return erased


def set_retention(runtime: Runtime, organisation: str, days: int, actor: str) -> int:
    """Set an organisation's retention period in days; returns the old one."""
    if not MIN_RETENTION_DAYS <= days <= MAX_RETENTION_DAYS:
        raise RetentionError(
            f"retention must be {MIN_RETENTION_DAYS} to {MAX_RETENTION_DAYS} days, not {days}"
        )
    with runtime.turns.write_transaction() as conn:
        found = conn.execute(
            select(organisations.c.id, organisations.c.retention_days).where(
                organisations.c.slug == organisation
            )
        ).first()
        if found is None:
            raise RetentionError(f"no organisation {organisation!r}")
        old = found.retention_days
        conn.execute(
            update(organisations)
            .where(organisations.c.slug == organisation)
            .values(retention_days=days)
        )
        record(
            conn,
            runtime.clock(),
            actor,
            "privacy.retention",
            {"organisation": organisation, "days": days, "was": old},
            organisation_id=found.id,
        )
    return int(old)


def retention_of(runtime: Runtime, organisation: str) -> int:
    """An organisation's retention period in days."""
    with runtime.db.connect() as conn:
        days = conn.execute(
            select(organisations.c.retention_days).where(organisations.c.slug == organisation)
        ).scalar_one_or_none()
    if days is None:
        raise RetentionError(f"no organisation {organisation!r}")
    return int(days)


__all__ = [
    "MAX_RETENTION_DAYS",
    "MIN_RETENTION_DAYS",
    "RetentionError",
    "daily_retention",
    "delete_person",
    "describe_person",
    "purge_for",
    "retention_of",
    "set_retention",
]
