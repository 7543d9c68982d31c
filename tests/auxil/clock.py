"""A controllable clock: tests move time forward instead of sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class FrozenClock:
    """Returns the same aware UTC time until told to move."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 30, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move forward by ``timedelta(**delta)``."""
        self.now += timedelta(**delta)
        return self.now
