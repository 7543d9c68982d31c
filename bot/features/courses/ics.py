"""A course session as an iCalendar file (RFC 5545): one ``VEVENT``.

The course title in the asked language (else German), start and end in UTC, the place and
address as location, the "how to get there" note as description; a cancelled session comes as
``STATUS:CANCELLED`` so a calendar that imported it before shows it struck out.  Served as a
link by ``bot.features.courses.calendar`` and sent as a file by the Telegram adapter.

Written by hand: five properties need escaping and line folding, which is less code than a
dependency.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from bot.db.tables import courses, sessions

PRODID = "-//Together We Can//Course sessions//DE"


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


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def session_ics(row: Any, language: str, now: datetime) -> str:
    """The calendar file of one session row (joined with its course's title)."""
    title = row.title or {}
    summary = title.get(language) or title.get("de") or next(iter(title.values()), "Kurs")
    location = ", ".join(p for p in (row.place, row.address) if p)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:session-{row.id}@together-we-can",
        f"DTSTAMP:{_stamp(now)}",
        f"DTSTART:{_stamp(row.starts_at)}",
        f"DTEND:{_stamp(row.ends_at)}",
        f"SUMMARY:{escape_text(summary)}",
        f"LOCATION:{escape_text(location)}",
    ]
    if row.directions:
        lines.append(f"DESCRIPTION:{escape_text(row.directions)}")
    lines.append("STATUS:CANCELLED" if row.status == "cancelled" else "STATUS:CONFIRMED")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) + "\r\n" for line in lines)


def session_calendar_file(db: Engine, session_id: int, language: str, now: datetime) -> str | None:
    """The calendar file of a session in ``language``, or ``None`` if there is no such session.

    Served as a link on every channel and sent as a file on Telegram (the channel adapter).
    """
    with db.connect() as conn:
        row = conn.execute(
            select(
                sessions.c.id,
                sessions.c.starts_at,
                sessions.c.ends_at,
                sessions.c.place,
                sessions.c.address,
                sessions.c.directions,
                sessions.c.status,
                courses.c.title,
            )
            .join(courses, courses.c.id == sessions.c.course_id)
            .where(sessions.c.id == session_id)
        ).first()
    return None if row is None else session_ics(row, language, now)
