"""The statements that record consents, their wordings and their withdrawal.

Prebuilt once, run by the turn writer once per batch with many parameter sets (as
``bot.turns.statements`` does).  A wording is stored the first time anyone agrees to it:
``ON CONFLICT DO NOTHING`` is SQL text because SQLAlchemy cannot cache its ``on_conflict_*``
constructs; SQLite and PostgreSQL share this syntax.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Connection, bindparam, insert, text, update

from bot.db.tables import consents
from bot.db.types import UTCDateTime

INSERT_CONSENTS = insert(consents)
"""Rows: ``person_id``, ``purpose``, ``wording_version`` (the wording's hash), ``language``,
``channel``, ``given_at``."""

REMEMBER_WORDING = text(
    "INSERT INTO consent_wordings (hash, language, text, first_seen) "
    "VALUES (:hash, :language, :text, :first_seen) "
    "ON CONFLICT (hash, language) DO NOTHING"
).bindparams(bindparam("first_seen", type_=UTCDateTime()))

WITHDRAW = (
    update(consents)
    .where(
        consents.c.person_id == bindparam("p_id"),
        consents.c.purpose == bindparam("w_purpose"),
        consents.c.withdrawn_at.is_(None),
    )
    .values(withdrawn_at=bindparam("w_at"))
)
"""Rows: ``p_id``, ``w_purpose``, ``w_at``: every current record of that purpose ends now."""


def withdraw(conn: Connection, person_id: ColumnElement[int], purpose: str, at: datetime) -> None:
    """End her current records of ``purpose`` at ``at`` (``person_id`` may be a subquery)."""
    conn.execute(
        update(consents)
        .where(
            consents.c.person_id == person_id,
            consents.c.purpose == purpose,
            consents.c.withdrawn_at.is_(None),
        )
        .values(withdrawn_at=at)
    )


__all__ = ["INSERT_CONSENTS", "REMEMBER_WORDING", "WITHDRAW", "withdraw"]
