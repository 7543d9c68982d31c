"""Check-ins and feedback questions as nudge kinds: what the scheduler fires when due."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from bot.features.checkins import housekeeping
from bot.nudges.kinds import Built, ClaimedNudge, NudgeEnv, NudgeKind


def _checkins(conn: Connection, rows: Sequence[ClaimedNudge], _env: NudgeEnv) -> list[Built]:
    built: list[Built] = []
    for row in rows:
        if row.created_at is None:
            built.append(housekeeping.SKIPPED)
        else:
            built.append(housekeeping.checkin_event(conn, row.person_id, row.created_at))
    return built


def _feedback(conn: Connection, rows: Sequence[ClaimedNudge], env: NudgeEnv) -> list[Built]:
    return [
        housekeeping.feedback_event(conn, row.person_id, row.payload, env.languages)
        for row in rows
    ]


CHECKIN = NudgeKind(housekeeping.CHECKIN, build=_checkins, quiet=True, needs_created_at=True)
FEEDBACK = NudgeKind(housekeeping.FEEDBACK, build=_feedback, quiet=True)

__all__ = ["CHECKIN", "FEEDBACK"]
