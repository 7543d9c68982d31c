"""Reminders of a confirmed meetup, only to the women who said yes or maybe: the day before
at 17:00 (local) and two hours before, as nudges ``meetup_reminder``; and to those who said
yes, one optional "how was it?" three hours after the start (``meetup_after``).

Written when she answers yes or maybe (and withdrawn when she says no): dated nudges
(``starts_at`` in the payload), so the daily cap keeps them on their day, the nearest first;
moved out of the quiet hours when written (to the evening before when the morning would be too
late), and ``missed`` once the meetup has begun.  Decided again when due: she must still have
said yes or maybe, still be an active member, and the meetup still confirmed at that time.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, select, update

from bot.db.tables import nudges, people
from bot.nudges.daily_cap import apply_daily_caps, org_times
from bot.nudges.quiet_hours import at_local, local_day, outside_quiet_hours

REMINDER_KIND = "meetup_reminder"
AFTER_KIND = "meetup_after"
#: "How was it?" this long after the start.
AFTER = timedelta(hours=3)
#: "The day before" at this local time, and this long before.
DAY_BEFORE_AT = time(17, 0)
SHORTLY_BEFORE = timedelta(hours=2)
COMING = ("yes", "maybe")


def reminder_times(starts_at: datetime, timezone: str) -> dict[str, datetime]:
    """When each reminder is due (before quiet hours are applied)."""
    day_before = local_day(starts_at, timezone) - timedelta(days=1)
    return {
        "day": at_local(day_before, DAY_BEFORE_AT, timezone),
        "soon": starts_at - SHORTLY_BEFORE,
    }


def _key(meetup_id: int, step: str, person_id: int, starts_at: datetime) -> str:
    return f"meetup:{meetup_id}:reminder_{step}:{person_id}:{starts_at.isoformat()}"


def plan_reminders(
    conn: Connection, meetup_id: int, starts_at: datetime, person_id: int, now: datetime
) -> int:
    """Schedule her reminders for the meetup at ``starts_at`` (those still ahead, each once);
    returns how many were written."""
    org_id = conn.execute(
        select(people.c.organisation_id).where(people.c.id == person_id)
    ).scalar_one()
    times = org_times(conn, int(org_id))
    written = 0
    for step, due in reminder_times(starts_at, times.timezone).items():
        due = outside_quiet_hours(
            due, times.timezone, times.quiet_start, times.quiet_end, deadline=starts_at
        )
        key = _key(meetup_id, step, person_id, starts_at)
        if due <= now or due >= starts_at:
            continue
        if conn.execute(select(nudges.c.id).where(nudges.c.idempotency_key == key)).first():
            continue
        conn.execute(
            nudges.insert().values(
                person_id=person_id,
                kind=REMINDER_KIND,
                due_at=due,
                payload={"meetup": meetup_id, "step": step, "starts_at": starts_at.isoformat()},
                idempotency_key=key,
                status="pending",
                created_at=now,
            )
        )
        written += 1
    if written:
        apply_daily_caps(conn, {person_id: times}, now)
    return written


def plan_after(
    conn: Connection, meetup_id: int, starts_at: datetime, person_id: int, now: datetime
) -> bool:
    """ "How was it?" three hours after the start (out of the quiet hours), once, to a woman
    who said yes.  Not dated (``meetup_at``, not ``starts_at``): a full day moves it on."""
    key = f"meetup:{meetup_id}:after:{person_id}:{starts_at.isoformat()}"
    if conn.execute(select(nudges.c.id).where(nudges.c.idempotency_key == key)).first():
        return False
    org_id = conn.execute(
        select(people.c.organisation_id).where(people.c.id == person_id)
    ).scalar_one()
    times = org_times(conn, int(org_id))
    due = outside_quiet_hours(
        starts_at + AFTER, times.timezone, times.quiet_start, times.quiet_end
    )
    conn.execute(
        nudges.insert().values(
            person_id=person_id,
            kind=AFTER_KIND,
            due_at=due,
            payload={"meetup": meetup_id, "meetup_at": starts_at.isoformat()},
            idempotency_key=key,
            status="pending",
            created_at=now,
        )
    )
    apply_daily_caps(conn, {person_id: times}, now)
    return True


def drop_reminders(conn: Connection, meetup_id: int, person_id: int, after: bool = True) -> None:
    """She will not come after all (or only maybe: ``after=False`` keeps nothing but the
    reminders): her reminders and "how was it?" not yet sent are skipped."""
    kinds = (REMINDER_KIND, AFTER_KIND) if after else (AFTER_KIND,)
    conn.execute(
        update(nudges)
        .where(
            nudges.c.person_id == person_id,
            nudges.c.kind.in_(kinds),
            nudges.c.status.in_(("pending", "capped")),
            nudges.c.idempotency_key.like(f"meetup:{meetup_id}:%"),
        )
        .values(status="skipped")
    )


def starts_at_of(payload: dict[str, Any]) -> datetime | None:
    """The meetup's time the reminder was written for (the kind's deadline)."""
    try:
        return datetime.fromisoformat(str(payload["starts_at"]))
    except (KeyError, ValueError):
        return None


__all__ = [
    "AFTER_KIND",
    "COMING",
    "REMINDER_KIND",
    "drop_reminders",
    "plan_after",
    "plan_reminders",
    "reminder_times",
    "starts_at_of",
]
