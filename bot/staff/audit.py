"""Staff administration in ``audit_log``: who created, reset, deactivated whom, and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert

from bot.db.tables import audit


def record(
    conn: Connection, at: datetime, actor: str, action: str, details: dict[str, Any]
) -> None:
    """Append one entry in the caller's transaction (ids only: no passwords, no codes)."""
    conn.execute(insert(audit).values(at=at, actor=actor, action=action, details=details))


__all__ = ["record"]
