"""Which open offers fit one woman, best first: pure, so the rules are tested without a
database (:mod:`.reach` reads the rows).

The rules (issue 15):

* only offers still open on ``today`` (``expires_on`` not passed) are considered;
* the German an offer needs is at most hers, its hours a week at most hers (an offer without
  hours fits anyone);
* its town is within her distance: her own town always; another town only when the distance
  between the two is known (``bot.towns``) and at most what she said ("only my town": 0);
* never an offer she was told about already, nor one she said "not for me" to (both are
  ``job_notices`` rows: one per woman and offer);
* best first: kinds she asked "more like this" of, then the nearest, then the closest German
  fit (an offer that asks for about what she has), then, if she asked for childcare at
  onboarding, childcare-friendly hours, then the one that expires first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from bot.features.jobs.kinds import DIGEST_SIZE, GERMAN_LEVELS
from bot.towns import distance_km, same_town

#: Distance between two towns in km, ``None`` when unknown.
Distance = Callable[[str | None, str | None], float | None]


@dataclass(frozen=True, slots=True)
class Offer:
    """What matching needs of a ``job_offers`` row (open ones only)."""

    id: int
    town: str
    hours_per_week: int | None
    kind: str
    german_level: str
    childcare_friendly: bool
    expires_on: date


@dataclass(frozen=True, slots=True)
class Seeker:
    """What matching needs of one woman: her answers, town, childcare wish, what she was told."""

    person_id: int
    town: str | None
    german: str
    hours: int
    travel_km: int
    wants_childcare: bool = False
    more_kinds: frozenset[str] = frozenset()
    told: frozenset[int] = field(default_factory=frozenset)
    """Offers she was told about already (whatever she answered)."""


@dataclass(frozen=True, slots=True)
class Fit:
    """An offer that fits her, with what ranks it."""

    offer: Offer
    distance_km: float


def _level(code: str) -> int:
    return GERMAN_LEVELS.index(code) if code in GERMAN_LEVELS else 0


def distance_to(seeker: Seeker, offer: Offer, distance: Distance = distance_km) -> float | None:
    """How far the offer is for her, if within her distance; ``None`` when out of reach."""
    if same_town(seeker.town, offer.town):
        return 0.0
    if seeker.travel_km <= 0:
        return None
    km = distance(seeker.town, offer.town)
    if km is None or km > seeker.travel_km:
        return None
    return km


def fit(seeker: Seeker, offer: Offer, today: date, distance: Distance = distance_km) -> Fit | None:
    """The offer as a fit for her, or ``None`` if any rule leaves it out."""
    if offer.expires_on < today or offer.id in seeker.told:
        return None
    if _level(offer.german_level) > _level(seeker.german):
        return None
    if offer.hours_per_week is not None and offer.hours_per_week > seeker.hours:
        return None
    km = distance_to(seeker, offer, distance)
    return None if km is None else Fit(offer, km)


def _rank(seeker: Seeker, found: Fit) -> tuple[int, int, int, int, date, int]:
    offer = found.offer
    return (
        0 if offer.kind in seeker.more_kinds else 1,
        round(found.distance_km),
        _level(seeker.german) - _level(offer.german_level),
        0 if not seeker.wants_childcare or offer.childcare_friendly else 1,
        offer.expires_on,
        offer.id,
    )


def ranked(
    seeker: Seeker,
    offers: Iterable[Offer],
    today: date,
    distance: Distance = distance_km,
    limit: int | None = DIGEST_SIZE,
) -> list[Offer]:
    """The offers that fit her, best first, at most ``limit`` (``None``: all)."""
    fits = [f for offer in offers if (f := fit(seeker, offer, today, distance)) is not None]
    fits.sort(key=lambda f: _rank(seeker, f))
    chosen = [f.offer for f in fits]
    return chosen if limit is None else chosen[:limit]


__all__ = ["Distance", "Fit", "Offer", "Seeker", "distance_to", "fit", "ranked"]
