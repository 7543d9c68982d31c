"""A report's period: two local dates of the organisation, and the presets coordinators use.

A funder asks for "the third quarter": a period is whole days in the organisation's time zone,
``start`` to ``end`` inclusive, and every query compares times with its UTC bounds (midnight
local time at the start, midnight after the end), so a message at 23:30 on 30 September in
Berlin belongs to September even though it is 21:30 UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

#: The presets offered on the page and by ``twc reports summary --preset``.
PRESETS = ("this_month", "last_month", "last_quarter", "this_year", "last_year")
#: The longest period a report covers (a report is read in one go; ten years is plenty).
MAX_DAYS = 3660


class PeriodError(ValueError):
    """Dates that do not make a period; the message says why (shown to staff)."""


@dataclass(frozen=True, slots=True)
class Period:
    """Whole local days ``start`` … ``end`` (both included) in ``timezone``."""

    start: date
    end: date
    timezone: str

    @property
    def starts_at(self) -> datetime:
        """Midnight at the start, local time, as aware UTC."""
        return _midnight(self.start, self.timezone)

    @property
    def ends_before(self) -> datetime:
        """Midnight after the last day, local time, as aware UTC (excluded)."""
        return _midnight(self.end + timedelta(days=1), self.timezone)

    def months(self) -> list[tuple[int, int]]:
        """The (year, month) of every month the period touches, in order."""
        found: list[tuple[int, int]] = []
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            found.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return found

    def local_day(self, moment: datetime) -> date:
        """The local day of ``moment`` in the period's time zone."""
        return moment.astimezone(ZoneInfo(self.timezone)).date()


def _midnight(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def preset(name: str, today: date, timezone: str) -> Period:
    """The period a preset names, seen from ``today`` (local)."""
    if name == "this_month":
        return Period(today.replace(day=1), today, timezone)
    if name == "last_month":
        end = today.replace(day=1) - timedelta(days=1)
        return Period(end.replace(day=1), end, timezone)
    if name == "last_quarter":
        first_month = 3 * ((today.month - 1) // 3) + 1
        end = today.replace(month=first_month, day=1) - timedelta(days=1)
        start = end.replace(month=end.month - 2, day=1)
        return Period(start, end, timezone)
    if name == "this_year":
        return Period(today.replace(month=1, day=1), today, timezone)
    if name == "last_year":
        return Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31), timezone)
    raise PeriodError(f"unknown preset {name!r} (known: {', '.join(PRESETS)})")


def parse_day(value: str) -> date:
    """``2026-10-01`` → a date, or :class:`PeriodError`."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError as error:
        raise PeriodError(f"{value!r}: write the date as YYYY-MM-DD") from error


def between(start: date, end: date, timezone: str) -> Period:
    """The period from ``start`` to ``end``, checked."""
    if end < start:
        raise PeriodError("the end lies before the start")
    if (end - start).days > MAX_DAYS:
        raise PeriodError("the period is longer than ten years")
    return Period(start, end, timezone)


def local_today(now: datetime, timezone: str) -> date:
    """Today in the organisation's time zone."""
    return now.astimezone(ZoneInfo(timezone)).date()


__all__ = [
    "MAX_DAYS",
    "PRESETS",
    "Period",
    "PeriodError",
    "between",
    "local_today",
    "parse_day",
    "preset",
]
