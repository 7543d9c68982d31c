"""Which mentors suit a waiting request, how well (0–1), and why: pure, no database.

The staff page, ``twc mentors suggest`` and the automatic proposals all rank with
:func:`suggest`, so what staff see is what the automatic job would do.  A mentor is only
suggested when she could be asked at all (active, not paused, a free place, not the woman
herself, never proposed for this request before: a "no" is final for that request).  The
score weighs, in this order of importance: a shared language (the one she wished first), the
topics she asked about, the distance between the towns (same town best, unknown neutral) and
the mentor's free places.  The reasons are codes (:data:`REASONS`), translated on the page,
and stored with a proposal (``mentor_matches.reasons``): nothing personal in them.

Waiting time does not change a mentor's score; it orders the requests
(:func:`longest_waiting_first`), so the woman who has waited longest is served first, by
staff and by the automatic job alike.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.towns import distance_km, same_town

#: The weights of the parts of a score (they add up to 1).
WEIGHTS = {"language": 0.4, "topics": 0.3, "town": 0.2, "capacity": 0.1}
#: Towns this far apart (km) or more count nothing for the distance.
FAR_KM = 50.0
#: Up to this distance (km) a town is "near" (a reason shown).
NEAR_KM = 15.0

#: The reason codes a suggestion may carry (their texts are on the staff page).
REASONS = (
    "language",  # she speaks the language the woman wished for
    "other_language",  # they share another language
    "no_language",  # no language in common (only shown, never a high score)
    "town_same",
    "town_near",
    "town_unknown",
    "topics_all",
    "topics_some",
    "free_places",  # more than one free place
)


@dataclass(frozen=True, slots=True)
class Mentor:
    """What ranking needs to know about one mentor (decrypted by the caller)."""

    person_id: int
    languages: tuple[str, ...]
    topics: tuple[str, ...]
    town: str | None
    capacity: int
    mentees: int
    """Her live introductions and matches."""
    status: str = "active"
    paused_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Request:
    """A waiting request and the woman's own language and town."""

    request_id: int
    person_id: int
    language: str | None
    """The language she wished to speak with her mentor."""
    own_language: str | None
    """Her chat language (a second language in common)."""
    topics: tuple[str, ...]
    town: str | None
    waiting_since: datetime


@dataclass(frozen=True, slots=True)
class Suggestion:
    mentor_id: int
    score: float
    reasons: tuple[str, ...]


def eligible(mentor: Mentor, request: Request, proposed: Collection[int], now: datetime) -> bool:
    """Whether the mentor could be asked about this request now."""
    return (
        mentor.status == "active"
        and (mentor.paused_until is None or mentor.paused_until <= now)
        and mentor.mentees < mentor.capacity
        and mentor.person_id != request.person_id
        and mentor.person_id not in proposed
    )


def _language(mentor: Mentor, request: Request) -> tuple[float, str]:
    spoken = set(mentor.languages)
    if request.language and request.language in spoken:
        return 1.0, "language"
    if spoken & {code for code in (request.language, request.own_language) if code}:
        return 0.5, "other_language"
    return 0.0, "no_language"


def _topics(mentor: Mentor, request: Request) -> tuple[float, str | None]:
    wanted = set(request.topics)
    if not wanted:
        return 0.5, None
    shared = wanted & set(mentor.topics)
    if shared == wanted:
        return 1.0, "topics_all"
    if shared:
        return len(shared) / len(wanted), "topics_some"
    return 0.0, None


def _town(mentor: Mentor, request: Request) -> tuple[float, str | None]:
    if same_town(mentor.town, request.town):
        return 1.0, "town_same"
    km = distance_km(mentor.town, request.town)
    if km is None:
        return 0.5, "town_unknown"
    value = max(0.0, 1.0 - km / FAR_KM)
    return value, ("town_near" if km <= NEAR_KM else None)


def _capacity(mentor: Mentor) -> tuple[float, str | None]:
    free = max(0, mentor.capacity - mentor.mentees)
    value = free / mentor.capacity if mentor.capacity > 0 else 0.0
    return value, ("free_places" if free > 1 else None)


def score(mentor: Mentor, request: Request) -> Suggestion:
    """The mentor's score for the request and the reasons, whether or not she is eligible."""
    parts = {
        "language": _language(mentor, request),
        "topics": _topics(mentor, request),
        "town": _town(mentor, request),
        "capacity": _capacity(mentor),
    }
    total = sum(WEIGHTS[name] * value for name, (value, _reason) in parts.items())
    reasons = tuple(reason for _value, reason in parts.values() if reason)
    return Suggestion(mentor.person_id, round(total, 3), reasons)


def suggest(
    request: Request,
    mentors: Iterable[Mentor],
    proposed: Collection[int],
    now: datetime,
    limit: int | None = None,
) -> list[Suggestion]:
    """The eligible mentors for the request, best first (ties: the lower id, stable)."""
    ranked = sorted(
        (score(m, request) for m in mentors if eligible(m, request, proposed, now)),
        key=lambda s: (-s.score, s.mentor_id),
    )
    return ranked if limit is None else ranked[:limit]


def longest_waiting_first(requests: Sequence[Request]) -> list[Request]:
    """The order requests are served in: longest waiting first (ties: the older id)."""
    return sorted(requests, key=lambda r: (r.waiting_since, r.request_id))


__all__ = [
    "REASONS",
    "WEIGHTS",
    "Mentor",
    "Request",
    "Suggestion",
    "eligible",
    "longest_waiting_first",
    "score",
    "suggest",
]
