"""The core nudge kind: a wait's timeout, resumed as :class:`TimeoutIn` if she has not answered."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from bot.nudges.kinds import Built, ClaimedNudge, NudgeEnv, NudgeKind
from conversations.events import TimeoutIn

SKIPPED = "skipped"


def _timeouts(_conn: Connection, rows: Sequence[ClaimedNudge], _env: NudgeEnv) -> list[Built]:
    built: list[Built] = []
    for row in rows:
        try:
            payload = row.payload
            built.append(
                TimeoutIn(str(payload["flow"]), str(payload["node"]), int(payload["visit"]))
            )
        except (KeyError, TypeError, ValueError):
            built.append(SKIPPED)
    return built


TIMEOUT = NudgeKind("timeout", build=_timeouts)
"""Written by the turn writer for a flow's ``ScheduleTimeout``; answers her own chat, so it
ignores quiet hours and the daily cap."""

__all__ = ["TIMEOUT"]
