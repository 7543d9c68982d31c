"""When an organisation's staff are in the office: parsed, checked, asked and shown.

Pure (no I/O, no clock of its own), so the flow engine can say "we read your message from
Monday 9:00" in her language, and the command line and the staff web app can share it.

Three forms of the same week:

* the **plain syntax** coordinators type: ``"mon-fri 09:00-13:00; thu 14:00-17:00"`` (days
  ``mon``…``sun``, ranges ``mon-fri`` that may wrap ``fri-mon``, lists ``mon,wed``, several
  intervals ``mon 9-12, 14-16``; an empty text clears them);
* the **stored JSON** (``organisations.opening_hours``): ``{"mon": [["09:00", "13:00"]], …}``
  in the organisation's time zone;
* :class:`WeeklyHours`, minutes since midnight per weekday, what the code works with.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime, format_interval, get_day_names
from babel.lists import format_list

#: Weekdays as stored, Monday first (``datetime.weekday()`` order).
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60

_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?$")

Interval = tuple[int, int]
"""Minutes since midnight: ``(start, end)``, ``start < end <= 1440``."""


class HoursError(ValueError):
    """Opening hours that cannot be read; the message says what is wrong, in one line."""


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """The office hours of one week: per weekday (Monday first) its sorted intervals."""

    days: tuple[tuple[Interval, ...], ...] = ((),) * 7

    def __bool__(self) -> bool:
        return any(self.days)

    # ---- the three forms -------------------------------------------------------------------

    @classmethod
    def parse(cls, text: str) -> WeeklyHours:
        """Read the plain syntax (``HoursError`` with a one-line reason)."""
        days: list[list[Interval]] = [[] for _ in DAYS]
        for part in text.replace("\n", ";").split(";"):
            part = part.strip()
            if not part:
                continue
            pieces = part.split(None, 1)
            if len(pieces) != 2:
                raise HoursError(f"{part!r}: write days, then times, e.g. 'mon-fri 09:00-13:00'")
            day_spec, times = pieces
            wanted = _days_of(day_spec)
            intervals = [_interval(t) for t in re.split(r"[,\s]+", times.strip()) if t]
            for day in wanted:
                days[day].extend(intervals)
        return cls._checked(days)

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> WeeklyHours:
        """The stored form (``HoursError`` when it is not the shape this module writes)."""
        days: list[list[Interval]] = [[] for _ in DAYS]
        for key, intervals in (data or {}).items():
            if key not in DAYS:
                raise HoursError(f"unknown day {key!r} (use {', '.join(DAYS)})")
            if not isinstance(intervals, list | tuple):
                raise HoursError(f"{key}: a list of [start, end] pairs is needed")
            for pair in intervals:
                if not isinstance(pair, list | tuple) or len(pair) != 2:
                    raise HoursError(f"{key}: {pair!r} is not a [start, end] pair")
                days[DAYS.index(key)].append(_interval(f"{pair[0]}-{pair[1]}"))
        return cls._checked(days)

    def to_json(self) -> dict[str, list[list[str]]]:
        """The stored form: only the days with hours, times as ``HH:MM``."""
        return {
            DAYS[index]: [[_clock(start), _clock(end)] for start, end in intervals]
            for index, intervals in enumerate(self.days)
            if intervals
        }

    def spec(self) -> str:
        """The plain syntax again (days with the same interval grouped into ranges)."""
        parts = []
        for interval, days in _grouped(self):
            times = f"{_clock(interval[0])}-{_clock(interval[1])}"
            parts.append(f"{_day_ranges(days, DAYS, '-', ',')} {times}")
        return "; ".join(parts)

    @classmethod
    def _checked(cls, days: list[list[Interval]]) -> WeeklyHours:
        for index, intervals in enumerate(days):
            intervals.sort()
            for (_, end), (start, _) in itertools.pairwise(intervals):
                if start < end:
                    raise HoursError(f"{DAYS[index]}: the times overlap")
        return cls(tuple(tuple(intervals) for intervals in days))

    # ---- questions -------------------------------------------------------------------------

    def is_open(self, timezone: str, now: datetime) -> bool:
        """Whether ``now`` (aware) falls into the hours, read in the organisation's zone."""
        local = now.astimezone(ZoneInfo(timezone))
        minute = local.hour * 60 + local.minute
        return any(start <= minute < end for start, end in self.days[local.weekday()])

    def next_opening(self, timezone: str, now: datetime) -> datetime | None:
        """The next moment the office opens after ``now`` (aware, in the organisation's zone);
        ``None`` when there are no hours at all.  While open: the next opening after this one.
        """
        if not self:
            return None
        zone = ZoneInfo(timezone)
        local = now.astimezone(zone)
        for offset in range(8):
            day = local.date() + timedelta(days=offset)
            for start, _end in self.days[day.weekday()]:
                moment = _at(day, start, zone)
                if moment > local:
                    return moment
        return None  # pragma: no cover - a week with hours always opens within eight days


def is_open(hours: WeeklyHours, timezone: str, now: datetime) -> bool:
    """Whether the office is open at ``now`` (see :meth:`WeeklyHours.is_open`)."""
    return hours.is_open(timezone, now)


def next_opening(hours: WeeklyHours, timezone: str, now: datetime) -> datetime | None:
    """When the office opens next (see :meth:`WeeklyHours.next_opening`)."""
    return hours.next_opening(timezone, now)


# ---- shown to people --------------------------------------------------------------------------


def format_hours(hours: WeeklyHours, locale: Locale | str) -> str:
    """The week as people of this locale write it: ``Mo–Fr 09:00–13:00 Uhr und Do 14:00–…``.

    Days with the same interval are grouped (a run of days as a range); day names and times
    come from CLDR (Babel), so Arabic, Persian or Greek read naturally.
    """
    locale = Locale.parse(locale)
    names = tuple(get_day_names("abbreviated", "stand-alone", locale=locale)[i] for i in range(7))
    parts = []
    for (start, end), days in _grouped(hours):
        clock = format_interval(_time(start), _time(end), "Hm", locale=locale)
        parts.append(f"{_day_ranges(days, names, '–', ', ')} {clock}")
    return format_list(parts, style="standard", locale=locale) if parts else ""


def format_opening(moment: datetime, locale: Locale | str) -> str:
    """A next opening as "Montag, 09:00" (the weekday and the local time of ``moment``)."""
    locale = Locale.parse(locale)
    # CLDR's "weekday and 24-hour time" pattern of the locale, with the weekday written out.
    pattern = re.sub(r"E+", "EEEE", locale.datetime_skeletons["EHm"].pattern)
    return format_datetime(moment, pattern, tzinfo=moment.tzinfo, locale=locale)


# ---- helpers ----------------------------------------------------------------------------------


def _days_of(spec: str) -> list[int]:
    """``mon-fri`` / ``mon,wed`` / ``sat`` as weekday numbers."""
    found: list[int] = []
    for item in spec.lower().split(","):
        item = item.strip()
        if "-" in item:
            first, _, last = item.partition("-")
            start, stop = _day(first), _day(last)
            span = (stop - start) % 7
            found.extend((start + step) % 7 for step in range(span + 1))
        else:
            found.append(_day(item))
    return found


def _day(name: str) -> int:
    key = name.strip().lower()[:3]
    if key not in DAYS or not name.strip().lower().startswith(key):
        raise HoursError(f"unknown day {name.strip()!r} (use {', '.join(DAYS)})")
    return DAYS.index(key)


def _interval(text: str) -> Interval:
    first, sep, last = text.partition("-")
    if not sep:
        raise HoursError(f"{text!r}: write a time range such as 09:00-13:00")
    start, end = _minutes(first), _minutes(last)
    if start >= end:
        raise HoursError(f"{text!r}: the end must be after the start")
    return start, end


def _minutes(text: str) -> int:
    match = _TIME.match(text.strip())
    if not match:
        raise HoursError(f"{text.strip()!r} is not a time (HH:MM)")
    hour, minute = int(match[1]), int(match[2] or 0)
    if minute > 59 or hour > 24 or (hour == 24 and minute):
        raise HoursError(f"{text.strip()!r} is not a time of day")
    return hour * 60 + minute


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _time(minutes: int) -> time:
    return time(23, 59) if minutes >= DAY_MINUTES else time(minutes // 60, minutes % 60)


def _at(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, _time(minutes), tzinfo=zone)


def _grouped(hours: WeeklyHours) -> list[tuple[Interval, list[int]]]:
    """Each distinct interval with the days it is on, in the order of the week."""
    by_interval: dict[Interval, list[int]] = {}
    for index, intervals in enumerate(hours.days):
        for interval in intervals:
            by_interval.setdefault(interval, []).append(index)
    return sorted(by_interval.items(), key=lambda item: (item[1][0], item[0]))


def _day_ranges(days: list[int], names: tuple[str, ...], dash: str, comma: str) -> str:
    """``[0, 1, 2, 3, 4, 6]`` as ``Mo–Fr, So``."""
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return comma.join(
        names[run[0]] if len(run) == 1 else f"{names[run[0]]}{dash}{names[run[-1]]}"
        for run in runs
    )
