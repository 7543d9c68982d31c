"""A course reminder brings its session as a calendar file, so she can add it with one tap.

The file is resolved when the reminder is sent (the session may have moved since it was
queued).  Many reminders go out for one session at once, so each file is read at most once a
minute, not once per recipient.  A channel that cannot send files (WhatsApp) shows the link
that the reminder's text carries instead.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine

from bot.channels.messages import Attachment, Outbound
from bot.features.courses.ics import session_calendar_file

#: How long a session's calendar file is reused before it is read again (a moved session).
CALENDAR_CACHE = timedelta(minutes=1)


class CalendarAttachments:
    """``Outbound`` of a reminder → its session's ``.ics`` (``None`` if the session is gone)."""

    def __init__(self, db: Engine, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock
        self._files: dict[tuple[int, str], tuple[datetime, str | None]] = {}

    async def __call__(self, message: Outbound) -> tuple[Attachment | None, ...]:
        session = _session_of(message)
        if session is None:
            return ()
        now = self.clock()
        key = (session, message.language)
        cached = self._files.get(key)
        if cached is None or now - cached[0] > CALENDAR_CACHE:
            if len(self._files) > 1000:
                self._files.clear()
            text = await asyncio.to_thread(
                session_calendar_file, self.db, session, message.language, now
            )
            cached = self._files[key] = (now, text)
        if cached[1] is None:
            return (None,)  # the session is gone: the part still counts (retries resume right)
        values = message.values
        label = " ".join(str(values[name]) for name in ("course", "date") if values.get(name))
        name = re.sub(r'[\\/:*?"<>|\n\r\t]+', " ", label).strip()[:80] or "kurs"
        return (Attachment(f"{name}.ics", cached[1].encode()),)


def _session_of(message: Outbound) -> int | None:
    try:
        return int(message.values.get("session", ""))
    except (TypeError, ValueError):
        return None


__all__ = ["CALENDAR_CACHE", "CalendarAttachments"]
