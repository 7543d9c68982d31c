"""A confirmed meetup moved or cancelled, told to every woman who answered it (yes, maybe or
no) and is still an active member: a nudge ``meetup_changed`` each.

Moved: the new time is stored (``starts_at``; the option no longer applies), the women are
asked again yes / maybe / no, and the old reminders do not go (they were written for the old
time).  Cancelled: status ``cancelled``; nothing more of it is sent.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select, update

from bot.db.tables import meetup_rsvps, meetups
from bot.features.groups.meetup_members import active_members
from bot.features.groups.meetup_schedule import tell_members

CHANGED_KIND = "meetup_changed"
MOVED, CANCELLED = "moved", "cancelled"


def _answered(conn: Connection, meetup_id: int, group_id: int) -> list[int]:
    members = set(active_members(conn, group_id))
    return [
        int(p)
        for p in conn.execute(
            select(meetup_rsvps.c.person_id)
            .where(meetup_rsvps.c.meetup_id == meetup_id)
            .order_by(meetup_rsvps.c.person_id)
        ).scalars()
        if int(p) in members
    ]


def move_meetup(
    conn: Connection, meetup_id: int, group_id: int, starts_at: datetime, now: datetime
) -> int:
    """Move a confirmed meetup; returns how many women are told."""
    conn.execute(
        update(meetups)
        .where(meetups.c.id == meetup_id)
        .values(starts_at=starts_at, option_id=None, updated_at=now)
    )
    return tell_members(
        conn,
        meetup_id,
        _answered(conn, meetup_id, group_id),
        CHANGED_KIND,
        now,
        step=f":{starts_at.isoformat()}",
        # "moved_to", not "starts_at": the daily cap keeps a nudge with a ``starts_at`` on its
        # day (and drops it when the day is full); the word that a meetup moved must arrive,
        # so it is movable: a full day sends it the next morning.
        payload={"change": MOVED, "moved_to": starts_at.isoformat()},
    )


def cancel_meetup(conn: Connection, meetup_id: int, group_id: int, now: datetime) -> int:
    """Cancel a meetup; returns how many women are told."""
    conn.execute(
        update(meetups).where(meetups.c.id == meetup_id).values(status=CANCELLED, updated_at=now)
    )
    return tell_members(
        conn,
        meetup_id,
        _answered(conn, meetup_id, group_id),
        CHANGED_KIND,
        now,
        step=":cancelled",
        payload={"change": CANCELLED},
    )


__all__ = ["CANCELLED", "CHANGED_KIND", "MOVED", "cancel_meetup", "move_meetup"]
