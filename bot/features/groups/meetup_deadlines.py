"""At the vote's deadline: confirm the best time on its own when enough can come, else tell
the organiser (she can still confirm a time in her hub, "treffen").

The best time is the one most women chose (the earlier on a tie), and it must still be ahead.
"Enough" is the meetup's ``min_people``.  Run every five minutes by the scheduler; each
meetup's outcome is told to its organisers once (a nudge ``meetup_deadline`` with an
idempotency key), and a meetup whose deadline passed more than a day ago is not looked at
again (the organiser was told).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, select

from bot.db.tables import meetup_options, meetups
from bot.features.groups.meetup_replies import confirm_meetup
from bot.features.groups.meetup_schedule import tell_members
from bot.features.groups.meetup_votes import counts
from bot.features.groups.membership import organisers

DEADLINE_KIND = "meetup_deadline"
LOOK_BACK = timedelta(days=1)


def run_deadlines(conn: Connection, now: datetime) -> dict[str, int]:
    """Settle every meetup whose vote just closed: ``{"confirmed": n, "too_few": m}``."""
    done = {"confirmed": 0, "too_few": 0}
    due = conn.execute(
        select(meetups.c.id, meetups.c.group_id, meetups.c.min_people).where(
            meetups.c.status == "voting",
            meetups.c.deadline <= now,
            meetups.c.deadline > now - LOOK_BACK,
        )
    ).all()
    for meetup in due:
        ahead = [c for c in counts(conn, meetup.id) if c[1] > now]
        # Most voters first; on a tie the earlier time.
        best = max(ahead, default=None, key=lambda c: (c[2], -c[1].timestamp()))
        voters = best[2] if best else 0
        if best is not None and voters >= meetup.min_people:
            position, starts_at = best[0], best[1]
            option = conn.execute(
                select(meetup_options.c.id).where(
                    meetup_options.c.meetup_id == meetup.id,
                    meetup_options.c.position == position,
                )
            ).scalar_one()
            confirm_meetup(conn, meetup.id, meetup.group_id, option, starts_at, now)
            outcome = "confirmed"
        else:
            outcome = "too_few"
        tell_members(
            conn,
            meetup.id,
            organisers(conn, meetup.group_id),
            DEADLINE_KIND,
            now,
            payload={"outcome": outcome, "best": voters},
        )
        done[outcome] += 1
    return done


__all__ = ["DEADLINE_KIND", "run_deadlines"]
