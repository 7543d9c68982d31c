"""How a feature's effects become rows: the contract between the turn writer and features.

The flow engine returns effects as plain data.  The turn writer handles the core ones itself
(replies, profile, consent, opt-out, erasure, timeouts, the inbox) and hands every other effect
to the writer a feature registered for its type.  A writer collects a whole batch of turns and
writes each kind of row with one statement in :meth:`EffectWriter.flush` (in the turn's
transaction), which is what keeps a thousand turns a second possible on SQLite.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Connection

from conversations.events import Reply

if TYPE_CHECKING:
    from bot.turns.writer import Target


class EffectWriter(Protocol):
    """Collects one feature's effects for a batch; a new one is made for every batch."""

    handles: tuple[type, ...]
    """The effect types it writes."""

    def collect(self, effect: Any, person_id: int, now: datetime) -> None:
        """Queue the rows one effect stands for."""
        ...

    def forget(self, person_id: int) -> None:
        """She was erased in this batch: drop what was queued for her."""
        ...

    def flush(self, conn: Connection) -> None:
        """Write everything queued (called once per batch, after the people and states)."""
        ...


@dataclass(frozen=True, slots=True)
class HostReply:
    """A message the host writes for an effect: the reply, its outbox kind and values."""

    reply: Reply
    kind: str | None = None
    """The outbox kind (what the dispatcher resolves attachments by); ``None``: the turn's."""
    values: Mapping[str, str] = field(default_factory=dict)
    """Named values stored with the message (read when it is sent)."""


class ReplySource(Protocol):
    """Answers an effect with messages read from the database, in the turn's transaction.

    For what the engine cannot say because it does not hold the data ("my data": her courses,
    answers, requests).  The messages take the effect's place among the turn's replies, so
    they keep their order and go out (or onto the simulator's screen) like any other reply.
    """

    handles: tuple[type, ...]
    """The effect types it answers."""

    def replies(
        self, conn: Connection, effect: Any, target: Target, now: datetime
    ) -> Sequence[HostReply]:
        """The messages that answer ``effect`` for ``target`` (her person and channel)."""
        ...


__all__ = ["EffectWriter", "HostReply", "ReplySource"]
