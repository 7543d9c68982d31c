"""May we? Whether people currently agree to a purpose (given and not withdrawn).

Every message the bot starts (a reminder, a check-in, "the session moved", a broadcast) asks
this for ``messages`` at the moment it is sent or enqueued, not only when it was scheduled:
she may have said "Stopp" in between.  Matching features ask it for their own purpose
(``mentoring``, ``job_offers``, ``contact_sharing``).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, Connection, exists, func, select

from bot.db.tables import consents
from conversations.consent import PURPOSES

#: Ids per ``IN (…)`` list: well below SQLite's and PostgreSQL's parameter limits.
CHUNK = 500


def current(purpose: str, person_id: ColumnElement[int]) -> ColumnElement[bool]:
    """A SQL condition: the person ``person_id`` names agrees to ``purpose`` now."""
    _known(purpose)
    return exists().where(
        consents.c.person_id == person_id,
        consents.c.purpose == purpose,
        consents.c.withdrawn_at.is_(None),
    )


def has_consent(conn: Connection, person_id: int, purpose: str) -> bool:
    """Whether she agrees to ``purpose`` now."""
    _known(purpose)
    found = conn.execute(
        select(consents.c.id)
        .where(
            consents.c.person_id == person_id,
            consents.c.purpose == purpose,
            consents.c.withdrawn_at.is_(None),
        )
        .limit(1)
    ).first()
    return found is not None


def with_consent(conn: Connection, person_ids: Iterable[int], purpose: str) -> set[int]:
    """Those of ``person_ids`` who agree to ``purpose`` now (one query per 500 people)."""
    _known(purpose)
    ids = sorted(set(person_ids))
    agreed: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        agreed.update(
            conn.execute(
                select(consents.c.person_id).where(
                    consents.c.person_id.in_(ids[start : start + CHUNK]),
                    consents.c.purpose == purpose,
                    consents.c.withdrawn_at.is_(None),
                )
            ).scalars()
        )
    return agreed


def purposes_of(dialect: str, person_id: ColumnElement[int]) -> ColumnElement[str | None]:
    """A SQL value: her current purposes separated by spaces (``None`` when there are none).

    Read with her conversation, so the flow engine knows what she agreed to
    (``Profile.consents``) without another round trip.
    """
    aggregate = (
        func.string_agg(consents.c.purpose, " ")
        if dialect == "postgresql"
        else func.group_concat(consents.c.purpose, " ")
    )
    return (
        select(aggregate)
        .where(consents.c.person_id == person_id, consents.c.withdrawn_at.is_(None))
        .scalar_subquery()
    )


def _known(purpose: str) -> None:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown consent purpose {purpose!r}")


__all__ = ["current", "has_consent", "purposes_of", "with_consent"]
