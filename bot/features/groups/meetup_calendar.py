"""A confirmed meetup as a calendar file (RFC 5545, one ``VEVENT``), brought by the
confirmation and by the news of a move or cancellation, so she can add it with one tap.

Title: what, then the group's name; start and two hours later as end (a meetup has no end
time: two hours is a usual café or sewing afternoon, and a calendar needs one); the place as
location; "children welcome" and how to get there, in her language, as description.  The UID
is stable per meetup, so a calendar that imported it before updates its entry: ``SEQUENCE``
counts the moves (read from the ``meetup_changed`` nudges written for each move, until a
column holds it), one more for a cancellation, which comes as ``STATUS:CANCELLED``.

Resolved just before sending (``Feature.attachments`` per outbox kind): a meetup moved since
the message was queued brings its new time.  A channel that cannot upload files (WhatsApp)
leaves it out.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, select

from bot.channels.messages import Attachment, Outbound
from bot.db.tables import groups, meetups, nudges, organisations
from bot.features.groups.meetup_changes import CANCELLED, CHANGED_KIND, MOVED
from bot.features.groups.meetup_extras import extras
from bot.features.groups.meetup_members import group_name
from bot.ics import calendar, escape_text, stamp
from conversations.i18n import Catalogs

PRODID = "-//Together We Can//Group meetups//DE"
#: How long a meetup lasts in the calendar (the meetup itself has no end).
LENGTH = timedelta(hours=2)
CONTENT_TYPE = "text/calendar"


def _row(conn: Connection, meetup_id: int) -> Any:
    return conn.execute(
        select(
            meetups.c.id,
            meetups.c.title,
            meetups.c.place,
            meetups.c.status,
            meetups.c.starts_at,
            groups.c.name.label("group_names"),
            groups.c.children_welcome,
            groups.c.directions,
            organisations.c.default_language,
        )
        .join(groups, groups.c.id == meetups.c.group_id)
        .join(organisations, organisations.c.id == groups.c.organisation_id)
        .where(meetups.c.id == meetup_id)
    ).first()


def moves(conn: Connection, meetup_id: int) -> int:
    """How often the meetup was moved: the distinct new times of its ``meetup_changed``
    nudges (one row per woman told, the same time for all)."""
    payloads = conn.execute(
        select(nudges.c.payload).where(
            nudges.c.kind == CHANGED_KIND,
            nudges.c.idempotency_key.like(f"meetup:{meetup_id}:{CHANGED_KIND}:%"),
        )
    ).scalars()
    return len({p.get("starts_at") for p in payloads if p and p.get("change") == MOVED})


def meetup_ics(row: Any, description: str, sequence: int, language: str, now: datetime) -> str:
    """The calendar file of one meetup row (see :func:`_row`)."""
    group = group_name(row.group_names, language, row.default_language)
    summary = f"{row.title} – {group}" if group else row.title
    event = [
        f"UID:meetup-{row.id}@together-we-can",
        f"SEQUENCE:{sequence}",
        f"DTSTAMP:{stamp(now)}",
        f"DTSTART:{stamp(row.starts_at)}",
        f"DTEND:{stamp(row.starts_at + LENGTH)}",
        f"SUMMARY:{escape_text(summary)}",
        f"LOCATION:{escape_text(row.place)}",
    ]
    if description:
        event.append(f"DESCRIPTION:{escape_text(description)}")
    event.append("STATUS:CANCELLED" if row.status == CANCELLED else "STATUS:CONFIRMED")
    return calendar(PRODID, event)


def meetup_calendar_file(
    db: Engine, catalogs: Catalogs, meetup_id: int, language: str, now: datetime
) -> str | None:
    """The calendar file of a meetup in ``language``; ``None`` when it has no time (still
    being voted on) or is gone."""
    with db.connect() as conn:
        row = _row(conn, meetup_id)
        if row is None or row.starts_at is None:
            return None
        sequence = moves(conn, meetup_id) + (1 if row.status == CANCELLED else 0)
    table = catalogs.languages
    found = table.get(language) or table.get(row.default_language) or table.get(table.master)
    assert found is not None
    description = "\n".join(extras(catalogs, row, found))
    return meetup_ics(row, description, sequence, found.code, now)


class MeetupCalendars:
    """``Outbound`` of a confirmation or change → its meetup's ``.ics``."""

    def __init__(self, db: Engine, catalogs: Catalogs, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.catalogs = catalogs
        self.clock = clock

    async def __call__(self, message: Outbound) -> tuple[Attachment | None, ...]:
        try:
            meetup = int(message.values.get("meetup", ""))
        except (TypeError, ValueError):
            return ()
        text = await asyncio.to_thread(
            meetup_calendar_file, self.db, self.catalogs, meetup, message.language, self.clock()
        )
        if text is None:
            return (None,)  # no time (any more): the part still counts, retries resume right
        label = str(message.values.get("what") or "")
        name = re.sub(r'[\\/:*?"<>|\n\r\t]+', " ", label).strip()[:80] or "treffen"
        return (Attachment(f"{name}.ics", text.encode(), CONTENT_TYPE),)


__all__ = ["LENGTH", "MeetupCalendars", "meetup_calendar_file", "meetup_ics", "moves"]
