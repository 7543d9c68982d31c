"""Proposing an introduction, and the nudge rows that carry every mentoring message.

Staff (page, CLI) and the automatic proposals call :func:`propose`: it checks that the request
still waits and the mentor is free, writes the match (``asking_mentor``) and schedules the
question to the mentor.  Nothing is sent from here: every message of the feature is a nudge
row (:func:`schedule`), fired by the scheduler through the flow engine, so quiet hours, the
daily cap, her consent and exactly-once delivery hold as for every other message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from bot.db.tables import (
    mentor_matches,
    mentor_profiles,
    mentoring_requests,
    nudges,
    organisations,
    people,
)
from bot.features.mentoring import states
from bot.nudges.daily_cap import OrgTimes, apply_daily_cap

#: The nudge kind of a question to one side (the introduction, its reminder, the follow-ups);
#: payload ``{"match_id": …, "side": "mentor"|"participant", "step": …}``.
ASK = "mentoring_ask"
#: The nudge kind of a relayed message (outside the daily cap: ``…_relay``).
RELAY = "mentoring_relay"


class ProposalError(ValueError):
    """The introduction cannot be proposed; the message says why (shown to staff)."""


def schedule(
    conn: Connection,
    person_id: int,
    kind: str,
    payload: Mapping[str, Any],
    key: str,
    due: datetime,
    now: datetime,
    capped: bool = True,
) -> bool:
    """Write one nudge row unless its key exists; keep her day within the daily cap.

    ``key`` makes it exactly once (``mentoring:<match>:<side>:<step>``).  Returns whether a
    row was written.
    """
    if conn.execute(select(nudges.c.id).where(nudges.c.idempotency_key == key)).first():
        return False
    conn.execute(
        insert(nudges).values(
            person_id=person_id,
            kind=kind,
            due_at=due,
            payload=dict(payload),
            idempotency_key=key,
            status="pending",
            created_at=now,
        )
    )
    if capped:
        apply_daily_cap(conn, person_id, _times(conn, person_id), now)
    return True


def ask(
    conn: Connection, match_id: int, person_id: int, side: str, step: str, now: datetime
) -> bool:
    """Schedule the question ``step`` (``intro``, ``reminder``, ``met``, ``checkin``…) of a match
    to one side, due now (quiet hours move it to the morning when it fires)."""
    payload = {"match_id": match_id, "side": side, "step": step}
    return schedule(conn, person_id, ASK, payload, f"mentoring:{match_id}:{side}:{step}", now, now)


def tell_taken_back(
    conn: Connection, match_id: int, mentor_id: int, was: str, now: datetime
) -> None:
    """A proposal was taken back (by staff, or she withdrew her request): a mentor who had
    already said yes hears "this time it did not work out" (never why); a mentor still asked
    hears nothing (her question is skipped, a late answer changes nothing)."""
    if was == states.ASKING_PARTICIPANT:
        ask(conn, match_id, mentor_id, states.MENTOR, "declined", now)


def tell_ended(
    conn: Connection, match_id: int, mentor_id: int, participant_id: int, now: datetime
) -> None:
    """Staff ended a running match: both are told kindly and asked the one optional question
    (was it helpful), as when one of them ends it."""
    ask(conn, match_id, mentor_id, states.MENTOR, "ended", now)
    ask(conn, match_id, participant_id, states.PARTICIPANT, "ended", now)


def propose(
    conn: Connection,
    *,
    request_id: int,
    mentor_id: int,
    proposed_by: str,
    now: datetime,
    score: float = 0.0,
    reasons: Sequence[str] = (),
) -> int:
    """Propose ``mentor_id`` for the waiting request: the match row, the mentor asked first.

    Raises :class:`ProposalError` when the request no longer waits, the mentor is not an
    active mentor of the same organisation, is paused, has no free place, or was already
    proposed for this request.
    """
    request = conn.execute(
        select(
            mentoring_requests.c.id,
            mentoring_requests.c.status,
            mentoring_requests.c.person_id,
            mentoring_requests.c.organisation_id,
        ).where(mentoring_requests.c.id == request_id)
    ).first()
    if request is None:
        raise ProposalError("no such request")
    if request.status != states.WAITING:
        raise ProposalError("the request is not waiting for a mentor (any more)")
    mentor = conn.execute(
        select(
            mentor_profiles.c.capacity,
            mentor_profiles.c.status,
            mentor_profiles.c.paused_until,
            mentor_profiles.c.organisation_id,
            people.c.role,
            people.c.status.label("person_status"),
        )
        .join(people, people.c.id == mentor_profiles.c.person_id)
        .where(mentor_profiles.c.person_id == mentor_id)
    ).first()
    if mentor is None or mentor.role != "mentor" or mentor.status != "active":
        raise ProposalError("she is not an active mentor")
    if mentor.person_status != "active":
        raise ProposalError("the mentor gets no messages (opted out)")
    if mentor.organisation_id != request.organisation_id:
        raise ProposalError("the mentor belongs to another organisation")
    if mentor.paused_until is not None and mentor.paused_until > now:
        raise ProposalError("the mentor has paused new introductions")
    if mentor_id == request.person_id:
        raise ProposalError("a woman cannot be her own mentor")
    if mentees(conn, mentor_id) >= mentor.capacity:
        raise ProposalError("the mentor has no free place")
    before = conn.execute(
        select(mentor_matches.c.id).where(
            mentor_matches.c.request_id == request_id, mentor_matches.c.mentor_id == mentor_id
        )
    ).first()
    if before is not None:
        raise ProposalError("this mentor was already proposed for this request")
    match_id = int(
        conn.execute(
            insert(mentor_matches)
            .values(
                organisation_id=request.organisation_id,
                request_id=request_id,
                participant_id=request.person_id,
                mentor_id=mentor_id,
                status=states.ASKING_MENTOR,
                proposed_by=proposed_by,
                score=score,
                reasons=list(reasons),
                proposed_at=now,
                asked_at=now,
            )
            .returning(mentor_matches.c.id)
        ).scalar_one()
    )
    conn.execute(
        update(mentoring_requests)
        .where(mentoring_requests.c.id == request_id)
        .values(status=states.PROPOSED, updated_at=now)
    )
    ask(conn, match_id, mentor_id, states.MENTOR, "intro", now)
    return match_id


def mentees(conn: Connection, mentor_id: int) -> int:
    """Her live introductions and matches (what counts against her capacity)."""
    return int(
        conn.execute(
            select(func.count()).where(
                mentor_matches.c.mentor_id == mentor_id,
                mentor_matches.c.status.in_(states.LIVE),
            )
        ).scalar_one()
    )


def _times(conn: Connection, person_id: int) -> OrgTimes:
    row = conn.execute(
        select(
            organisations.c.timezone,
            organisations.c.quiet_hours_start,
            organisations.c.quiet_hours_end,
        )
        .join(people, people.c.organisation_id == organisations.c.id)
        .where(people.c.id == person_id)
    ).one()
    return OrgTimes(row.timezone, row.quiet_hours_start, row.quiet_hours_end)


__all__ = [
    "ASK",
    "RELAY",
    "ProposalError",
    "ask",
    "mentees",
    "propose",
    "schedule",
    "tell_ended",
    "tell_taken_back",
]
