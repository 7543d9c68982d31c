"""Collects the effects of many turns and writes them with one statement per kind.

A batch of turns (see ``bot.turns.group_commit``) would otherwise cost six to eight
statements each; here every kind of write runs once per batch with many parameter sets, which
is what lets one SQLite process take thousands of messages a second.  Erasing a person is the
exception: it runs at once (it is rare, and later turns in the same batch must see it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from bot.channels.messages import Media
from bot.consent import records as consent_sql
from bot.erasure import Eraser
from bot.outbox.rows import BULK_PRIORITY, REPLY_PRIORITY, Outbox, OutboxRow
from bot.turns.bulk import BulkWriter
from bot.turns.effects import EffectWriter, ReplySource
from bot.turns.inbox import InboxWrites
from bot.turns.organisations import OrganisationRow
from bot.turns.outcome import HandleOutcome
from bot.turns.statements import Statements
from conversations.consent import PROFILE
from conversations.events import (
    AnswerChosen,
    ForgetPerson,
    JoinOrganisation,
    OptIn,
    OptOut,
    RecordConsent,
    Reply,
    RequestHuman,
    ScheduleTimeout,
    UpdateProfile,
    WithdrawConsent,
)
from conversations.flow_engine import Result
from conversations.model import Conversation

ShowReplies = Callable[[Connection, Sequence[tuple[str, dict[str, Any]]]], list[str | None]]
"""Shows ``(address, payload)`` replies on a channel's own transcript in the turn's
transaction; returns each one's id there, if it has one."""


@dataclass(frozen=True, slots=True)
class Target:
    """The person a turn is about, and the channel identity her replies go to."""

    person_id: int
    identity_id: int
    channel: str
    organisation: OrganisationRow
    last_inbound_at: datetime | None = None
    """Her last message on this channel before this batch (``None``: new, or never wrote):
    whether today is already among her activity days."""


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_day(moment: datetime, timezone: str) -> date:
    """The day ``moment`` falls on in the organisation's time zone (activity days are local
    days, so that a report's period means what the coordinator's calendar says)."""
    return moment.astimezone(_zone(timezone)).date()


@dataclass(slots=True)
class _Pending:
    """Writes waiting for the flush, keyed by person where later turns may replace them."""

    consents: list[dict[str, Any]] = field(default_factory=list)
    wordings: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    """The consent wordings seen in this batch, by (hash, language): not personal."""
    withdrawals: list[dict[str, Any]] = field(default_factory=list)
    nudges: list[dict[str, Any]] = field(default_factory=list)
    person_changes: dict[int, dict[str, Any]] = field(default_factory=dict)
    touched: dict[int, tuple[int, datetime]] = field(default_factory=dict)
    states: dict[int, Conversation | None] = field(default_factory=dict)
    state_times: dict[int, datetime] = field(default_factory=dict)
    outbox: list[tuple[OutboxRow, HandleOutcome]] = field(default_factory=list)
    shown: list[tuple[OutboxRow, str]] = field(default_factory=list)
    """Replies shown in this transaction (channels with their own transcript), with the
    address they go to."""
    opted_in: set[int] = field(default_factory=set)
    """Channel identities to lift from ``opted_out`` (she wrote "Start" there)."""
    active: dict[tuple[int, date], int] = field(default_factory=dict)
    """Days she wrote, ``(person, local day) → organisation``: only her first message of the
    day (by her last message's time) adds a row, so most turns add nothing."""
    results: list[dict[str, Any]] = field(default_factory=list)
    """Her answers to flows' choice questions (choice ids), for the reports."""


class TurnWriter:
    """Turns effects into rows; ``flush`` writes them all in the caller's transaction.

    The core effects are written here; every other effect goes to the writer its feature
    registered for the effect's type (``feature_writers``: one new writer per batch).
    """

    def __init__(
        self,
        sql: Statements,
        bulk: BulkWriter,
        outbox: Outbox,
        feature_writers: Sequence[Callable[[], EffectWriter]] = (),
        shown_at_once: Mapping[str, ShowReplies] | None = None,
        eraser: Eraser | None = None,
        on_erase: Callable[[], None] | None = None,
        reply_sources: Sequence[ReplySource] = (),
    ) -> None:
        self.sql = sql
        self.eraser = eraser or Eraser()
        self.on_erase = on_erase
        """Told when someone is erased (the service truncates the WAL after the commit)."""
        self.bulk = bulk
        self.outbox = outbox
        self.shown_at_once = dict(shown_at_once or {})
        """Channels that keep their own transcript (the simulator): the replies of a turn are
        shown in the turn's own transaction and their rows stored ``sent`` — exactly once by
        construction, with no dispatcher round trip."""
        self.pending = _Pending()
        self.inbox = InboxWrites()
        """Her messages to the team (``RequestHuman``): threads, messages, media."""
        self.features = [make() for make in feature_writers]
        self.by_type: dict[type, EffectWriter] = {
            kind: writer for writer in self.features for kind in writer.handles
        }
        self.sources: dict[type, ReplySource] = {
            kind: source for source in reply_sources for kind in source.handles
        }
        """Effects the host answers with messages read from the database ("my data")."""

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
        media: Sequence[Media] = (),
    ) -> HandleOutcome:
        """Queue every effect of one turn; erase at once if the turn erased her.

        ``values`` go into each message's payload for channels that send templates
        (WhatsApp outside its 24-hour window).
        """
        pending = self.pending
        person = target.person_id
        changes: dict[str, Any] = {}
        replies: list[tuple[Reply, str | None, Mapping[str, str]]] = []
        forget = False
        for effect in result.effects:
            if isinstance(effect, Reply):
                replies.append((effect, None, {}))
            elif (source := self.sources.get(type(effect))) is not None:
                replies.extend(
                    (r.reply, r.kind, r.values) for r in source.replies(conn, effect, target, now)
                )
            elif isinstance(effect, UpdateProfile):
                changes.update(effect.fields)
            elif isinstance(effect, RecordConsent):
                self._record_consent(person, target.channel, effect, now)
                if PROFILE in effect.purposes:
                    changes.update(status="active", consent_given_at=now)
            elif isinstance(effect, WithdrawConsent):
                self._withdraw_consent(person, effect, now)
            elif isinstance(effect, OptOut):
                changes["status"] = "opted_out"
            elif isinstance(effect, OptIn):
                changes["status"] = "active"
                pending.opted_in.add(target.identity_id)
            elif isinstance(effect, ForgetPerson):
                forget = True
            elif isinstance(effect, AnswerChosen):
                pending.results.extend(
                    {
                        "organisation_id": target.organisation.id,
                        "person_id": person,
                        "flow": effect.flow,
                        "node": effect.node,
                        "answer": answer,
                        "answered_at": now,
                    }
                    for answer in effect.answers
                )
            elif isinstance(effect, JoinOrganisation):
                # The service has moved the target to the organisation she chose.
                if target.organisation.slug == effect.slug:
                    changes["organisation_id"] = target.organisation.id
            elif isinstance(effect, RequestHuman):
                self.inbox.collect(
                    effect,
                    person,
                    target.organisation.id,
                    target.channel,
                    now,
                    media,
                    key_prefix,
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
            else:
                feature_writer = self.by_type.get(type(effect))
                if feature_writer is None:
                    raise TypeError(f"no writer is registered for {type(effect).__name__}")
                feature_writer.collect(effect, person, now)
        if forget:
            address = (
                address
                or conn.execute(self.sql.address_of, {"i_id": target.identity_id}).scalar_one()
            )
            self._erase(conn, person, address, now)
        else:
            if inbound:
                pending.touched[target.identity_id] = (person, now)
                self._note_active(target, now)
            if changes:
                pending.person_changes.setdefault(person, {}).update(changes)
            pending.states[person] = result.conversation
            pending.state_times[person] = now
        outcome = HandleOutcome(person_id=None if forget else person)
        at_once = inbound and address is not None and target.channel in self.shown_at_once
        for index, (reply, own_kind, own_values) in enumerate(replies):
            merged = {**(values or {}), **own_values}
            payload = {**reply.to_payload(), **({"values": merged} if merged else {})}
            row = OutboxRow(
                idempotency_key=f"{key_prefix}:{index}",
                channel=target.channel,
                payload=payload,
                next_attempt_at=now,
                created_at=now,
                kind=own_kind or kind,
                priority=REPLY_PRIORITY if inbound else BULK_PRIORITY,
                person_id=None if forget else person,
                identity_id=None if forget else target.identity_id,
                address=address if forget else None,
            )
            if at_once:
                assert address is not None
                row.status, row.sent_at = "sent", now
                if forget:  # shown in the API's answer only: her transcript is gone
                    row.address = None
                else:
                    pending.shown.append((row, address))
            pending.outbox.append((row, outcome))
            outcome.replies.append(payload)
        return outcome

    def _note_active(self, target: Target, now: datetime) -> None:
        """Today is one of her activity days, unless her last message was already today."""
        timezone = target.organisation.info.timezone
        day = local_day(now, timezone)
        last = target.last_inbound_at
        if last is not None and last <= now and local_day(last, timezone) == day:
            return  # recorded with that message
        self.pending.active[(target.person_id, day)] = target.organisation.id

    def _record_consent(
        self, person: int, channel: str, effect: RecordConsent, now: datetime
    ) -> None:
        """One record per purpose, tied to the wording's hash; the wording kept once."""
        self.pending.consents.extend(
            {
                "person_id": person,
                "purpose": purpose,
                "wording_version": effect.wording_hash,
                "language": effect.language,
                "channel": channel,
                "given_at": now,
                "withdrawn_at": None,
            }
            for purpose in effect.purposes
        )
        self.pending.wordings.setdefault(
            (effect.wording_hash, effect.language),
            {
                "hash": effect.wording_hash,
                "language": effect.language,
                "text": effect.wording,
                "first_seen": now,
            },
        )

    def _withdraw_consent(self, person: int, effect: WithdrawConsent, now: datetime) -> None:
        """End her stored records of these purposes, and those given earlier in this batch."""
        for record in self.pending.consents:
            if record["person_id"] == person and record["purpose"] in effect.purposes:
                record["withdrawn_at"] = record["withdrawn_at"] or now
        self.pending.withdrawals.extend(
            {"p_id": person, "w_purpose": purpose, "w_at": now} for purpose in effect.purposes
        )

    # ---- erasure ----------------------------------------------------------------------------

    def _erase(self, conn: Connection, person: int, address: str, now: datetime) -> None:
        """Erase her now (:class:`bot.erasure.Eraser`) and drop the writes queued for her.

        Replies already queued for her in this batch stay deliverable: like the goodbye, they
        carry the address itself instead of pointing at rows that no longer exist.  Replies
        that would go on her simulator transcript are not shown there (it was just deleted).
        """
        pending = self.pending
        self.eraser.erase(conn, person, now=now, actor="person", reason="chat")
        if self.on_erase is not None:
            self.on_erase()
        pending.consents = [r for r in pending.consents if r["person_id"] != person]
        pending.withdrawals = [r for r in pending.withdrawals if r["p_id"] != person]
        self.inbox.forget(person)
        pending.nudges = [r for r in pending.nudges if r["person_id"] != person]
        pending.results = [r for r in pending.results if r["person_id"] != person]
        pending.active = {k: o for k, o in pending.active.items() if k[0] != person}
        for feature_writer in self.features:
            feature_writer.forget(person)
        pending.person_changes.pop(person, None)
        pending.states.pop(person, None)
        pending.state_times.pop(person, None)
        pending.touched = {i: t for i, t in pending.touched.items() if t[0] != person}
        pending.shown = [(row, to) for row, to in pending.shown if row.person_id != person]
        for row, _outcome in pending.outbox:
            if row.person_id == person:
                row.person_id, row.identity_id = None, None
                row.address = None if row.status == "sent" else address

    def flush(self, conn: Connection) -> None:
        """Write everything queued, one statement per kind of row."""
        pending, sql = self.pending, self.sql
        # Withdrawals first: they end the stored records only; a record given after them in
        # this batch is inserted afterwards, one given before them carries its withdrawal.
        if pending.withdrawals:
            conn.execute(consent_sql.WITHDRAW, pending.withdrawals)
        if pending.wordings:
            conn.execute(consent_sql.REMEMBER_WORDING, list(pending.wordings.values()))
        if pending.consents:
            conn.execute(consent_sql.INSERT_CONSENTS, pending.consents)
        self.inbox.flush(conn)
        if pending.nudges:
            conn.execute(sql.insert_nudge, pending.nudges)
        by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for person, changes in pending.person_changes.items():
            columns = tuple(sorted(changes))
            by_columns[columns].append(
                {"p_id": person, **{f"v_{name}": changes[name] for name in columns}}
            )
        for columns, rows in by_columns.items():
            conn.execute(sql.update_person(columns), rows)
        if pending.active:
            conn.execute(
                sql.record_activity,
                [
                    {"person_id": person, "day": day, "organisation_id": organisation}
                    for (person, day), organisation in pending.active.items()
                ],
            )
        moved = [
            {"p_id": person, "o_id": changes["organisation_id"]}
            for person, changes in pending.person_changes.items()
            if "organisation_id" in changes
        ]
        if pending.results:
            conn.execute(sql.insert_flow_results, pending.results)
        if moved:  # a newcomer chose where she lives: her days and answers count there
            conn.execute(sql.move_activity, moved)
            conn.execute(sql.move_results, moved)
        if pending.opted_in:
            conn.execute(sql.lift_opt_out, [{"i_id": i} for i in sorted(pending.opted_in)])
        if pending.touched:
            self.bulk.touch_identities(
                conn, {identity: when for identity, (_, when) in pending.touched.items()}
            )
            # She wrote: what waited for her message goes now (a team's reply that reached
            # her outside WhatsApp's 24-hour window as a template, its text held till now).
            conn.execute(
                sql.release_held,
                {
                    "ids": sorted(pending.touched),
                    "now": max(t for _, t in pending.touched.values()),
                },
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
        for feature_writer in self.features:
            feature_writer.flush(conn)
        removed = [{"p_id": p} for p, state in pending.states.items() if state is None]
        if removed:
            conn.execute(sql.delete_state, removed)
        by_channel: dict[str, list[tuple[OutboxRow, str]]] = defaultdict(list)
        for row, to in pending.shown:
            if row.status == "sent":
                by_channel[row.channel].append((row, to))
        for channel, shown in by_channel.items():
            ids = self.shown_at_once[channel](conn, [(to, row.payload or {}) for row, to in shown])
            for (row, _), external_id in zip(shown, ids, strict=True):
                row.external_id = external_id
                row.address = None  # shown: nothing left to send there
        if pending.outbox:
            self.outbox.enqueue(conn, [row for row, _ in pending.outbox])
            for row, outcome in pending.outbox:
                if row.status == "pending":  # shown at once: nothing left to send
                    outcome.outbox_keys.append(row.idempotency_key)
        self.pending = _Pending()
