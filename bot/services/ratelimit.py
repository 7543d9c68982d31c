"""A token bucket: at most ``rate`` sends per second per channel, with short bursts allowed.

The dispatcher takes one token before each send on a limited channel.  When the platform says
we are too fast (Twilio HTTP 429, error 63018) :meth:`TokenBucket.pause` stops the bucket for a
while and the row is retried later.  The clock and the sleep are injected, so tests run it on
a fake monotonic clock without waiting.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

EPSILON = 1e-6


class TokenBucket:
    """``rate`` tokens per second, at most ``burst`` saved up (default: one second's worth)."""

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = float(rate)
        self.capacity = float(burst if burst is not None else max(1.0, rate))
        self.clock = clock
        self.sleep = sleep
        self.tokens = self.capacity
        self.updated = clock()
        self.paused_until = 0.0
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = self.clock()
        if now > self.updated:
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now

    def wait_time(self) -> float:
        """Seconds until a token is free (0: one is free now).  Does not take it."""
        self._refill()
        paused = max(0.0, self.paused_until - self.clock())
        missing = max(0.0, 1.0 - self.tokens) / self.rate
        wait = max(paused, missing)
        return wait if wait > EPSILON else 0.0  # float dust must not cause endless tiny sleeps

    async def acquire(self) -> None:
        """Take one token, sleeping until there is one."""
        async with self._lock:
            while (wait := self.wait_time()) > 0:
                await self.sleep(wait)
            self.tokens = max(0.0, self.tokens - 1.0)

    def pause(self, seconds: float) -> None:
        """The platform asked us to slow down: send nothing for ``seconds``, start empty."""
        self._refill()
        self.paused_until = max(self.paused_until, self.clock() + max(0.0, seconds))
        self.tokens = 0.0
