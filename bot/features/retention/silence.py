"""When a person was last heard from, the one definition the purge and the warning share.

Her newest ``channel_identities.last_inbound_at``; for someone who never wrote (imported from a
list with consent on paper), her consent or creation time, whichever is later.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ScalarSelect, func, select

from bot.db.tables import identities, people
from bot.db.types import UTCDateTime


def last_inbound() -> ScalarSelect[Any]:
    """Her newest inbound message on any channel (a correlated subquery on ``people``)."""
    return (
        select(func.max(identities.c.last_inbound_at, type_=UTCDateTime()))
        .where(identities.c.person_id == people.c.id)
        .scalar_subquery()
    )


def last_seen(row: Any) -> datetime:
    """From a row with ``last_inbound``, ``consent_given_at`` and ``created_at``."""
    moments: list[datetime] = [
        t for t in (row.last_inbound, row.consent_given_at, row.created_at) if t is not None
    ]
    return max(moments)


def deletion_at(row: Any) -> datetime:
    """When she is deleted for silence unless she writes (the row also has
    ``retention_days``)."""
    return last_seen(row) + timedelta(days=int(row.retention_days))


__all__ = ["deletion_at", "last_inbound", "last_seen"]
