"""Her answer to "how was the session?": the effect, the flow action, its writer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, text

from bot.db.types import UTCDateTime
from conversations import Turn
from conversations.events import FeatureEffect

FEEDBACK_SCORES = (1, 2, 3, 4)


@dataclass(frozen=True, slots=True)
class RecordFeedback(FeatureEffect):
    """Her answer to "how was the session?": 1 (😞) to 4 (😀)."""

    session_id: int
    score: int


def record_feedback(turn: Turn, args: Mapping[str, Any], _value: Any) -> None:
    """She rated a session she attended (``score`` 1–4 from the flow file; ``v_session``)."""
    session = turn.conversation.data.get("v_session") if turn.conversation else None
    try:
        score = int(args.get("score", 0))
    except (TypeError, ValueError):
        return
    if session is None or score not in FEEDBACK_SCORES:
        return
    turn.effects.append(RecordFeedback(int(session), score))


RECORD_FEEDBACK = text(
    "UPDATE attendance SET feedback = :feedback, feedback_at = :feedback_at "
    "WHERE session_id = :session_id AND person_id = :person_id"
).bindparams(bindparam("feedback_at", type_=UTCDateTime()))


class FeedbackWriter:
    """Writes a batch's feedback scores with one statement."""

    handles: tuple[type, ...] = (RecordFeedback,)

    def __init__(self) -> None:
        self.rows: dict[tuple[int, int], dict[str, Any]] = {}

    def collect(self, effect: RecordFeedback, person_id: int, now: datetime) -> None:
        """Queue her score (a later one in the batch replaces it)."""
        self.rows[(effect.session_id, person_id)] = {
            "session_id": effect.session_id,
            "person_id": person_id,
            "feedback": effect.score,
            "feedback_at": now,
        }

    def forget(self, person_id: int) -> None:
        """Drop what was queued for someone erased in the same batch."""
        self.rows = {key: row for key, row in self.rows.items() if key[1] != person_id}

    def flush(self, conn: Connection) -> None:
        """Write the scores."""
        if self.rows:
            conn.execute(RECORD_FEEDBACK, list(self.rows.values()))
        self.rows = {}


__all__ = ["FeedbackWriter", "RecordFeedback", "record_feedback"]
