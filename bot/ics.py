"""Writing iCalendar files (RFC 5545) by hand: the few rules every calendar file needs.

Text escaping, line folding, UTC time stamps and the calendar around the events.  Shared by
the features that send a calendar file (a course session, a group's meetup); each writes its
own ``VEVENT`` properties.  Less code than a dependency.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime


def escape_text(value: str) -> str:
    """RFC 5545 §3.3.11 TEXT escaping."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """RFC 5545 §3.1: lines of at most 75 octets, continued with CRLF + space.

    Never splits inside a UTF-8 character.
    """
    out: list[str] = []
    current: list[str] = []
    size, limit = 0, 75
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            out.append("".join(current))
            current, size, limit = [], 0, 74  # continuation lines start with a space
        current.append(char)
        size += width
    out.append("".join(current))
    return "\r\n ".join(out)


def stamp(moment: datetime) -> str:
    """A moment as an RFC 5545 UTC date-time (``20261205T140000Z``)."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(prodid: str, event: Sequence[str]) -> str:
    """A published calendar (``METHOD:PUBLISH``) with one ``VEVENT`` of ``event``'s
    properties (already escaped), folded, with CRLF line ends."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{prodid}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        *event,
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)


__all__ = ["calendar", "escape_text", "fold", "stamp"]
