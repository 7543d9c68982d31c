"""What handling one event produced, for the channel that handed it in."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class HandleOutcome:
    """What handling one inbound event produced."""

    duplicate: bool = False
    dropped: bool = False
    """Not handled at all: the sender is over her flood limit (``bot.inbound.flood``)."""
    person_id: int | None = None
    outbox_keys: list[str] = field(default_factory=list)
    """Idempotency keys of the outbox rows it queued (to send them at once, if wanted)."""
    replies: list[dict[str, Any]] = field(default_factory=list)
