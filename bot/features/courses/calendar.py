""" "Add to calendar": an iCalendar file (RFC 5545) for each course session.

``GET /calendar/session/<token>.ics[?lang=fa]`` answers with one ``VEVENT``: the course title in
the asked language (else German), start and end in UTC, the place and address as location, the
"how to get there" note as description; a cancelled session comes as ``STATUS:CANCELLED`` so a
calendar that imported it before shows it struck out.

The token is ``<session id>-<HMAC>``: the HMAC (keyed by ``TWC_SECRET_KEY``) makes the link
unguessable, and nothing in the URL is about a person.  Reminders carry the link
(:func:`session_link`), built on ``TWC_PUBLIC_URL``.

The file itself is written by :mod:`bot.features.courses.ics`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.crypto import CALENDAR_INFO, subkey
from bot.features.courses.ics import session_calendar_file

_TOKEN_BYTES = 16


def _token(key: bytes, session_id: int) -> str:
    digest = hmac.new(key, f"calendar:session:{session_id}".encode(), hashlib.sha256)
    return f"{session_id}-{digest.hexdigest()[: _TOKEN_BYTES * 2]}"


def session_token(secret_key: str, session_id: int) -> str:
    """The unguessable path token of a session's calendar file (keyed with the calendar
    subkey of the secret, :mod:`bot.crypto`)."""
    return _token(subkey(secret_key, CALENDAR_INFO), session_id)


def session_from_token(secret_key: str, token: str) -> int | None:
    """The session id of a valid token, else ``None``.

    A link sent before calendar tokens had their own subkey (keyed with the raw secret) is
    still accepted, so reminders already in her chat keep working.
    """
    head, _, _digest = token.partition("-")
    if not head.isdigit() or len(head) > 18:
        return None
    session_id = int(head)
    current = hmac.compare_digest(session_token(secret_key, session_id), token)
    legacy = hmac.compare_digest(_token(secret_key.encode(), session_id), token)
    return session_id if current or legacy else None


def session_link(public_url: str, secret_key: str, session_id: int, language: str) -> str:
    """The link a reminder shows."""
    base = public_url.rstrip("/")
    return f"{base}/calendar/session/{session_token(secret_key, session_id)}.ics?lang={language}"


def calendar_routes(db: Engine, secret_key: str, clock: Callable[[], datetime]) -> list[Route]:
    """The route serving session calendar files."""

    async def session_calendar(request: Request) -> Response:
        session_id = session_from_token(secret_key, str(request.path_params["token"]))
        language = request.query_params.get("lang", "de")[:16]
        found = None
        if session_id is not None:
            found = session_calendar_file(db, session_id, language, clock())
        if found is None:
            return Response("not found\n", status_code=404, media_type="text/plain")
        return Response(
            found,
            media_type="text/calendar; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="session-{session_id}.ics"',
                "Cache-Control": "no-store",
            },
        )

    return [Route("/calendar/session/{token}.ics", session_calendar)]
