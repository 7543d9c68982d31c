"""How a feature's effects become rows: the contract between the turn writer and features.

The flow engine returns effects as plain data.  The turn writer handles the core ones itself
(replies, profile, consent, opt-out, erasure, timeouts, the inbox) and hands every other effect
to the writer a feature registered for its type.  A writer collects a whole batch of turns and
writes each kind of row with one statement in :meth:`EffectWriter.flush` (in the turn's
transaction), which is what keeps a thousand turns a second possible on SQLite.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection


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


__all__ = ["EffectWriter"]
