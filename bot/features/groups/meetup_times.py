"""Reading the times an organiser types ("12.12. 15:00", "12.12.2026 15 Uhr", Arabic or
Persian digits) and the deadline of the vote.

Only day and month with a time of day are read (the way people write a date in a chat); the
year is the next one that puts the moment in the future.  A time less than an hour ahead, or
more than a year, is refused: there would be no time to vote, or it is a typing mistake.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

_PATTERN = re.compile(
    r"(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.?(?P<year>\d{2,4})?"
    r"[\s,]+(?:um\s*)?(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?"
)
#: The vote closes this long before the earliest time when there is room.
DEADLINE_BEFORE = timedelta(days=2)
SOONEST = timedelta(hours=1)
LATEST = timedelta(days=366)


def _latin(text: str) -> str:
    return "".join(
        str(d) if (d := unicodedata.digit(c, None)) is not None else c for c in text.strip()
    )


def read_time(text: str, now: datetime, timezone: str) -> datetime | None:
    """The moment ``text`` names in the organisation's ``timezone`` (aware UTC), or ``None``
    when it cannot be read or is not between an hour and a year ahead."""
    found = _PATTERN.search(_latin(text))
    if found is None:
        return None
    zone = ZoneInfo(timezone)
    local_now = now.astimezone(zone)
    day, month = int(found["day"]), int(found["month"])
    hour, minute = int(found["hour"]), int(found["minute"] or 0)
    if found["year"]:
        year = int(found["year"])
        year = year + 2000 if year < 100 else year
    else:  # a month before this one is next year's ("5.1." written in December)
        year = local_now.year + (1 if month < local_now.month else 0)
    try:
        moment = datetime(year, month, day, hour, minute, tzinfo=zone).astimezone(UTC)
    except ValueError:
        return None
    return moment if now + SOONEST <= moment <= now + LATEST else None


def deadline_for(earliest: datetime, now: datetime) -> datetime:
    """Two days before the earliest time, or half-way there when that is sooner."""
    deadline = earliest - DEADLINE_BEFORE
    if deadline <= now:
        deadline = now + (earliest - now) / 2
    return deadline


__all__ = ["deadline_for", "read_time"]
