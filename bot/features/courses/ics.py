"""A course session as an iCalendar file (RFC 5545): one ``VEVENT``.

The course title in the asked language (else German), start and end in UTC, the place and
address as location, the "how to get there" note as description; a cancelled session comes as
``STATUS:CANCELLED`` so a calendar that imported it before shows it struck out.  Served as a
link by ``bot.features.courses.calendar`` and sent as a file by the Telegram adapter.

Written by hand with the core helpers of :mod:`bot.ics` (escaping, folding, time stamps).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from bot.db.tables import courses, sessions
from bot.ics import calendar, escape_text, stamp

PRODID = "-//Together We Can//Course sessions//DE"


def session_ics(row: Any, language: str, now: datetime) -> str:
    """The calendar file of one session row (joined with its course's title)."""
    title = row.title or {}
    summary = title.get(language) or title.get("de") or next(iter(title.values()), "Kurs")
    location = ", ".join(p for p in (row.place, row.address) if p)
    event = [
        f"UID:session-{row.id}@together-we-can",
        f"DTSTAMP:{stamp(now)}",
        f"DTSTART:{stamp(row.starts_at)}",
        f"DTEND:{stamp(row.ends_at)}",
        f"SUMMARY:{escape_text(summary)}",
        f"LOCATION:{escape_text(location)}",
    ]
    if row.directions:
        event.append(f"DESCRIPTION:{escape_text(row.directions)}")
    event.append("STATUS:CANCELLED" if row.status == "cancelled" else "STATUS:CONFIRMED")
    return calendar(PRODID, event)


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


__all__ = ["PRODID", "session_calendar_file", "session_ics"]
