"""The process clock: the real one, or one that starts at ``TWC_CLOCK_START`` (development and
test only) and advances with real elapsed time.

A pinned start lets a test run real processes (``twc run``, one-shot commands) "at" a chosen
moment, say 00:10 in Berlin, so nothing depends on the time of day the tests happen to run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.settings import Settings

Clock = Callable[[], datetime]

#: When this process started, near enough (``bot.cli`` imports this module first): a pinned
#: clock reads ``TWC_CLOCK_START`` at this instant, however long migrations take afterwards.
PROCESS_ORIGIN = time.monotonic()


def real_now() -> datetime:
    """The real clock (aware UTC)."""
    return datetime.now(UTC)


@cache
def started_at(start: datetime, origin: float = PROCESS_ORIGIN) -> Clock:
    """A clock that read ``start`` at the monotonic instant ``origin`` (by default the start of
    the process) and advances with the monotonic clock.

    Cached, so every part of a process that asks gets the same clock.
    """
    start = start.astimezone(UTC)

    def now() -> datetime:
        return start + timedelta(seconds=time.monotonic() - origin)

    return now


def process_clock(settings: Settings) -> Clock:
    """The clock this process runs on: real, unless ``TWC_CLOCK_START`` pins its start."""
    if settings.clock_start is None:
        return real_now
    return started_at(settings.clock_start)
