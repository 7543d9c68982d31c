""" "Add to calendar": an iCalendar file (RFC 5545) for each course session.

``GET /calendar/session/<token>.ics[?lang=fa]`` answers with one ``VEVENT``: the course title in
the asked language (else German), start and end in UTC, the place and address as location, the
"how to get there" note as description; a cancelled session comes as ``STATUS:CANCELLED`` so a
calendar that imported it before shows it struck out.

The token is ``<session id>-<HMAC>``: the HMAC (keyed by ``TWC_SECRET_KEY``) makes the link
unguessable, and nothing in the URL is about a person.  Reminders carry the link
(:func:`session_link`), built on ``TWC_PUBLIC_URL``.

The file is written by hand: five properties need escaping and line folding, which is less
code than a dependency.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.db.models import Course, CourseSession

sessions = CourseSession.__table__
courses = Course.__table__

PRODID = "-//Together We Can//Course sessions//DE"
_TOKEN_BYTES = 16


def session_token(secret_key: str, session_id: int) -> str:
    """The unguessable path token of a session's calendar file."""
    digest = hmac.new(
        secret_key.encode(), f"calendar:session:{session_id}".encode(), hashlib.sha256
    ).hexdigest()[: _TOKEN_BYTES * 2]
    return f"{session_id}-{digest}"


def session_from_token(secret_key: str, token: str) -> int | None:
    """The session id of a valid token, else ``None``."""
    head, _, _digest = token.partition("-")
    if not head.isdigit() or len(head) > 18:
        return None
    session_id = int(head)
    if not hmac.compare_digest(session_token(secret_key, session_id), token):
        return None
    return session_id


def session_link(public_url: str, secret_key: str, session_id: int, language: str) -> str:
    """The link a reminder shows."""
    base = public_url.rstrip("/")
    return f"{base}/calendar/session/{session_token(secret_key, session_id)}.ics?lang={language}"


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
    current, size, limit = [], 0, 75
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


def calendar_routes(db: Engine, secret_key: str, clock: Callable[[], datetime]) -> list[Route]:
    """The route serving session calendar files."""

    async def session_calendar(request: Request) -> Response:
        session_id = session_from_token(secret_key, str(request.path_params["token"]))
        if session_id is None:
            return Response("not found\n", status_code=404, media_type="text/plain")
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
        if row is None:
            return Response("not found\n", status_code=404, media_type="text/plain")
        language = request.query_params.get("lang", "de")[:16]
        return Response(
            session_ics(row, language, clock()),
            media_type="text/calendar; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="session-{session_id}.ics"',
                "Cache-Control": "no-store",
            },
        )

    return [Route("/calendar/session/{token}.ics", session_calendar)]
