"""The course reminder as a nudge kind: what the scheduler fires when one is due."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from bot.features.courses import reminders
from bot.features.courses.calendar import session_link
from bot.nudges.kinds import Built, ClaimedNudge, NudgeEnv, NudgeKind


class _PersonFacts:
    """A claimed row seen as the person facts ``reminders.reminder_events`` decides by."""

    __slots__ = ("consented", "id", "language", "status")

    def __init__(self, row: ClaimedNudge) -> None:
        self.id = row.person_id
        self.language = row.language
        self.status = row.person_status
        self.consented = row.consented


def _build(conn: Connection, rows: Sequence[ClaimedNudge], env: NudgeEnv) -> list[Built]:
    """The reminders' triggers, each session's texts formatted once per language."""
    return reminders.reminder_events(
        conn,
        [(row.person_id, row.payload) for row in rows],
        env.languages,
        env.now,
        lambda session, language: session_link(env.link_base, env.secret_key, session, language),
        {row.person_id: _PersonFacts(row) for row in rows},
    )


def _session_start(payload: dict[str, Any]) -> datetime | None:
    """After the session began, its reminder is ``missed``, never sent late."""
    try:
        return datetime.fromisoformat(str(payload.get("starts_at")))
    except ValueError:
        return None


REMINDER = NudgeKind(
    reminders.KIND,
    build=_build,
    quiet=True,
    deadline=_session_start,
)

__all__ = ["REMINDER"]
