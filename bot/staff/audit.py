"""Staff administration in ``audit_log``: who created, reset, deactivated whom, and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert

from bot.db.tables import audit


def record(
    conn: Connection,
    at: datetime,
    actor: str,
    action: str,
    details: dict[str, Any],
    organisation_id: int | None = None,
) -> None:
    """Append one entry in the caller's transaction (ids only: no passwords, no codes).

    ``organisation_id`` is the organisation the action concerns: its admins see the entry on
    the audit page (``None``: deployment-wide, seen by nobody there).
    """
    conn.execute(
        insert(audit).values(
            at=at, actor=actor, action=action, details=details, organisation_id=organisation_id
        )
    )


__all__ = ["record"]
