"""Fire one scheduled trigger for many people at once, when its message is the same for all.

A course reminder says the same thing to every participant who reads the same language: the
session's date, time and place, formatted in that language.  Running the flow engine per
person — reading her whole state, decoding it, rendering, encoding it again — costs about
four times what the rows themselves cost, and the sweep must turn 100 000 due reminders into
outbox rows in seconds.  So when
:meth:`conversations.flow_engine.Engine.is_uniform_trigger`
says a trigger's node depends on nothing but her language, the engine runs once per
(trigger values, language) on an empty conversation, and for each person only three rows
are written, in the sweep's transaction:

* the outbox row, a copy of the rendered reply (plus the values a WhatsApp template needs);
* her conversation state, moved to the trigger's node: one read of the batch's states, the
  trigger's values merged into her (encrypted) flow data, one upsert, the visit counted
  up — exactly what the engine's ``goto`` would store;
* (the nudge is marked ``done`` by the sweep, in the same transaction).

Everything the engine checks for a trigger is checked here on the same row, in the same
transaction: nothing is sent to someone who opted out (as a person or on that channel) or who
has not consented to messages.  Anything else about her is not read at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import Connection, bindparam, select

from bot.consent.checks import current
from bot.db.bulk import encode_json
from bot.db.tables import identities, people
from bot.outbox.kinds import kind_and_values
from bot.outbox.rows import BULK_PRIORITY, OutboxRow
from bot.turns.statements import Statements
from conversations.consent import MESSAGES
from conversations.events import Reply, TriggerIn
from conversations.flow_engine import FlowEngine
from conversations.languages import Language
from conversations.model import Context, Profile

if TYPE_CHECKING:
    from bot.turns.service import TurnService


#: Each person with the channel she used last first (the same choice as ``people_by_ids``).
_RECIPIENTS = (
    select(
        people.c.id.label("person_id"),
        people.c.organisation_id,
        people.c.language,
        people.c.display_name,
        people.c.status,
        # Consented to messages, not only to the privacy notice: the bot writes first here.
        (people.c.consent_given_at.is_not(None) & current(MESSAGES, people.c.id)).label(
            "consented"
        ),
        identities.c.id.label("identity_id"),
        identities.c.channel,
        identities.c.status.label("identity_status"),
    )
    .join(identities, identities.c.person_id == people.c.id)
    .where(people.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(people.c.id, identities.c.last_inbound_at.desc().nulls_last(), identities.c.id)
)


class Recipient(NamedTuple):
    """A person as :data:`_RECIPIENTS` reads her."""

    person_id: int
    organisation_id: int
    language: str | None
    display_name: str | None
    status: str
    consented: bool
    identity_id: int
    channel: str
    identity_status: str


Item = tuple[int, TriggerIn, str, int]
"""``(person id, trigger, idempotency key prefix, nudge id)``, as the sweep hands them over."""


@dataclass(slots=True)
class _Rendered:
    """What the engine decided for one (trigger, language), to be copied to each person."""

    flow: str
    node: str
    visit: int
    data: dict[str, Any]
    payloads: tuple[dict[str, Any], ...]
    event: TriggerIn
    kind: str = "nudge"
    by_name: dict[str | None, tuple[str, ...]] = field(default_factory=dict)

    def payloads_for(self, display_name: str | None) -> tuple[str, ...]:
        """The encoded outbox payloads for her: the reply, plus the values a WhatsApp template
        needs (her name among them), encoded once per distinct name."""
        encoded = self.by_name.get(display_name)
        if encoded is None:
            _kind, values = kind_and_values(self.event, Profile(display_name=display_name))
            extra = {"values": values} if values else {}
            encoded = tuple(encode_json({**p, **extra}) for p in self.payloads)
            if len(self.by_name) < 1000:
                self.by_name[display_name] = encoded
        return encoded


def uniform(flow_engine: FlowEngine, event: object) -> bool:
    """Whether ``event`` is a trigger this module may fire for many people at once: its
    message is the same for everyone in every language."""
    if not isinstance(event, TriggerIn) or "." not in event.target:
        return False
    return flow_engine.is_uniform_trigger(event.target)


def fire_uniform(
    service: TurnService, conn: Connection, items: Sequence[Item], now: datetime
) -> None:
    """Write every item's effects in the caller's transaction (see the module docstring)."""
    sql: Statements = service.sql
    ids = sorted({item[0] for item in items})
    if sql.lock_people_by_ids is not None:  # wait for a turn of hers running right now
        conn.execute(sql.lock_people_by_ids, {"ids": ids})
    recipients: dict[int, Any] = {}
    for row in conn.execute(_RECIPIENTS, {"ids": ids}).all():
        recipients.setdefault(row[0], Recipient._make(row))  # see scheduler.due.Claimed
    rendered: dict[tuple[str, int, str, int], _Rendered] = {}
    states: list[dict[str, Any]] = []
    outbox: list[OutboxRow] = []
    for person_id, event, key, _nudge in items:
        found = recipients.get(person_id)
        if found is None or not _may_receive(found):
            continue  # erased, opted out or never consented: the engine would do nothing
        row = found
        organisation = service.organisations.by_id(row.organisation_id)
        language = _language_of(service.flow_engine, row.language, organisation.info)
        # Events of one session and language share their values dict (the courses feature's
        # reminders); equal dicts that are not the same object only cost a second rendering.
        cache_key = (event.target, id(event.values), language.code, organisation.id)

        made = rendered.get(cache_key)
        if made is None:
            made = rendered[cache_key] = _render(
                service.flow_engine, event, language, organisation.info, now
            )
        states.append(
            {
                "person_id": person_id,
                "flow": made.flow,
                "node": made.node,
                "visit": made.visit,
                "data": made.data,
                "updated_at": now,
            }
        )
        for index, payload_json in enumerate(made.payloads_for(row.display_name)):
            outbox.append(
                OutboxRow(
                    idempotency_key=f"{key}:{index}",
                    channel=row.channel,
                    payload=None,
                    payload_json=payload_json,
                    language=made.payloads[index].get("language"),
                    next_attempt_at=now,
                    created_at=now,
                    kind=made.kind,
                    priority=BULK_PRIORITY,
                    person_id=person_id,
                    identity_id=row.identity_id,
                )
            )
    service.bulk.merge_states(conn, states)
    service.outbox.enqueue(conn, outbox)


def _may_receive(row: Any) -> bool:
    """The engine's own test for a trigger: consented, and opted out neither here nor at all."""
    return bool(row.consented and row.status != "opted_out" and row.identity_status != "opted_out")


def _language_of(flow_engine: FlowEngine, code: str | None, organisation: Any) -> Language:
    """Her language as the engine would choose it (hers, the organisation's, the master)."""
    table = flow_engine.languages
    found = table.get(code) or table.get(organisation.default_language) or table.get(table.master)
    assert found is not None
    return found


def _render(
    flow_engine: FlowEngine,
    event: TriggerIn,
    language: Language,
    organisation: Any,
    now: datetime,
) -> _Rendered:
    """Run the engine once, for an empty conversation, in ``language``."""
    profile = Profile(
        language=language.code,
        status="active",
        consent_given_at=now,
        consents=frozenset({MESSAGES}),  # checked per person by _may_receive
    )
    result = flow_engine.handle(None, event, Context(profile, organisation, now))
    assert result.conversation is not None
    unexpected = [e for e in result.effects if not isinstance(e, Reply)]
    if unexpected:  # is_uniform_trigger rules this out; never copy effects blindly
        raise RuntimeError(f"trigger {event.target} has per-person effects: {unexpected}")
    return _Rendered(
        result.conversation.flow,
        result.conversation.node,
        result.conversation.visit,
        result.conversation.data,
        tuple(e.to_payload() for e in result.effects if isinstance(e, Reply)),
        event,
        kind_and_values(event, profile)[0],
    )
