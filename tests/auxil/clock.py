"""Clocks for the tests: a controllable one (tests move time forward instead of sleeping) and
the test run's wall clock, which ``TWC_TEST_NOW`` can pin.

``TWC_TEST_NOW`` (an ISO 8601 moment with its offset, e.g. ``2026-12-07T00:10:00+01:00``) runs
the tests at that moment instead of the real time of day:

* :func:`wall_now`, the "now" of tests that run real processes or real-time runtimes, starts
  there when each test begins and advances with real (monotonic) time;
* every ``twc`` process a test starts (``tests.auxil.processes``) gets ``TWC_CLOCK_START`` =
  :func:`wall_now` at the instant it is started, so the test and the process agree on "now".

:class:`FrozenClock` (the ``clock`` fixture) never reads the real time, so it needs no pinning:
it starts at :data:`DEFAULT_START`, a fixed Monday morning, because the tests that use it tell
dated stories ("a session on 3 December at 10:00, reminded the day before at 17:00") whose
expected times are written for that morning.  A test that needs another moment passes it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

#: The environment variable that pins the test run's "now".
TEST_NOW = "TWC_TEST_NOW"

#: Where a :class:`FrozenClock` starts unless told otherwise (10:00 in Berlin).
DEFAULT_START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def pinned_now() -> datetime | None:
    """``TWC_TEST_NOW`` as aware UTC, or ``None`` when the tests run on the real time."""
    value = os.environ.get(TEST_NOW, "").strip()
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"{TEST_NOW}={value!r} needs an offset, e.g. 2026-12-07T00:10:00+01:00")
    return moment.astimezone(UTC)


class FrozenClock:
    """Returns the same aware UTC time until told to move."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or DEFAULT_START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move forward by ``timedelta(**delta)``."""
        self.now += timedelta(**delta)
        return self.now


_origin = time.monotonic()


def restart_wall_clock() -> None:
    """Make :func:`wall_now` read ``TWC_TEST_NOW`` again (called as each test begins)."""
    global _origin
    _origin = time.monotonic()


def wall_now() -> datetime:
    """The test's "now" for real processes and real-time runtimes (aware UTC): the real time,
    or ``TWC_TEST_NOW`` plus the real time since the test began."""
    pinned = pinned_now()
    if pinned is None:
        return datetime.now(UTC)
    return pinned + timedelta(seconds=time.monotonic() - _origin)


def running_from(start: datetime) -> Callable[[], datetime]:
    """A clock that starts at ``start`` and advances with real (monotonic) time: for a runtime
    whose channels wait in real time (Telegram's one message a second per chat) in a test
    whose story needs a time of day (a weekday morning outside the quiet hours)."""
    origin = time.monotonic()

    def now() -> datetime:
        return start + timedelta(seconds=time.monotonic() - origin)

    return now


class RunningClock:
    """:func:`running_from` that a test can also move forward (a day later, two hours before
    a meetup): real time keeps running in between, so waits on real-time limits still end."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.origin = time.monotonic()
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return self.start + self.offset + timedelta(seconds=time.monotonic() - self.origin)

    def advance(self, **delta: float) -> datetime:
        """Move forward by ``timedelta(**delta)``."""
        self.offset += timedelta(**delta)
        return self()

    def set(self, moment: datetime) -> datetime:
        """Move forward to ``moment`` (never back)."""
        now = self()
        if moment > now:
            self.offset += moment - now
        return self()


def process_clock_environment() -> dict[str, str]:
    """``TWC_CLOCK_START`` for a process started now (empty when the tests run on real time)."""
    if pinned_now() is None:
        return {}
    return {"TWC_CLOCK_START": wall_now().isoformat()}
