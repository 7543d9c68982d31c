"""Her answer to a session reminder: the effect, the flow action that emits it, its writer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, text

from bot.db.types import EncryptedText, UTCDateTime
from conversations import Turn
from conversations.actions import to_team
from conversations.events import FeatureEffect

ATTENDANCE_INTENTIONS = ("coming", "not_coming")
ATTENDANCE_REASONS = ("childcare", "transport", "ill", "other", "skip")
#: Reasons a person of the team can do something about: the answer lands in the inbox.
NEEDS_A_HUMAN = ("childcare", "transport")


@dataclass(frozen=True, slots=True)
class RecordAttendance(FeatureEffect):
    """She said whether she comes to a session (``coming``/``not_coming``) and maybe why not."""

    session_id: int
    intention: str
    reason: str | None = None


def record_attendance(turn: Turn, args: Mapping[str, Any], _value: Any) -> None:
    """She answered a session reminder: ``intention`` and maybe ``reason`` from the flow file.

    The session is the ``v_session`` value the reminder's trigger brought; without one (an old
    button after the state was reset) nothing is recorded.
    """
    session = turn.conversation.data.get("v_session") if turn.conversation else None
    intention = str(args.get("intention", ""))
    reason = args.get("reason")
    if session is None or intention not in ATTENDANCE_INTENTIONS:
        return
    if reason is not None and str(reason) not in ATTENDANCE_REASONS:
        reason = "other"
    turn.effects.append(
        RecordAttendance(int(session), intention, None if reason is None else str(reason))
    )
    if intention == "not_coming" and reason in NEEDS_A_HUMAN:
        to_team(turn, _answer_as_she_saw_it(turn, str(reason)), "not_coming")


def _answer_as_she_saw_it(turn: Turn, reason: str) -> str:
    """What she pressed, in her language, with the session it is about (for the inbox)."""
    assert turn.conversation is not None
    flow, node_id = turn.conversation.flow, turn.conversation.node
    node = turn.engine.node(flow, node_id)
    label = reason
    for choice in node.choices:
        if choice.id == reason:
            label = turn.engine.catalogs.translate(
                turn.language, turn.engine.text(flow, node_id, choice.id, choice.label)
            )
    data = turn.conversation.data
    about = ", ".join(str(data[k]) for k in ("v_course", "v_day", "v_time") if data.get(k))
    return f"{label} ({about})" if about else label


#: Her latest answer per session wins; a session deleted meanwhile records nothing.
UPSERT_ATTENDANCE = text(
    "INSERT INTO attendance (session_id, person_id, intention, reason, answered_at) "
    "SELECT :session_id, :person_id, :intention, :reason, :answered_at "
    "WHERE EXISTS (SELECT 1 FROM course_sessions WHERE id = :session_id) "
    "ON CONFLICT (session_id, person_id) DO UPDATE SET intention = excluded.intention, "
    "reason = excluded.reason, answered_at = excluded.answered_at"
).bindparams(
    bindparam("answered_at", type_=UTCDateTime()),
    bindparam("reason", type_=EncryptedText()),  # "ill" is health data: encrypted at rest
)


class AttendanceWriter:
    """Writes a batch's attendance answers with one statement (a reason refines "can't")."""

    handles: tuple[type, ...] = (RecordAttendance,)

    def __init__(self) -> None:
        self.rows: dict[tuple[int, int], dict[str, Any]] = {}

    def collect(self, effect: RecordAttendance, person_id: int, now: datetime) -> None:
        """Queue her answer (a later one in the batch replaces it)."""
        self.rows[(effect.session_id, person_id)] = {
            "session_id": effect.session_id,
            "person_id": person_id,
            "intention": effect.intention,
            "reason": effect.reason,
            "answered_at": now,
        }

    def forget(self, person_id: int) -> None:
        """Drop what was queued for someone erased in the same batch."""
        self.rows = {key: row for key, row in self.rows.items() if key[1] != person_id}

    def flush(self, conn: Connection) -> None:
        """Write the answers."""
        if self.rows:
            conn.execute(UPSERT_ATTENDANCE, list(self.rows.values()))
        self.rows = {}


__all__ = ["AttendanceWriter", "RecordAttendance", "record_attendance"]
