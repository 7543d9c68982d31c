"""Flood protection: a token bucket per sender, checked before any database work.

One WhatsApp number sending a thousand messages in a few seconds used to get (and cost, Twilio
bills every message) a reply to each, and slowed everyone else's replies from milliseconds to
seconds.  Now every person's messages pass a token bucket keyed by her channel and address, in
memory, before anything is read or written:

* ``burst`` messages may come at once (forwarding a few messages, typing in short lines), then
  one every ``refill_seconds`` on average.  A person who writes by hand never reaches it.
* The first message beyond it is answered with one friendly "you are writing very fast; I will
  read your next message in a minute" in her language (:class:`conversations.events.TooFastIn`
  stands for her message; the flow engine says the text and changes nothing else).
* For :data:`PAUSE_SECONDS` after that, everything she sends is dropped: not stored, not
  processed, not answered, so it costs nothing but this check.  The text asks her to send again
  what she needs, and gives the emergency number.  Then her bucket is full again.
* One exception: someone writing that fast may be in danger.  Her first request to talk to a
  person (``urgent``: the "human" command in any language) beyond the limit is still read, once
  per pause, never as the message that gets the slow-down text instead.
* A re-delivery of a dropped message (same platform id) is dropped again, also after the pause,
  and never touches her bucket: she was asked to write again, so an old copy would come late
  and twice.

The state lives in this process's memory only (a second worker keeps its own buckets; sharing
limits across workers is a later issue).  It holds at most ``max_senders`` senders; idle ones
(bucket full, no pause) are forgotten as new ones arrive.  Tests drive it with the runtime's
controllable clock, hence our own small bucket and not a library that reads the real time.
Called on the event loop only (no lock needed).
"""

from __future__ import annotations

import enum
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.channels.messages import Inbound

Clock = Callable[[], datetime]

EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
"""Seconds are counted from here (small numbers: sums of fractions stay exact enough)."""

#: How long she is not read after the slow-down text; the text itself says "in a minute".
PAUSE_SECONDS = 60.0
#: Rounding slack when counting tokens (a refill of exactly one message must count as one).
EPSILON = 1e-9
#: How many dropped message ids are remembered (to drop their re-deliveries too).
REMEMBERED_DROPS = 10_000


class Verdict(enum.Enum):
    """What to do with one inbound message."""

    HANDLE = "handle"
    """Within her limit: handle it as usual."""
    SLOW_DOWN = "slow_down"
    """The first message over her limit: answer the slow-down text instead, once."""
    DROP = "drop"
    """She is paused: drop it (not stored, not processed, not answered)."""


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float
    paused_until: float | None = None
    urgent_read: bool = False
    """A request for a person was read beyond the limit (once until she is within it again)."""


class FloodGuard:
    """Token buckets per (channel, address), with a pause after the first overflow."""

    def __init__(
        self,
        burst: int,
        refill_seconds: float,
        clock: Clock,
        pause_seconds: float = PAUSE_SECONDS,
        max_senders: int = 100_000,
        urgent: Callable[[Inbound], bool] = lambda _inbound: False,
    ) -> None:
        self.burst = burst
        """Messages at once; 0 turns the guard off."""
        self.refill_seconds = refill_seconds
        """Seconds per message sustained."""
        self.pause_seconds = pause_seconds
        self.clock = clock
        self.max_senders = max_senders
        self.urgent = urgent
        """Whether a message asks for a person (read beyond the limit once, see above)."""
        self.dropped = 0
        """Messages dropped since start (for operators; no addresses kept)."""
        self.slowed = 0
        """Slow-down texts sent since start."""
        self._buckets: OrderedDict[tuple[str, str], _Bucket] = OrderedDict()
        self._dropped_ids: OrderedDict[tuple[str, str], None] = OrderedDict()

    @property
    def enabled(self) -> bool:
        """Whether the guard limits anything at all."""
        return self.burst > 0

    @property
    def senders(self) -> int:
        """How many senders it keeps a bucket for now (memory is bounded by ``max_senders``)."""
        return len(self._buckets)

    def check(self, inbound: Inbound) -> Verdict:
        """Count one message of hers and say what to do with it."""
        if not self.enabled:
            return Verdict.HANDLE
        message = (inbound.channel, inbound.external_id)
        if message in self._dropped_ids:
            self.dropped += 1
            return Verdict.DROP
        now = (self.clock() - EPOCH).total_seconds()  # exact to the microsecond
        sender = (inbound.channel, inbound.address)
        bucket = self._bucket(sender, now)
        if bucket.paused_until is not None:
            if now < bucket.paused_until:
                if self._read_urgent(bucket, inbound):
                    return Verdict.HANDLE
                self._drop(message)
                return Verdict.DROP
            bucket.paused_until = None
            bucket.tokens, bucket.at = float(self.burst), now
        refilled = bucket.tokens + (now - bucket.at) / self.refill_seconds
        bucket.tokens = min(float(self.burst), refilled)
        bucket.at = now
        if bucket.tokens >= 1.0 - EPSILON:
            bucket.tokens = max(0.0, bucket.tokens - 1.0)
            bucket.urgent_read = False
            return Verdict.HANDLE
        if self._read_urgent(bucket, inbound):
            return Verdict.HANDLE
        bucket.paused_until = now + self.pause_seconds
        self.slowed += 1
        return Verdict.SLOW_DOWN

    def _read_urgent(self, bucket: _Bucket, inbound: Inbound) -> bool:
        """Whether to read this message beyond the limit: her first request for a person."""
        if bucket.urgent_read or not self.urgent(inbound):
            return False
        bucket.urgent_read = True
        return True

    def _bucket(self, sender: tuple[str, str], now: float) -> _Bucket:
        bucket = self._buckets.get(sender)
        if bucket is not None:
            self._buckets.move_to_end(sender)
            return bucket
        self._forget_idle(now)
        bucket = self._buckets[sender] = _Bucket(float(self.burst), now)
        return bucket

    def _forget_idle(self, now: float) -> None:
        """Drop the least recently seen senders whose bucket is full again (they are the same
        as unknown), and the oldest beyond ``max_senders`` whatever their state."""
        while self._buckets:
            sender, oldest = next(iter(self._buckets.items()))
            refilled = (
                oldest.tokens + (now - oldest.at) / self.refill_seconds >= self.burst - EPSILON
            )
            idle = refilled and (oldest.paused_until is None or oldest.paused_until <= now)
            if not idle and len(self._buckets) < self.max_senders:
                return
            del self._buckets[sender]

    def _drop(self, message: tuple[str, str]) -> None:
        self.dropped += 1
        self._dropped_ids[message] = None
        if len(self._dropped_ids) > REMEMBERED_DROPS:
            self._dropped_ids.popitem(last=False)


__all__ = ["PAUSE_SECONDS", "FloodGuard", "Verdict"]
