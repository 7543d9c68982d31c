"""Send-rate limits per channel: a total rate, a minimum interval per chat, a rate per group.

Telegram allows a bot about 30 messages a second in total, one a second to one chat and 20 a
minute to one group (its published limits); more earns a 429 with ``retry_after``.  The
dispatcher asks
:meth:`RateLimiter.wait_time` before each send, waits that long, and brackets the send with
:meth:`reserve` / :meth:`release`.

All bookkeeping uses the injected clock, so tests drive it with a frozen clock and no sleeping.
A send counts from the moment its answer came back (:meth:`release`), not from when it left:
the next message then cannot reach the platform less than the interval after the previous one,
however long the network took, so the platform's own sliding windows never see more than the
limit.  Windows are sliding, not fixed buckets, for the same reason.

Bulk sends are *paced* (a token bucket): on average one starts every ``1 / per_second``
seconds, at most ``PACE_BURST_SECONDS`` worth (two at least) back to back to make up for a late
wake-up (a busy machine), instead of a burst that fills the whole window at once and then
leaves it full for the rest of the second.  Slots then free one by one, and a reply (not paced)
takes the next one that frees: 33 ms away at most at 30/s.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

#: How long a sender waits before looking again at a chat another sender is writing to.
BUSY_POLL_SECONDS = 0.05
#: How many seconds' worth of bulk sends may start back to back (catching up, never a flood).
PACE_BURST_SECONDS = 0.1


@dataclass(frozen=True, slots=True)
class Limits:
    """The numbers, as settings give them."""

    per_second: float = 30.0
    """Messages per second in total."""
    chat_interval: float = 1.0
    """Seconds between two messages to one chat."""
    group_per_minute: float = 20.0
    """Messages per minute to one group."""


class _Window:
    """At most ``capacity`` events in any ``span`` seconds (a sliding window)."""

    __slots__ = ("capacity", "span", "times")

    def __init__(self, per_second: float) -> None:
        self.capacity = max(1, math.floor(per_second))
        self.span = self.capacity / per_second
        self.times: deque[list[float]] = deque()

    def wait(self, now: float) -> float:
        while self.times and self.times[0][0] + self.span <= now:
            self.times.popleft()
        if len(self.times) < self.capacity:
            return 0.0
        return self.times[0][0] + self.span - now

    def add(self, now: float) -> list[float]:
        slot = [now]
        self.times.append(slot)
        return slot


def is_group_chat(address: str) -> bool:
    """Telegram group and supergroup chat ids are negative."""
    return address.startswith("-")


class RateLimiter:
    """Limits of one channel.  Not thread-safe: use it from one event loop."""

    def __init__(
        self,
        limits: Limits,
        clock: Callable[[], datetime],
        is_group: Callable[[str], bool] = is_group_chat,
    ) -> None:
        self.limits = limits
        self.clock = clock
        self.is_group = is_group
        self._total = _Window(limits.per_second)
        self._groups: dict[str, _Window] = {}
        self._next_in_chat: dict[str, float] = {}
        self._busy: set[str] = set()
        self._blocked_until = 0.0
        self._burst = max(2.0, limits.per_second * PACE_BURST_SECONDS)
        self._tokens = 1.0
        self._tokens_at: float | None = None

    def _now(self) -> float:
        return self.clock().timestamp()

    def wait_time(self, address: str, paced: bool = False) -> float:
        """Seconds until a message to ``address`` may go (0 if now); ``paced`` for bulk."""
        if address in self._busy:
            return BUSY_POLL_SECONDS
        now = self._now()
        waits = [self.channel_wait(paced, now), self._next_in_chat.get(address, 0.0) - now]
        if self.is_group(address):
            waits.append(self._group(address).wait(now))
        return max(0.0, *waits)

    def channel_wait(self, paced: bool = False, now: float | None = None) -> float:
        """Seconds until any message may go on this channel, whatever the chat.

        The dispatcher asks this once per look at its queue: while it is not 0, no chat's
        turn needs working out.
        """
        now = self._now() if now is None else now
        wait = max(self._blocked_until - now, self._total.wait(now))
        if paced:
            wait = max(wait, (1.0 - self._refill(now)) / self.limits.per_second)
        return max(0.0, wait)

    def reserve(self, address: str, paced: bool = False) -> list[list[float]]:
        """A send to ``address`` starts now; returns the slots :meth:`release` settles."""
        now = self._now()
        if paced:
            self._tokens = self._refill(now) - 1.0
        self._busy.add(address)
        slots = [self._total.add(now)]
        if self.is_group(address):
            slots.append(self._group(address).add(now))
        return slots

    def release(self, address: str, slots: list[list[float]]) -> None:
        """The send to ``address`` has its answer: count it from now."""
        now = self._now()
        for slot in slots:
            slot[0] = now
        self._busy.discard(address)
        self._next_in_chat[address] = now + self.limits.chat_interval
        if len(self._next_in_chat) > 10_000:  # forget chats whose interval is long over
            self._next_in_chat = {a: t for a, t in self._next_in_chat.items() if t > now}
            self._groups = {a: w for a, w in self._groups.items() if w.wait(now) > 0 or w.times}

    def block(self, seconds: float) -> None:
        """The platform said "retry after ``seconds``": send nothing on this channel till then."""
        self._blocked_until = max(self._blocked_until, self._now() + max(0.0, seconds))

    def _refill(self, now: float) -> float:
        """Bulk sends that may start now (the pacing bucket fills at ``per_second``)."""
        if self._tokens_at is not None:
            elapsed = max(0.0, now - self._tokens_at)
            self._tokens = min(self._burst, self._tokens + elapsed * self.limits.per_second)
        self._tokens_at = now
        return self._tokens

    def _group(self, address: str) -> _Window:
        window = self._groups.get(address)
        if window is None:
            window = self._groups[address] = _Window(self.limits.group_per_minute / 60.0)
        return window
