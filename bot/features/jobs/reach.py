"""The rows matching reads (open offers, the women who agreed to job offers, what each was
told) and who each open offer would reach now: for the weekly digest and ``twc jobs match``.

Towns and answers are encrypted, so the rules run in Python (:mod:`.matching`) over one
organisation's women at a time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, select, true

from bot.consent.checks import current
from bot.db.tables import job_notices, job_offers, job_profiles, people
from bot.features.jobs.chat_profile import MOST_HOURS
from bot.features.jobs.kinds import GERMAN_LEVELS, MORE_LIKE_THIS, OPEN
from bot.features.jobs.matching import Offer, Seeker, fit, ranked

#: A woman hears of job offers only with both (the offers come as a message).
PURPOSES = ("job_offers", "messages")


def open_offers(conn: Connection, organisation_id: int, today: date) -> list[Offer]:
    """The organisation's open offers not expired on ``today`` (a closed, expired or
    unreviewed offer is never sent)."""
    rows = conn.execute(
        select(
            job_offers.c.id,
            job_offers.c.town,
            job_offers.c.hours_per_week,
            job_offers.c.kind,
            job_offers.c.german_level,
            job_offers.c.childcare_friendly,
            job_offers.c.expires_on,
        )
        .where(
            job_offers.c.organisation_id == organisation_id,
            job_offers.c.status == OPEN,
            job_offers.c.expires_on >= today,
        )
        .order_by(job_offers.c.id)
    ).all()
    return [
        Offer(
            r.id,
            r.town or "",
            r.hours_per_week,
            r.kind,
            r.german_level,
            bool(r.childcare_friendly),
            r.expires_on,
        )
        for r in rows
    ]


def _int(value: Any, default: int) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return default


def seekers(
    conn: Connection, organisation_id: int, person_ids: Collection[int] | None = None
) -> list[Seeker]:
    """The organisation's active women with answers who agree to job offers and messages now,
    with what each was told and the kinds she asked more of (only ``person_ids``, if given)."""
    query = (
        select(people.c.id, people.c.town, people.c.attend_help, job_profiles.c.answers)
        .join(job_profiles, job_profiles.c.person_id == people.c.id)
        .where(people.c.organisation_id == organisation_id, people.c.status == "active")
        .order_by(people.c.id)
    )
    for purpose in PURPOSES:
        query = query.where(current(purpose, people.c.id))
    if person_ids is not None:
        query = query.where(people.c.id.in_(sorted(person_ids)))
    rows = conn.execute(query).all()
    told: dict[int, set[int]] = defaultdict(set)
    more: dict[int, set[str]] = defaultdict(set)
    notices = conn.execute(
        select(
            job_notices.c.person_id,
            job_notices.c.offer_id,
            job_notices.c.status,
            job_offers.c.kind,
        )
        .join(job_offers, job_offers.c.id == job_notices.c.offer_id)
        .where(job_notices.c.organisation_id == organisation_id)
        .where(
            job_notices.c.person_id.in_(sorted(person_ids)) if person_ids is not None else true()
        )
    ).all()
    for n in notices:
        told[n.person_id].add(n.offer_id)
        if n.status == MORE_LIKE_THIS:
            more[n.person_id].add(n.kind)
    found = []
    for r in rows:
        answers = r.answers or {}
        german = str(answers.get("german", "none"))
        kinds = {str(k) for k in answers.get("kinds") or ()}
        found.append(
            Seeker(
                person_id=r.id,
                town=r.town,
                german=german if german in GERMAN_LEVELS else "none",
                hours=_int(answers.get("hours"), MOST_HOURS),
                travel_km=_int(answers.get("travel_km"), 0),
                wants_childcare="childcare" in (r.attend_help or []),
                more_kinds=frozenset(kinds | more[r.id]),
                told=frozenset(told[r.id]),
            )
        )
    return found


@dataclass(frozen=True, slots=True)
class Reach:
    """How many women an open offer would reach now: all it fits, and those for whom it is
    among the best three (what the next digest would carry)."""

    offer_id: int
    fits: int
    in_digest: int


def reach(conn: Connection, organisation_id: int, today: date) -> list[Reach]:
    """Per open offer of the organisation: the women it fits now, and in how many digests it
    would be (nobody's name, only counts)."""
    offers = open_offers(conn, organisation_id, today)
    women = seekers(conn, organisation_id)
    fits: dict[int, int] = defaultdict(int)
    best: dict[int, int] = defaultdict(int)
    for woman in women:
        for offer in offers:
            if fit(woman, offer, today) is not None:
                fits[offer.id] += 1
        for offer in ranked(woman, offers, today):
            best[offer.id] += 1
    return [Reach(o.id, fits[o.id], best[o.id]) for o in offers]


__all__ = ["PURPOSES", "Reach", "open_offers", "reach", "seekers"]
