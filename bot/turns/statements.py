"""Every statement of the hot path, built once.

Building a statement per call (``insert(t).values(...)``) costs more than executing it on
SQLite; prebuilt statements with bound parameters hit SQLAlchemy's compiled cache, and the
batch writer runs each of them once per batch with many parameter sets.  The ``ON CONFLICT``
statements are SQL text because SQLAlchemy cannot cache its ``on_conflict_*`` constructs; SQLite
and PostgreSQL share this exact syntax.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, bindparam, delete, insert, select, text, update

from bot.consent.checks import purposes_of
from bot.db.tables import (
    activity_days,
    flow_results,
    identities,
    inbound_ids,
    nudges,
    outbox,
    people,
    states,
)
from bot.db.types import EncryptedText, UTCDateTime

PERSON_COLUMNS = (
    identities.c.id.label("identity_id"),
    identities.c.channel,
    identities.c.lookup_key,
    identities.c.status.label("identity_status"),
    identities.c.last_inbound_at,
    people.c.id.label("person_id"),
    people.c.organisation_id,
    people.c.language,
    people.c.display_name,
    people.c.town,
    people.c.interests,
    people.c.attend_help,
    people.c.status,
    people.c.consent_given_at,
    people.c.with_team_since,
    people.c.role,
    states.c.flow,
    states.c.node,
    states.c.visit,
    states.c.data,
)


class Statements:
    """The prebuilt statements (one instance per service)."""

    def __init__(self, dialect: str = "sqlite") -> None:
        joined = (
            select(
                *PERSON_COLUMNS,
                purposes_of(dialect, people.c.id).label("consent_purposes"),
            )
            .join(people, people.c.id == identities.c.person_id)
            .outerjoin(states, states.c.person_id == people.c.id)
        )
        self.people_by_keys = joined.where(
            identities.c.lookup_key.in_(bindparam("keys", expanding=True))
        )
        # Several workers may handle two messages of the same person at once (PostgreSQL
        # only; SQLite has one writer): lock her row first, so the second waits for the
        # first's commit, then read her state in a new statement, which sees that commit.
        self.lock_people_by_keys = None
        if dialect == "postgresql":
            self.lock_people_by_keys = (
                select(people.c.id)
                .join(identities, identities.c.person_id == people.c.id)
                .where(identities.c.lookup_key.in_(bindparam("keys", expanding=True)))
                .order_by(people.c.id)
                .with_for_update(of=people)
            )
        self.person_by_id = (
            joined.where(people.c.id == bindparam("person_id"))
            .order_by(identities.c.last_inbound_at.desc().nulls_last(), identities.c.id)
            .limit(1)
        )
        # Scheduled events for many people at once (scheduler.due): each person's rows with
        # her most recently used channel first.
        self.people_by_ids = joined.where(
            people.c.id.in_(bindparam("ids", expanding=True))
        ).order_by(people.c.id, identities.c.last_inbound_at.desc().nulls_last(), identities.c.id)
        self.lock_people_by_ids = None
        if dialect == "postgresql":
            self.lock_people_by_ids = (
                select(people.c.id)
                .where(people.c.id.in_(bindparam("ids", expanding=True)))
                .order_by(people.c.id)
                .with_for_update()
            )
        # Channel first: the unique index is (channel, external_id).
        self.known_inbound = select(inbound_ids.c.external_id).where(
            inbound_ids.c.channel == bindparam("channel"),
            inbound_ids.c.external_id.in_(bindparam("ids", expanding=True)),
        )
        self.insert_person = insert(people).returning(people.c.id)
        self.insert_identity = insert(identities).returning(identities.c.id)
        # Rows held for her next message (``held``: a team's reply whose template went
        # outside WhatsApp's window): released when she writes on that channel.
        self.release_held = (
            update(outbox)
            .where(
                outbox.c.status == "held",
                outbox.c.identity_id.in_(bindparam("ids", expanding=True)),
            )
            .values(status="pending", next_attempt_at=bindparam("now"))
        )
        self.insert_nudge = text(
            "INSERT INTO nudges (person_id, kind, due_at, payload, idempotency_key, status, "
            "created_at) VALUES (:person_id, :kind, :due_at, :payload, :idempotency_key, "
            ":status, :created_at) ON CONFLICT DO NOTHING"
        ).bindparams(
            bindparam("due_at", type_=UTCDateTime()),
            bindparam("created_at", type_=UTCDateTime()),
            bindparam("payload", type_=JSON()),
        )
        # Courses: her newest answer about a session replaces the older one; a
        # session deleted meanwhile (its row gone) simply records nothing.
        self.upsert_attendance = text(
            "INSERT INTO attendance (session_id, person_id, intention, reason, answered_at) "
            "SELECT :session_id, :person_id, :intention, :reason, :answered_at "
            "WHERE EXISTS (SELECT 1 FROM course_sessions WHERE id = :session_id) "
            "ON CONFLICT (session_id, person_id) DO UPDATE SET intention = excluded.intention, "
            "reason = excluded.reason, answered_at = excluded.answered_at"
        ).bindparams(
            bindparam("answered_at", type_=UTCDateTime()),
            bindparam("reason", type_=EncryptedText()),
        )
        self.record_feedback = text(
            "UPDATE attendance SET feedback = :feedback, feedback_at = :feedback_at "
            "WHERE session_id = :session_id AND person_id = :person_id"
        ).bindparams(bindparam("feedback_at", type_=UTCDateTime()))
        # The days she wrote (reports: "active in the period"); a day already recorded stays.
        self.record_activity = text(
            "INSERT INTO activity_days (person_id, day, organisation_id) "
            "VALUES (:person_id, :day, :organisation_id) ON CONFLICT DO NOTHING"
        ).bindparams(bindparam("day", type_=activity_days.c.day.type))
        self.move_activity = (
            update(activity_days)
            .where(activity_days.c.person_id == bindparam("p_id"))
            .values(organisation_id=bindparam("o_id"))
        )
        self.move_results = (
            update(flow_results)
            .where(flow_results.c.person_id == bindparam("p_id"))
            .values(organisation_id=bindparam("o_id"))
        )
        self.insert_flow_results = insert(flow_results)
        self.address_of = select(identities.c.address).where(identities.c.id == bindparam("i_id"))
        self.finish_nudge = (
            update(nudges).where(nudges.c.id == bindparam("n_id")).values(status="done")
        )
        self.lift_opt_out = (
            update(identities)
            .where(identities.c.id == bindparam("i_id"), identities.c.status == "opted_out")
            .values(status="ok")
        )
        self.delete_state = delete(states).where(states.c.person_id == bindparam("p_id"))
        self._person_updates: dict[tuple[str, ...], Any] = {}

    def update_person(self, columns: tuple[str, ...]) -> Any:
        """``UPDATE people SET <columns>`` for this set of columns (cached per set)."""
        statement = self._person_updates.get(columns)
        if statement is None:
            statement = (
                update(people)
                .where(people.c.id == bindparam("p_id"))
                .values({name: bindparam(f"v_{name}") for name in columns})
            )
            self._person_updates[columns] = statement
        return statement
