"""Moves a match through the double opt-in and its life, from the women's answers.

Every answer is checked against the match as stored: she must be the side it asks, the match
in the state the answer belongs to (a stale button, a second tap, a forged id change
nothing).  What the other woman is to hear is scheduled as a nudge (:mod:`.proposals`), never
sent from here, so quiet hours, consent and exactly-once delivery hold.  Relayed messages go
as ``mentoring_relay`` nudges whose text is encrypted in the payload and read only when the
message is built (then the outbox keeps it, encrypted too).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select, update

from bot.db.tables import identities, mentor_matches, mentor_profiles, mentoring_requests
from bot.db.types import cipher
from bot.features.mentoring import states
from bot.features.mentoring.intro_effects import (
    IntroAnswer,
    IntroContact,
    IntroRate,
    IntroRelay,
    IntroStep,
)
from bot.features.mentoring.proposals import ASK, RELAY, ask, schedule

Effect = IntroAnswer | IntroContact | IntroRelay | IntroStep | IntroRate


def side_of(match: Any, person_id: int) -> str | None:
    """Which side of the match she is (``mentor``/``participant``), or ``None``."""
    if person_id == match.mentor_id:
        return states.MENTOR
    if person_id == match.participant_id:
        return states.PARTICIPANT
    return None


def other_of(match: Any, side: str) -> int:
    """The other woman's person id."""
    return int(match.participant_id if side == states.MENTOR else match.mentor_id)


class IntroWriter:
    """Applies a batch's introduction answers in order, each against the stored match."""

    handles: tuple[type, ...] = (IntroAnswer, IntroContact, IntroRelay, IntroStep, IntroRate)

    def __init__(self) -> None:
        self.queued: list[tuple[Effect, int, datetime]] = []

    def collect(self, effect: Effect, person_id: int, now: datetime) -> None:
        """Queue one answer."""
        self.queued.append((effect, person_id, now))

    def forget(self, person_id: int) -> None:
        """She was erased in this batch (her matches go with her rows)."""
        self.queued = [q for q in self.queued if q[1] != person_id]

    def flush(self, conn: Connection) -> None:
        """Apply the queued answers."""
        for effect, person_id, now in self.queued:
            apply(conn, effect, person_id, now)
        self.queued = []


def apply(conn: Connection, effect: Effect, person_id: int, now: datetime) -> None:
    """One answer against the stored match (ignored when it no longer fits)."""
    match = conn.execute(
        select(mentor_matches).where(mentor_matches.c.id == effect.match_id)
    ).first()
    if match is None:
        return
    side = side_of(match, person_id)
    if side is None:
        return
    if isinstance(effect, IntroAnswer):
        answered(conn, match, side, effect.answer, now)
    elif match.status == states.ACTIVE and isinstance(effect, IntroContact):
        contact(conn, match, side, effect.how, now)
    elif match.status == states.ACTIVE and isinstance(effect, IntroRelay):
        relay(conn, match, side, {"text": cipher().encrypt(effect.text)}, now)
    elif isinstance(effect, IntroRate):
        if match.status == states.ENDED:
            column = f"{side}_rating"
            _set(conn, match.id, {column: effect.score})
    elif isinstance(effect, IntroStep):
        step(conn, match, side, effect.step, now)


def _set(conn: Connection, match_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(mentor_matches).where(mentor_matches.c.id == match_id).values(**values))


def _request(conn: Connection, request_id: int, status: str, now: datetime) -> None:
    values: dict[str, Any] = {"status": status, "updated_at": now}
    if status == states.CLOSED:
        values["closed_at"] = now
    if status == states.WAITING:  # waiting again, but still counted from when she asked
        values["closed_at"] = None
    conn.execute(
        update(mentoring_requests)
        .where(
            mentoring_requests.c.id == request_id,
            mentoring_requests.c.status.in_((states.PROPOSED, states.MATCHED)),
        )
        .values(**values)
    )


def answered(conn: Connection, match: Any, side: str, answer: str, now: datetime) -> None:
    """Yes: ask the participant, or (her yes) make the contact.  No / not now: declined,
    the request waits again; whoever was asked before hears only "not this time"."""
    if match.status != f"asking_{side}":
        return
    answered_at = {f"{side}_answered_at": now}
    if answer == "yes" and side == states.MENTOR:
        _set(
            conn,
            match.id,
            {
                **answered_at,
                "status": states.ASKING_PARTICIPANT,
                "asked_at": now,
                "reminded_at": None,
            },
        )
        ask(conn, match.id, match.participant_id, states.PARTICIPANT, "intro", now)
        return
    if answer == "yes":
        _set(conn, match.id, {**answered_at, "status": states.ACTIVE, "started_at": now})
        _request(conn, match.request_id, states.MATCHED, now)
        ask(conn, match.id, match.mentor_id, states.MENTOR, "contact", now)
        ask(conn, match.id, match.participant_id, states.PARTICIPANT, "contact", now)
        return
    not_now = answer == "not_now" and side == states.MENTOR
    _set(
        conn,
        match.id,
        {
            **answered_at,
            "status": states.DECLINED,
            "declined_by": side,
            "decline_reason": "not_now" if not_now else "no",
        },
    )
    _request(conn, match.request_id, states.WAITING, now)
    if side == states.PARTICIPANT:  # the mentor said yes before: she hears it did not fit
        ask(conn, match.id, match.mentor_id, states.MENTOR, "declined", now)
    if not_now:
        until = now + timedelta(days=states.NOT_NOW_PAUSE_DAYS)
        conn.execute(
            update(mentor_profiles)
            .where(mentor_profiles.c.person_id == match.mentor_id)
            .where(
                (mentor_profiles.c.paused_until.is_(None))
                | (mentor_profiles.c.paused_until < until)
            )
            .values(paused_until=until, updated_at=now)
        )


def contact(conn: Connection, match: Any, side: str, how: str, now: datetime) -> None:
    """How she wants to be reached; shared: her address goes to the other woman (she
    agreed to ``contact_sharing`` in the same turn)."""
    _set(conn, match.id, {f"{side}_contact": how})
    if how != "shared":
        return
    address = _address(conn, side_id(match, side))
    if address:
        relay(conn, match, side, {"contact": cipher().encrypt(address)}, now)


def side_id(match: Any, side: str) -> int:
    """Her person id on ``side``."""
    return int(match.mentor_id if side == states.MENTOR else match.participant_id)


def _address(conn: Connection, person_id: int) -> str | None:
    """How another person reaches her directly: her WhatsApp number or a Telegram link."""
    row = conn.execute(
        select(identities.c.channel, identities.c.address)
        .where(identities.c.person_id == person_id, identities.c.status == "ok")
        .order_by(identities.c.last_inbound_at.desc().nulls_last(), identities.c.id.desc())
    ).first()
    if row is None:
        return None
    if row.channel == "telegram":
        return f"Telegram: tg://user?id={row.address}"
    if row.channel == "whatsapp":
        return f"WhatsApp: {row.address.removeprefix('whatsapp:')}"
    return str(row.address)


def relay(conn: Connection, match: Any, side: str, sealed: dict[str, str], now: datetime) -> None:
    """Pass a message (or her address) to the other woman, outside the daily cap."""
    payload = {"match_id": match.id, "side": side, **sealed}
    key = f"mentoring:{match.id}:relay:{uuid.uuid4().hex}"
    schedule(conn, other_of(match, side), RELAY, payload, key, now, now, capped=False)
    _set(conn, match.id, {"last_contact_at": now})


def step(conn: Connection, match: Any, side: str, name: str, now: datetime) -> None:
    """Ending, a problem, "we have met", "not yet"."""
    if name == "problem" and match.status in states.LIVE:
        _set(conn, match.id, {"problem_reported_at": now})
    if match.status != states.ACTIVE:
        return
    if name == "end":
        _set(conn, match.id, {"status": states.ENDED, "ended_at": now, "ended_by": side})
        _request(conn, match.request_id, states.CLOSED, now)
        other_side = states.PARTICIPANT if side == states.MENTOR else states.MENTOR
        ask(conn, match.id, other_of(match, side), other_side, "ended", now)
    elif name == "met":
        _set(conn, match.id, {"met_at": match.met_at or now, "last_contact_at": now})
    elif name == "not_yet":  # asked once more, a week later
        due = now + timedelta(days=states.FOLLOW_UP_AFTER_DAYS)
        payload = {"match_id": match.id, "side": side, "step": "met_again"}
        key = f"mentoring:{match.id}:{side}:met_again"
        schedule(conn, side_id(match, side), ASK, payload, key, due, now)


__all__ = ["IntroWriter", "apply", "other_of", "side_of"]
