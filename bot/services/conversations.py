"""The hot path: one event for one person → the engine → one transaction with all its effects.

``ConversationService.handle_inbound`` is called by every channel adapter;
``ConversationService.fire`` by the scheduler for timeouts and scheduled triggers.  Both load the
person's state, run the pure engine, and write the new state, the outbox rows and every other
effect in the same transaction (the transactional outbox): a crash can lose neither a reply nor
a state change, and a re-delivered inbound message (same channel and id) changes nothing.

It uses SQLAlchemy Core, not the ORM unit of work: measured on this project's machines Core
commits such a transaction about three times as often per second (DESIGN.md §5).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.db.models import (
    ChannelIdentity,
    ConsentRecord,
    ConversationState,
    HumanRequest,
    InboundMessage,
    Nudge,
    Organisation,
    OutboxMessage,
    Person,
)
from bot.domain import HandleOutcome, Inbound
from bot.identity import lookup_key
from conversations.engine import Engine as FlowEngine
from conversations.engine import Result
from conversations.events import (
    Event,
    ForgetPerson,
    OptIn,
    OptOut,
    RecordConsent,
    Reply,
    RequestHuman,
    ScheduleTimeout,
    UpdateProfile,
)
from conversations.model import Context, Conversation, OrganisationInfo, Profile

Clock = Callable[[], datetime]

people = Person.__table__
identities = ChannelIdentity.__table__
states = ConversationState.__table__
outbox = OutboxMessage.__table__
inbound_ids = InboundMessage.__table__
consents = ConsentRecord.__table__
nudges = Nudge.__table__
human_requests = HumanRequest.__table__
organisations = Organisation.__table__

PERSON_COLUMNS = (
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


def _select_by_key() -> Any:
    return (
        select(identities.c.id.label("identity_id"), identities.c.channel, *PERSON_COLUMNS)
        .join(people, people.c.id == identities.c.person_id)
        .outerjoin(states, states.c.person_id == people.c.id)
        .where(identities.c.lookup_key == bindparam("key"))
    )


def _select_by_person() -> Any:
    return (
        select(identities.c.id.label("identity_id"), identities.c.channel, *PERSON_COLUMNS)
        .join(people, people.c.id == identities.c.person_id)
        .outerjoin(states, states.c.person_id == people.c.id)
        .where(people.c.id == bindparam("person_id"))
        .order_by(identities.c.last_inbound_at.desc().nulls_last(), identities.c.id)
        .limit(1)
    )


SELECT_BY_KEY = _select_by_key()
SELECT_BY_PERSON = _select_by_person()


@dataclass(frozen=True, slots=True)
class OrganisationRow:
    """An organisation as the hot path needs it."""

    id: int
    slug: str
    info: OrganisationInfo


class OrganisationCache:
    """Organisations change rarely; reading them per message would be a wasted query."""

    def __init__(self, db: Engine, max_age_seconds: float = 30.0) -> None:
        self._db = db
        self._max_age = max_age_seconds
        self._loaded_at = -1e9
        self._by_id: dict[int, OrganisationRow] = {}
        self._by_slug: dict[str, OrganisationRow] = {}

    def _refresh(self) -> None:
        with self._db.connect() as conn:
            rows = conn.execute(select(organisations)).mappings().all()
        by_id = {}
        for row in rows:
            info = OrganisationInfo(
                name=row["name"],
                timezone=row["timezone"],
                default_language=row["default_language"],
                towns=tuple(row["towns"] or ()),
                privacy_contact=row["privacy_contact"],
                office_hours=row["office_hours"],
            )
            by_id[row["id"]] = OrganisationRow(row["id"], row["slug"], info)
        self._by_id = by_id
        self._by_slug = {org.slug: org for org in by_id.values()}
        self._loaded_at = time.monotonic()

    def _fresh(self) -> None:
        if time.monotonic() - self._loaded_at > self._max_age:
            self._refresh()

    def invalidate(self) -> None:
        """Forget the cache (after the organisations table was changed)."""
        self._loaded_at = -1e9

    def by_id(self, organisation_id: int) -> OrganisationRow:
        """The organisation with this id."""
        self._fresh()
        if organisation_id not in self._by_id:
            self._refresh()
        return self._by_id[organisation_id]

    def by_slug(self, slug: str) -> OrganisationRow | None:
        """The organisation with this slug, or ``None``."""
        self._fresh()
        if slug not in self._by_slug:
            self._refresh()
        return self._by_slug.get(slug)


@dataclass(frozen=True, slots=True)
class _Target:
    """The person a turn is about, and the channel identity replies go to."""

    person_id: int
    identity_id: int
    channel: str
    address: str | None
    organisation: OrganisationRow


class NoOrganisationError(RuntimeError):
    """No organisation exists to enrol a newcomer in (the database has not been set up)."""


class ConversationService:
    """Runs the engine for one event at a time and stores everything it decided, atomically."""

    def __init__(
        self,
        db: Engine,
        flow_engine: FlowEngine,
        secret_key: str,
        default_organisation: str,
        clock: Clock,
    ) -> None:
        self.db = db
        self.flow_engine = flow_engine
        self.secret_key = secret_key
        self.default_organisation = default_organisation
        self.clock = clock
        self.organisations = OrganisationCache(db)
        # SQLite has one writer at a time; queueing writers here is cheaper than letting them
        # collide on the database lock and wait in busy-timeout loops.
        self._write_lock: AbstractContextManager[Any] = (
            threading.Lock() if db.dialect.name == "sqlite" else nullcontext()
        )
        self._insert = postgresql.insert if db.dialect.name == "postgresql" else sqlite.insert

    # ---- entry points ---------------------------------------------------------------------

    def handle_inbound(self, inbound: Inbound) -> HandleOutcome:
        """Process one inbound event exactly once."""
        key = lookup_key(self.secret_key, inbound.channel, inbound.address)
        with self._write_lock, self.db.begin() as conn:
            recorded = conn.execute(
                self._insert(inbound_ids)
                .values(
                    channel=inbound.channel,
                    external_id=inbound.external_id[:128],
                    received_at=inbound.received_at,
                )
                .on_conflict_do_nothing()
                .returning(inbound_ids.c.id)
            ).first()
            if recorded is None:
                return HandleOutcome(duplicate=True)
            row = conn.execute(SELECT_BY_KEY, {"key": key}).mappings().first()
            if row is None:
                target = self._new_person(conn, inbound, key)
                conversation, profile = None, Profile()
            else:
                target = _Target(
                    row["person_id"],
                    row["identity_id"],
                    row["channel"],
                    None,
                    self.organisations.by_id(row["organisation_id"]),
                )
                conversation, profile = _state_of(row)
            context = Context(
                profile=profile,
                organisation=target.organisation.info,
                now=inbound.received_at,
                channel=inbound.channel,
                language_hint=inbound.language_hint,
            )
            result = self.flow_engine.handle(conversation, inbound.event, context)
            return self._apply(
                conn,
                target,
                result,
                inbound.received_at,
                f"{inbound.channel}:{inbound.external_id}",
                inbound=True,
                address=inbound.address,
            )

    def fire(self, person_id: int, event: Event, key: str, kind: str = "nudge") -> HandleOutcome:
        """Run a scheduled event (timeout, reminder) for a person, if she still exists."""
        now = self.clock()
        with self._write_lock, self.db.begin() as conn:
            row = conn.execute(SELECT_BY_PERSON, {"person_id": person_id}).mappings().first()
            if row is None:
                return HandleOutcome()
            target = _Target(
                person_id,
                row["identity_id"],
                row["channel"],
                None,
                self.organisations.by_id(row["organisation_id"]),
            )
            conversation, profile = _state_of(row)
            context = Context(profile, target.organisation.info, now, row["channel"])
            result = self.flow_engine.handle(conversation, event, context)
            return self._apply(conn, target, result, now, key, inbound=False, kind=kind)

    # ---- helpers --------------------------------------------------------------------------

    def _new_person(self, conn: Connection, inbound: Inbound, key: str) -> _Target:
        """Create the minimal record a conversation needs: an id, her channel, her org."""
        organisation = None
        if inbound.organisation_slug:
            organisation = self.organisations.by_slug(inbound.organisation_slug)
        organisation = organisation or self.organisations.by_slug(self.default_organisation)
        if organisation is None:
            raise NoOrganisationError(
                f"organisation {self.default_organisation!r} does not exist: run 'twc demo load' "
                "or create it"
            )
        now = inbound.received_at
        person_id = conn.execute(
            insert(people)
            .values(
                organisation_id=organisation.id,
                role="participant",
                status="new",
                interests=[],
                attend_help=[],
                created_at=now,
                last_inbound_at=now,
            )
            .returning(people.c.id)
        ).scalar_one()
        identity_id = conn.execute(
            insert(identities)
            .values(
                person_id=person_id,
                channel=inbound.channel,
                lookup_key=key,
                address=inbound.address,
                status="ok",
                created_at=now,
                last_inbound_at=now,
            )
            .returning(identities.c.id)
        ).scalar_one()
        return _Target(person_id, identity_id, inbound.channel, inbound.address, organisation)

    def _apply(
        self,
        conn: Connection,
        target: _Target,
        result: Result,
        now: datetime,
        key_prefix: str,
        *,
        inbound: bool,
        address: str | None = None,
        kind: str = "reply",
    ) -> HandleOutcome:
        """Write every effect of the turn; the caller's transaction makes it all-or-nothing."""
        person_changes: dict[str, Any] = {}
        replies: list[Reply] = []
        forget = False
        for effect in result.effects:
            if isinstance(effect, Reply):
                replies.append(effect)
            elif isinstance(effect, UpdateProfile):
                person_changes.update(effect.fields)
            elif isinstance(effect, RecordConsent):
                conn.execute(
                    insert(consents),
                    [
                        {
                            "person_id": target.person_id,
                            "purpose": purpose,
                            "wording_version": effect.wording_version,
                            "language": effect.language,
                            "channel": target.channel,
                            "given_at": now,
                        }
                        for purpose in effect.purposes
                    ],
                )
                person_changes.update(status="active", consent_given_at=now)
            elif isinstance(effect, OptOut):
                person_changes["status"] = "opted_out"
            elif isinstance(effect, OptIn):
                person_changes["status"] = "active"
            elif isinstance(effect, ForgetPerson):
                forget = True
            elif isinstance(effect, RequestHuman):
                conn.execute(
                    insert(human_requests).values(
                        organisation_id=target.organisation.id,
                        person_id=target.person_id,
                        language=effect.language,
                        text=effect.text,
                        status="open",
                        created_at=now,
                    )
                )
            elif isinstance(effect, ScheduleTimeout):
                conn.execute(
                    self._insert(nudges)
                    .values(
                        person_id=target.person_id,
                        kind="timeout",
                        due_at=effect.due_at,
                        payload={"flow": effect.flow, "node": effect.node, "visit": effect.visit},
                        idempotency_key=(
                            f"timeout:{target.person_id}:{effect.flow}.{effect.node}:{effect.visit}"
                        ),
                        status="pending",
                        created_at=now,
                    )
                    .on_conflict_do_nothing()
                )
        if forget:
            # Erase her: the cascade removes identities, consents, state, outbox, nudges.  The
            # goodbye still has to reach her, so it carries the address itself (encrypted) and
            # the dispatcher clears it once sent.
            if address is None:
                address = conn.execute(
                    select(identities.c.address).where(identities.c.id == target.identity_id)
                ).scalar_one()
            conn.execute(delete(people).where(people.c.id == target.person_id))
        else:
            if inbound:
                person_changes["last_inbound_at"] = now
                conn.execute(
                    update(identities)
                    .where(identities.c.id == target.identity_id)
                    .values(last_inbound_at=now)
                )
            if person_changes:
                conn.execute(
                    update(people).where(people.c.id == target.person_id).values(**person_changes)
                )
            self._store_state(conn, target.person_id, result.conversation, now)
        outcome = HandleOutcome(person_id=None if forget else target.person_id)
        if replies:
            rows = [
                {
                    "idempotency_key": f"{key_prefix}:{index}",
                    "person_id": None if forget else target.person_id,
                    "identity_id": None if forget else target.identity_id,
                    "address": address if forget else None,
                    "channel": target.channel,
                    "kind": kind,
                    "priority": 0 if inbound else 5,
                    "payload": reply.to_payload(),
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
                for index, reply in enumerate(replies)
            ]
            ids = conn.execute(insert(outbox).returning(outbox.c.id), rows).scalars().all()
            outcome.outbox_ids = list(ids)
            outcome.replies = [row["payload"] for row in rows]
        return outcome

    def _store_state(
        self, conn: Connection, person_id: int, conversation: Conversation | None, now: datetime
    ) -> None:
        if conversation is None:
            conn.execute(delete(states).where(states.c.person_id == person_id))
            return
        values = {
            "flow": conversation.flow,
            "node": conversation.node,
            "visit": conversation.visit,
            "data": conversation.data,
            "updated_at": now,
        }
        conn.execute(
            self._insert(states)
            .values(person_id=person_id, **values)
            .on_conflict_do_update(index_elements=[states.c.person_id], set_=values)
        )


def _state_of(row: Any) -> tuple[Conversation | None, Profile]:
    """The engine's view of a stored person."""
    profile = Profile(
        language=row["language"],
        display_name=row["display_name"],
        town=row["town"],
        interests=list(row["interests"] or ()),
        attend_help=list(row["attend_help"] or ()),
        status=row["status"],
        consent_given_at=row["consent_given_at"],
    )
    conversation = None
    if row["flow"] is not None:
        conversation = Conversation(
            row["flow"], row["node"], row["visit"], dict(row["data"] or {})
        )
    return conversation, profile
