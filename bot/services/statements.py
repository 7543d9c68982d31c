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

from bot.db.models import (
    ChannelIdentity,
    ConsentRecord,
    ConversationState,
    HumanRequest,
    InboundMessage,
    Nudge,
    OutboxMessage,
    Person,
)
from bot.db.types import UTCDateTime

people = Person.__table__
identities = ChannelIdentity.__table__
states = ConversationState.__table__
outbox = OutboxMessage.__table__
inbound_ids = InboundMessage.__table__
consents = ConsentRecord.__table__
nudges = Nudge.__table__
human_requests = HumanRequest.__table__

PERSON_COLUMNS = (
    identities.c.id.label("identity_id"),
    identities.c.channel,
    identities.c.lookup_key,
    identities.c.status.label("identity_status"),
    people.c.id.label("person_id"),
    people.c.organisation_id,
    people.c.language,
    people.c.display_name,
    people.c.town,
    people.c.interests,
    people.c.attend_help,
    people.c.status,
    people.c.consent_given_at,
    states.c.flow,
    states.c.node,
    states.c.visit,
    states.c.data,
)


class Statements:
    """The prebuilt statements (one instance per service)."""

    def __init__(self) -> None:
        joined = (
            select(*PERSON_COLUMNS)
            .join(people, people.c.id == identities.c.person_id)
            .outerjoin(states, states.c.person_id == people.c.id)
        )
        self.people_by_keys = joined.where(
            identities.c.lookup_key.in_(bindparam("keys", expanding=True))
        )
        self.person_by_id = (
            joined.where(people.c.id == bindparam("person_id"))
            .order_by(identities.c.last_inbound_at.desc().nulls_last(), identities.c.id)
            .limit(1)
        )
        # Channel first: the unique index is (channel, external_id).
        self.known_inbound = select(inbound_ids.c.external_id).where(
            inbound_ids.c.channel == bindparam("channel"),
            inbound_ids.c.external_id.in_(bindparam("ids", expanding=True)),
        )
        self.insert_person = insert(people).returning(people.c.id)
        self.insert_identity = insert(identities).returning(identities.c.id)
        self.insert_consents = insert(consents)
        self.insert_human_request = insert(human_requests)
        self.insert_nudge = text(
            "INSERT INTO nudges (person_id, kind, due_at, payload, idempotency_key, status, "
            "created_at) VALUES (:person_id, :kind, :due_at, :payload, :idempotency_key, "
            ":status, :created_at) ON CONFLICT DO NOTHING"
        ).bindparams(
            bindparam("due_at", type_=UTCDateTime()),
            bindparam("created_at", type_=UTCDateTime()),
            bindparam("payload", type_=JSON()),
        )
        self.delete_person = delete(people).where(people.c.id == bindparam("p_id"))
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
