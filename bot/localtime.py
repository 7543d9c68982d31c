"""Local wall-clock times of an organisation, in and out: what coordinators type and read.

Everything is stored as aware UTC; people type and read times in their organisation's time
zone.  A wall-clock time that does not exist (skipped by the spring clock change) is refused
rather than silently moved.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

#: How coordinators write and read local times.
LOCAL_FORMAT = "%Y-%m-%d %H:%M"


class LocalTimeError(ValueError):
    """A local time that cannot be used; the message says why."""


def parse_local(value: str, timezone: str) -> datetime:
    """``"2026-12-01 09:00"`` in the organisation's time zone → aware UTC."""
    try:
        naive = datetime.strptime(value.strip(), LOCAL_FORMAT)  # noqa: DTZ007 - zone added below
    except ValueError as error:
        raise LocalTimeError(f"{value!r}: write the time as YYYY-MM-DD HH:MM") from error
    zone = ZoneInfo(timezone)
    local = naive.replace(tzinfo=zone)
    moment = local.astimezone(UTC)
    if moment.astimezone(zone).replace(tzinfo=None) != naive:
        raise LocalTimeError(f"{value!r} does not exist in {timezone} (the clocks change then)")
    return moment


def show_local(moment: datetime, timezone: str) -> str:
    """Aware UTC → ``"2026-12-01 09:00"`` in the organisation's time zone."""
    return moment.astimezone(ZoneInfo(timezone)).strftime(LOCAL_FORMAT)


__all__ = ["LOCAL_FORMAT", "LocalTimeError", "parse_local", "show_local"]
