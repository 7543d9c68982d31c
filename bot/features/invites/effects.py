"""Writes :class:`JoinByInvite`: she consented after arriving with an invite code (or opened
one while signed up): the code's course enrols her, a mentor invite makes her a mentor."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from bot.features.invites.service import ENROL_BY_CODE, ROLE_BY_CODE
from conversations.events import JoinByInvite


class InviteEnrolmentWriter:
    """Enrols everyone of a batch who joined by a course's invite code, and makes mentors of
    those who opened a mentor invite: one statement each."""

    handles: tuple[type, ...] = (JoinByInvite,)

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def collect(self, effect: JoinByInvite, person_id: int, now: datetime) -> None:
        """Queue her enrolment in the code's course (nothing for an unknown code)."""
        self.rows.append({"person_id": person_id, "code": effect.code, "created_at": now})

    def forget(self, person_id: int) -> None:
        """Drop what was queued for someone erased in the same batch."""
        self.rows = [row for row in self.rows if row["person_id"] != person_id]

    def flush(self, conn: Connection) -> None:
        """Write the enrolments."""
        if self.rows:
            conn.execute(ENROL_BY_CODE, self.rows)
            conn.execute(
                ROLE_BY_CODE, [{k: r[k] for k in ("person_id", "code")} for r in self.rows]
            )
        self.rows = []
