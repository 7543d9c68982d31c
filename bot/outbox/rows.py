"""The outbox row, and the only code that writes one.

Everything the bot sends is first a row here, written in the same transaction as whatever
decided to send it (a turn, a reminder, a broadcast, a course change, a group greeting): a
crash loses nothing and repeats nothing, because every row has a unique idempotency key.  The
dispatcher (:mod:`bot.outbox.dispatcher`) sends the rows afterwards.

:meth:`Outbox.enqueue` writes any number of rows with one driver call (a batch of turns writes
hundreds at once, so SQLAlchemy's per-row parameter processing is skipped: values are converted
here once).  An address is stored only for a row with no channel identity behind it (a group
chat, someone just erased), and then encrypted.  The payload is always encrypted, and once the
platform has the message only :func:`kept_after_sending` of it stays.  Its language codes
(``language``, a broadcast's ``her_language``) are also stored in the clear, so that a
broadcast's report counts by them in SQL.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from bot.db.bulk import SqlTimes, encode_json
from bot.db.tables import outbox
from bot.db.types import cipher, encrypt_json_text

#: Answers to someone chatting now go first.
REPLY_PRIORITY = 0
#: Reminders, broadcasts, course changes: paced at the channel's rate.
BULK_PRIORITY = 5

#: What a sent message keeps: its buttons (a later press on Telegram is resolved against them)
#: and its language (``twc outbox list``).  Delivery status callbacks read no payload.
KEPT_AFTER_SENDING = ("choices", "language")

#: What a sent broadcast message keeps: its report counts by the text's language and hers.
KEPT_FOR_BROADCAST_REPORT = ("choices", "language", "her_language", "broadcast")

#: Set on a broadcast message whose text its follow-up may send again (to whoever has not read
#: it): such a row keeps its (encrypted) body until the follow-up is done.
FOLLOWUP_MAY_RESEND = "followup_may_resend"

#: Statuses of rows still on their way: their bodies are needed.
ON_THE_WAY = ("pending", "claimed", "sending")


def kept_after_sending(kind: str, payload: dict[str, Any] | None) -> dict[str, Any] | None:
    """The part of a message's payload kept once the platform accepted it.

    The text (her name, her "my data" summary, …) goes.  A broadcast message keeps what its
    report counts by, and its whole body only while its follow-up may still re-send it
    (:data:`FOLLOWUP_MAY_RESEND`; :func:`forget_broadcast_bodies` clears it afterwards).
    """
    if payload is None:
        return None
    if kind == "broadcast":
        if payload.get(FOLLOWUP_MAY_RESEND):
            return payload
        return {k: payload[k] for k in KEPT_FOR_BROADCAST_REPORT if k in payload}
    return {k: payload[k] for k in KEPT_AFTER_SENDING if k in payload}


def forget_broadcast_bodies(conn: Connection, broadcast_id: int) -> int:
    """Clear the bodies of a broadcast's messages that nothing will send (again): after its
    follow-up, and when it is cancelled (withdrawn rows were never sent, so never cleared).

    Rows still on their way keep theirs (the follow-up's own rows carry no
    :data:`FOLLOWUP_MAY_RESEND`, so they lose their bodies when sent).  Returns how many rows
    were cleared.
    """
    kept = []
    for row in conn.execute(
        select(outbox.c.id, outbox.c.payload).where(
            outbox.c.broadcast_id == broadcast_id, outbox.c.status.not_in(ON_THE_WAY)
        )
    ):
        slim = kept_after_sending("broadcast", last_sending(row.payload))
        if slim != row.payload:
            kept.append({"row_id": row.id, "slim": slim})
    if kept:
        conn.execute(
            update(outbox)
            .where(outbox.c.id == bindparam("row_id"))
            .values(payload=bindparam("slim")),
            kept,
        )
    return len(kept)


def last_sending(payload: dict[str, Any] | None) -> dict[str, Any] | None:
    """A broadcast message's payload for its follow-up: nothing will re-send it after that."""
    if payload is None:
        return None
    return {k: v for k, v in payload.items() if k != FOLLOWUP_MAY_RESEND}


@dataclass(slots=True)
class OutboxRow:
    """One message to one person (or group chat), as it waits in the outbox."""

    idempotency_key: str
    """Unique: writing the same message twice stores it once (or fails, if asked to)."""
    channel: str
    payload: dict[str, Any] | None
    """The channel-neutral message (``Reply.to_payload()`` plus template values)."""
    next_attempt_at: datetime
    """When it may go (later than now: held for the end of quiet hours)."""
    created_at: datetime
    kind: str = "reply"
    """``reply`` answers her; anything else is a message the bot starts (WhatsApp needs an
    approved template for those outside its 24-hour window)."""
    priority: int = REPLY_PRIORITY
    person_id: int | None = None
    identity_id: int | None = None
    address: str | None = None
    """Only without an identity: a group chat, or someone erased in this very turn."""
    broadcast_id: int | None = None
    payload_json: str | None = None
    """The payload already encoded, when many rows share it (encoded once)."""
    status: str = "pending"
    """``pending`` for the dispatcher; ``sent`` when a channel that keeps its own transcript
    (the simulator) showed it in the same transaction."""
    sent_at: datetime | None = None
    external_id: str | None = None
    language: str | None = None
    """The message's language, for a row given only ``payload_json`` (otherwise it is read
    from ``payload``): stored in the clear (``outbox.language``) for counts by language."""


class Outbox:
    """Writes outbox rows on one database dialect."""

    def __init__(self, dialect: str) -> None:
        self.sqlite = dialect == "sqlite"
        self._times = SqlTimes(dialect)

        def statement(columns: str, values: str) -> str:
            text = f"INSERT INTO outbox ({columns}) VALUES ({values})"  # noqa: S608 - constants
            return text if self.sqlite else text.replace("?", "%s")

        common = (
            "idempotency_key, person_id, identity_id, channel, address, kind, priority, "
            "payload, attempts, next_attempt_at, created_at, language"
        )
        # The everyday row (pending, no broadcast): fewer parameters for the hottest insert.
        self._plain = statement(
            f"{common}, status", "?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, 'pending'"
        )
        self._full = statement(
            f"{common}, status, broadcast_id, sent_at, external_id, her_language",
            "?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?",
        )

    def enqueue(
        self, conn: Connection, rows: Sequence[OutboxRow], *, skip_existing: bool = False
    ) -> None:
        """Write ``rows`` in the caller's transaction.

        A key that exists already raises (the caller's transaction is rolled back), unless
        ``skip_existing``: then that row is left as it is (a repeated, idempotent write).
        """
        if not rows:
            return
        t = self._times.convert
        cipher_ = cipher()
        plain = all(
            r.status == "pending"
            and r.broadcast_id is None
            and r.sent_at is None
            and r.external_id is None
            for r in rows
        )
        params = [
            (
                r.idempotency_key,
                r.person_id,
                r.identity_id,
                r.channel,
                None if r.address is None else cipher_.encrypt(r.address),
                r.kind,
                r.priority,
                encrypt_json_text(_payload_json(r)),
                t(r.next_attempt_at),
                t(r.created_at),
                r.language or _code(r.payload, "language"),
            )
            + (
                ()
                if plain
                else (
                    r.status,
                    r.broadcast_id,
                    None if r.sent_at is None else t(r.sent_at),
                    r.external_id,
                    _code(r.payload, "her_language"),
                )
            )
            for r in rows
        ]
        statement = self._plain if plain else self._full
        if skip_existing:
            statement += " ON CONFLICT (idempotency_key) DO NOTHING"
        conn.exec_driver_sql(statement, params)


def _code(payload: dict[str, Any] | None, key: str) -> str | None:
    """A language code of the payload (``language``, a broadcast's ``her_language``), if any."""
    found = None if payload is None else payload.get(key)
    return found if isinstance(found, str) else None


def _payload_json(row: OutboxRow) -> str:
    """The row's payload as JSON; a row stored already ``sent`` keeps only what is kept."""
    if row.status != "sent":
        return row.payload_json or encode_json(row.payload)
    payload = row.payload if row.payload_json is None else json.loads(row.payload_json)
    return encode_json(kept_after_sending(row.kind, payload))


def enqueue(conn: Connection, rows: Sequence[OutboxRow], *, skip_existing: bool = False) -> None:
    """:meth:`Outbox.enqueue` on the connection's dialect (for callers without their own)."""
    _outbox_for(conn.dialect.name).enqueue(conn, rows, skip_existing=skip_existing)


_OUTBOXES: dict[str, Outbox] = {}


def _outbox_for(dialect: str) -> Outbox:
    writer = _OUTBOXES.get(dialect)
    if writer is None:
        writer = _OUTBOXES[dialect] = Outbox(dialect)
    return writer


__all__ = [
    "BULK_PRIORITY",
    "FOLLOWUP_MAY_RESEND",
    "KEPT_AFTER_SENDING",
    "KEPT_FOR_BROADCAST_REPORT",
    "REPLY_PRIORITY",
    "Outbox",
    "OutboxRow",
    "enqueue",
    "forget_broadcast_bodies",
    "kept_after_sending",
    "last_sending",
]
