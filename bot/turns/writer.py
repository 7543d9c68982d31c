"""Collects the effects of many turns and writes them with one statement per kind.

A batch of turns (see ``bot.turns.group_commit``) would otherwise cost six to eight
statements each; here every kind of write runs once per batch with many parameter sets, which
is what lets one SQLite process take thousands of messages a second.  Erasing a person is the
exception: it runs at once (it is rare, and later turns in the same batch must see it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from bot.channels.messages import HandleOutcome
from bot.features.invites.service import ENROL_BY_CODE
from bot.turns.bulk import BulkWriter
from bot.turns.organisations import OrganisationRow
from bot.turns.statements import Statements
from conversations.events import (
    ForgetPerson,
    JoinByInvite,
    OptIn,
    OptOut,
    RecordAttendance,
    RecordConsent,
    RecordFeedback,
    Reply,
    RequestHuman,
    ScheduleTimeout,
    UpdateProfile,
)
from conversations.flow_engine import Result
from conversations.model import Conversation


@dataclass(frozen=True, slots=True)
class Target:
    """The person a turn is about, and the channel identity her replies go to."""

    person_id: int
    identity_id: int
    channel: str
    organisation: OrganisationRow


@dataclass(slots=True)
class _Pending:
    """Writes waiting for the flush, keyed by person where later turns may replace them."""

    consents: list[dict[str, Any]] = field(default_factory=list)
    human_requests: list[dict[str, Any]] = field(default_factory=list)
    nudges: list[dict[str, Any]] = field(default_factory=list)
    person_changes: dict[int, dict[str, Any]] = field(default_factory=dict)
    touched: dict[int, tuple[int, datetime]] = field(default_factory=dict)
    states: dict[int, Conversation | None] = field(default_factory=dict)
    state_times: dict[int, datetime] = field(default_factory=dict)
    outbox: list[tuple[dict[str, Any], HandleOutcome]] = field(default_factory=list)
    attendance: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    enrolments: list[dict[str, Any]] = field(default_factory=list)  # JoinByInvite
    opted_in: set[int] = field(default_factory=set)
    """Channel identities to lift from ``opted_out`` (she wrote "Start" there)."""
    feedback: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)


class TurnWriter:
    """Turns effects into rows; ``flush`` writes them all in the caller's transaction."""

    def __init__(self, sql: Statements, bulk: BulkWriter) -> None:
        self.sql = sql
        self.bulk = bulk
        self.pending = _Pending()

    def collect(
        self,
        conn: Connection,
        target: Target,
        result: Result,
        now: datetime,
        key_prefix: str,
        *,
        inbound: bool,
        address: str | None = None,
        kind: str = "reply",
        values: Mapping[str, str] | None = None,
    ) -> HandleOutcome:
        """Queue every effect of one turn; erase at once if the turn erased her.

        ``values`` go into each message's payload for channels that send templates
        (WhatsApp outside its 24-hour window).
        """
        pending = self.pending
        person = target.person_id
        changes: dict[str, Any] = {}
        replies: list[Reply] = []
        forget = False
        for effect in result.effects:
            if isinstance(effect, Reply):
                replies.append(effect)
            elif isinstance(effect, UpdateProfile):
                changes.update(effect.fields)
            elif isinstance(effect, RecordConsent):
                pending.consents.extend(
                    {
                        "person_id": person,
                        "purpose": purpose,
                        "wording_version": effect.wording_version,
                        "language": effect.language,
                        "channel": target.channel,
                        "given_at": now,
                    }
                    for purpose in effect.purposes
                )
                changes.update(status="active", consent_given_at=now)
            elif isinstance(effect, OptOut):
                changes["status"] = "opted_out"
            elif isinstance(effect, OptIn):
                changes["status"] = "active"
                pending.opted_in.add(target.identity_id)
            elif isinstance(effect, ForgetPerson):
                forget = True
            elif isinstance(effect, RequestHuman):
                pending.human_requests.append(
                    {
                        "organisation_id": target.organisation.id,
                        "person_id": person,
                        "language": effect.language,
                        "text": effect.text,
                        "status": "open",
                        "created_at": now,
                    }
                )
            elif isinstance(effect, JoinByInvite):
                pending.enrolments.append(
                    {"person_id": person, "code": effect.code, "created_at": now}
                )
            elif isinstance(effect, ScheduleTimeout):
                pending.nudges.append(
                    {
                        "person_id": person,
                        "kind": "timeout",
                        "due_at": effect.due_at,
                        "payload": {
                            "flow": effect.flow,
                            "node": effect.node,
                            "visit": effect.visit,
                        },
                        "idempotency_key": (
                            f"timeout:{person}:{effect.flow}.{effect.node}:{effect.visit}"
                        ),
                        "status": "pending",
                        "created_at": now,
                    }
                )
            elif isinstance(effect, RecordAttendance):
                self._collect_attendance(person, effect, now)
            elif isinstance(effect, RecordFeedback):
                self.pending.feedback[(effect.session_id, person)] = {
                    "session_id": effect.session_id,
                    "person_id": person,
                    "feedback": effect.score,
                    "feedback_at": now,
                }
        if forget:
            address = (
                address
                or conn.execute(self.sql.address_of, {"i_id": target.identity_id}).scalar_one()
            )
            self._erase(conn, person, address)
        else:
            if inbound:
                pending.touched[target.identity_id] = (person, now)
            if changes:
                pending.person_changes.setdefault(person, {}).update(changes)
            pending.states[person] = result.conversation
            pending.state_times[person] = now
        outcome = HandleOutcome(person_id=None if forget else person)
        for index, reply in enumerate(replies):
            row = {
                "idempotency_key": f"{key_prefix}:{index}",
                "person_id": None if forget else person,
                "identity_id": None if forget else target.identity_id,
                "address": address if forget else None,
                "channel": target.channel,
                "kind": kind,
                "priority": 0 if inbound else 5,
                "payload": {**reply.to_payload(), **({"values": dict(values)} if values else {})},
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            pending.outbox.append((row, outcome))
            outcome.replies.append(row["payload"])
        return outcome

    # ---- courses: attendance (issue 5) ----------------------------------------------------

    def _collect_attendance(self, person: int, effect: RecordAttendance, now: datetime) -> None:
        """Her latest answer per session wins (a reason refines "can't come")."""
        self.pending.attendance[(effect.session_id, person)] = {
            "session_id": effect.session_id,
            "person_id": person,
            "intention": effect.intention,
            "reason": effect.reason,
            "answered_at": now,
        }

    def _flush_attendance(self, conn: Connection) -> None:
        rows = list(self.pending.attendance.values())
        if rows:
            conn.execute(self.sql.upsert_attendance, rows)
        if self.pending.feedback:
            conn.execute(self.sql.record_feedback, list(self.pending.feedback.values()))

    # ---- erasure ----------------------------------------------------------------------------

    def _erase(self, conn: Connection, person: int, address: str) -> None:
        """Delete her now (the cascade removes everything about her) and drop queued writes.

        Replies already queued for her in this batch stay deliverable: like the goodbye, they
        carry the address itself instead of pointing at rows that no longer exist.
        """
        pending = self.pending
        conn.execute(self.sql.delete_person, {"p_id": person})
        pending.consents = [r for r in pending.consents if r["person_id"] != person]
        pending.human_requests = [r for r in pending.human_requests if r["person_id"] != person]
        pending.nudges = [r for r in pending.nudges if r["person_id"] != person]
        pending.attendance = {k: r for k, r in pending.attendance.items() if k[1] != person}
        pending.enrolments = [r for r in pending.enrolments if r["person_id"] != person]
        pending.feedback = {k: r for k, r in pending.feedback.items() if k[1] != person}
        pending.person_changes.pop(person, None)
        pending.states.pop(person, None)
        pending.state_times.pop(person, None)
        pending.touched = {i: t for i, t in pending.touched.items() if t[0] != person}
        for row, _outcome in pending.outbox:
            if row["person_id"] == person:
                row.update(person_id=None, identity_id=None, address=address)

    def flush(self, conn: Connection) -> None:
        """Write everything queued, one statement per kind of row."""
        pending, sql = self.pending, self.sql
        if pending.consents:
            conn.execute(sql.insert_consents, pending.consents)
        if pending.human_requests:
            conn.execute(sql.insert_human_request, pending.human_requests)
        if pending.nudges:
            conn.execute(sql.insert_nudge, pending.nudges)
        self._flush_attendance(conn)
        by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for person, changes in pending.person_changes.items():
            columns = tuple(sorted(changes))
            by_columns[columns].append(
                {"p_id": person, **{f"v_{name}": changes[name] for name in columns}}
            )
        for columns, rows in by_columns.items():
            conn.execute(sql.update_person(columns), rows)
        if pending.opted_in:
            conn.execute(sql.lift_opt_out, [{"i_id": i} for i in sorted(pending.opted_in)])
        if pending.touched:
            self.bulk.touch_identities(
                conn, {identity: when for identity, (_, when) in pending.touched.items()}
            )
        upserts = [
            {
                "person_id": person,
                "flow": state.flow,
                "node": state.node,
                "visit": state.visit,
                "data": state.data,
                "updated_at": pending.state_times[person],
            }
            for person, state in pending.states.items()
            if state is not None
        ]
        if upserts:
            self.bulk.upsert_states(conn, upserts)
        if pending.enrolments:
            conn.execute(ENROL_BY_CODE, pending.enrolments)
        removed = [{"p_id": p} for p, state in pending.states.items() if state is None]
        if removed:
            conn.execute(sql.delete_state, removed)
        if pending.outbox:
            rows = [row for row, _ in pending.outbox]
            self.bulk.insert_outbox(conn, rows)
            for row, outcome in pending.outbox:
                outcome.outbox_keys.append(row["idempotency_key"])
        self.pending = _Pending()
