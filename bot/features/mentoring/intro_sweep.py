"""The hourly follow-through of introductions: reminders, lapses, "have you met?", check-ins.

* a side asked :data:`~.states.REMIND_AFTER_DAYS` ago without an answer gets one reminder;
* after :data:`~.states.LAPSE_AFTER_DAYS` the proposal ``lapsed``: the request waits again
  (the automatic proposals and the staff page offer the next mentor); the woman asked hears
  nothing more, a mentor who had said yes hears only "not this time";
* :data:`~.states.FOLLOW_UP_AFTER_DAYS` after the contact was made both are asked "have you
  met?", then every :data:`~.states.CHECK_IN_EVERY_DAYS` days a check-in.

Everything is a nudge row with an idempotency key (:func:`.proposals.ask`): running twice
schedules nothing twice.  :func:`run_sweep` is a plain function (tests pass a frozen clock).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, select, update

from bot.db.tables import mentor_matches, mentoring_requests
from bot.features.mentoring import states
from bot.features.mentoring.proposals import ask


def run_sweep(db: Engine, clock: Callable[[], datetime]) -> dict[str, int]:
    """Schedule what is due now; return how many of each step."""
    now = clock()
    with db.begin() as conn:
        return {
            "lapsed": lapse(conn, now),
            "reminded": remind(conn, now),
            "met": follow_up(conn, now),
            "checkin": check_in(conn, now),
        }


def _side(status: str) -> str:
    return states.MENTOR if status == states.ASKING_MENTOR else states.PARTICIPANT


def remind(conn: Connection, now: datetime) -> int:
    """One reminder to the side asked three days ago."""
    rows = conn.execute(
        select(mentor_matches).where(
            mentor_matches.c.status.in_(states.IN_FLIGHT),
            mentor_matches.c.reminded_at.is_(None),
            mentor_matches.c.asked_at <= now - timedelta(days=states.REMIND_AFTER_DAYS),
        )
    ).all()
    for match in rows:
        side = _side(match.status)
        person = match.mentor_id if side == states.MENTOR else match.participant_id
        ask(conn, match.id, person, side, "reminder", now)
        conn.execute(
            update(mentor_matches).where(mentor_matches.c.id == match.id).values(reminded_at=now)
        )
    return len(rows)


def lapse(conn: Connection, now: datetime) -> int:
    """Proposals without an answer for six days lapse; the request waits again."""
    rows = conn.execute(
        select(mentor_matches).where(
            mentor_matches.c.status.in_(states.IN_FLIGHT),
            mentor_matches.c.asked_at <= now - timedelta(days=states.LAPSE_AFTER_DAYS),
        )
    ).all()
    for match in rows:
        conn.execute(
            update(mentor_matches)
            .where(mentor_matches.c.id == match.id, mentor_matches.c.status == match.status)
            .values(status=states.LAPSED, declined_by=_side(match.status))
        )
        conn.execute(
            update(mentoring_requests)
            .where(
                mentoring_requests.c.id == match.request_id,
                mentoring_requests.c.status == states.PROPOSED,
            )
            .values(status=states.WAITING, updated_at=now)
        )
        if match.status == states.ASKING_PARTICIPANT:  # the mentor said yes: tell her kindly
            ask(conn, match.id, match.mentor_id, states.MENTOR, "declined", now)
    return len(rows)


def follow_up(conn: Connection, now: datetime) -> int:
    """ "Have you met?" to both, a week after the contact was made."""
    rows = conn.execute(
        select(mentor_matches).where(
            mentor_matches.c.status == states.ACTIVE,
            mentor_matches.c.followed_up_at.is_(None),
            mentor_matches.c.started_at <= now - timedelta(days=states.FOLLOW_UP_AFTER_DAYS),
        )
    ).all()
    for match in rows:
        ask(conn, match.id, match.mentor_id, states.MENTOR, "met", now)
        ask(conn, match.id, match.participant_id, states.PARTICIPANT, "met", now)
        conn.execute(
            update(mentor_matches)
            .where(mentor_matches.c.id == match.id)
            .values(followed_up_at=now)
        )
    return len(rows)


def check_in(conn: Connection, now: datetime) -> int:
    """A check-in on both sides every 30 days while the match runs."""
    every = timedelta(days=states.CHECK_IN_EVERY_DAYS)
    rows = conn.execute(
        select(mentor_matches).where(
            mentor_matches.c.status == states.ACTIVE,
            mentor_matches.c.started_at <= now - every,
        )
    ).all()
    count = 0
    for match in rows:
        last = match.checked_in_at or match.started_at
        if last > now - every:
            continue
        number = (now - match.started_at) // every
        ask(conn, match.id, match.mentor_id, states.MENTOR, f"checkin:{number}", now)
        ask(conn, match.id, match.participant_id, states.PARTICIPANT, f"checkin:{number}", now)
        conn.execute(
            update(mentor_matches).where(mentor_matches.c.id == match.id).values(checked_in_at=now)
        )
        count += 1
    return count


__all__ = ["check_in", "follow_up", "lapse", "remind", "run_sweep"]
