"""Quiet hours, computed in the organisation's local time.

Everything here is pure: aware UTC in, aware UTC out.  Local wall-clock times are built with
:mod:`zoneinfo` (``datetime.combine(day, time, tz)``) and only then converted to UTC, so a
reminder "the day before at 17:00" stays at 17:00 local time across a daylight-saving change.

The quiet window is ``[start, end)`` local time and may wrap midnight (default 20:00–08:00).
A moment inside it moves to the morning (``end``); if that would be at or after the session
began, it moves to the evening before instead (:data:`EVENING_MARGIN` before ``start``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

#: How long before quiet hours begin an evening-before message goes out.
EVENING_MARGIN = timedelta(minutes=30)


@lru_cache(maxsize=64)
def parse_clock(value: str) -> time:
    """``"20:00"`` → ``time(20, 0)``."""
    hours, minutes = value.strip().split(":")
    return time(int(hours), int(minutes))


def at_local(day: date, clock: time, timezone: str) -> datetime:
    """The aware UTC moment of a local wall-clock time on a local day."""
    return datetime.combine(day, clock, ZoneInfo(timezone)).astimezone(UTC)


def local_day(moment: datetime, timezone: str) -> date:
    """The organisation's calendar day of an aware moment."""
    return moment.astimezone(ZoneInfo(timezone)).date()


def is_quiet(moment: datetime, timezone: str, start: str, end: str) -> bool:
    """Whether ``moment`` falls in the quiet window (local time)."""
    local = moment.astimezone(ZoneInfo(timezone)).time()
    begin, finish = parse_clock(start), parse_clock(end)
    if begin == finish:
        return False
    if begin < finish:
        return begin <= local < finish
    return local >= begin or local < finish


def quiet_window(
    moment: datetime, timezone: str, start: str, end: str
) -> tuple[datetime, datetime]:
    """The quiet window containing ``moment`` (which must be quiet), as aware UTC bounds."""
    local = moment.astimezone(ZoneInfo(timezone))
    begin, finish = parse_clock(start), parse_clock(end)
    day = local.date()
    opened = day if begin < finish or local.time() >= begin else day - timedelta(days=1)
    closes = opened if begin < finish else opened + timedelta(days=1)
    return at_local(opened, begin, timezone), at_local(closes, finish, timezone)


def next_quiet_window(
    moment: datetime, timezone: str, start: str, end: str
) -> tuple[datetime, datetime] | None:
    """The first quiet window that begins after ``moment`` (aware UTC bounds), or ``None``
    when the organisation has no quiet hours."""
    begin = parse_clock(start)
    if begin == parse_clock(end):
        return None
    day = local_day(moment, timezone)
    opens = at_local(day, begin, timezone)
    if opens <= moment:
        opens = at_local(day + timedelta(days=1), begin, timezone)
    return quiet_window(opens, timezone, start, end)


def outside_quiet_hours(
    due: datetime,
    timezone: str,
    start: str,
    end: str,
    deadline: datetime | None = None,
) -> datetime:
    """``due`` moved out of the quiet hours: to the morning, or to the evening before
    when the morning would be at or after ``deadline`` (the session's start)."""
    if not is_quiet(due, timezone, start, end):
        return due
    opened, closes = quiet_window(due, timezone, start, end)
    if deadline is None or closes < deadline:
        return closes
    return opened - EVENING_MARGIN
