"""Appending to ``audit_log``: who did what, when, and for which organisation.

Every writer of the audit log goes through :func:`record` (or writes the same columns), so
that each entry names the organisation it concerns: that organisation's admins read it on
the audit page (``/staff/audit``).  The log is append-only: nothing in the app edits or
deletes an entry, except that erasing a person removes her id from entries that list people
(:mod:`bot.erasure`), so the log never keeps a link to somebody who asked to be forgotten.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from bot.db.tables import audit, staff_memberships


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


def record_for_staff(
    conn: Connection,
    at: datetime,
    actor: str,
    action: str,
    staff_id: int,
    details: dict[str, Any] | None = None,
) -> None:
    """Append an entry about staff member ``staff_id``'s account (a password reset, a
    deactivation), once for each organisation she belongs to.

    An account is not one organisation's: when she works for two, the admins of both answer
    for it, so each of them finds the change in their own log.  Without a membership the one
    entry is deployment-wide.
    """
    organisation_ids = sorted(
        conn.execute(
            select(staff_memberships.c.organisation_id).where(
                staff_memberships.c.staff_id == staff_id
            )
        ).scalars()
    ) or [None]
    for organisation_id in organisation_ids:
        record(
            conn,
            at,
            actor,
            action,
            {"staff_id": staff_id, **(details or {})},
            organisation_id=organisation_id,
        )


__all__ = ["record", "record_for_staff"]
