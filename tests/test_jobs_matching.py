"""Issue 15, which offers fit a woman (``bot.features.jobs.matching``, pure): expiry, German,
hours, town distance (her own town always, unknown distances only in her town), what she
was told or said "not for me" to never again, "more like this" first, best first, three at
most."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from bot.features.jobs.matching import Offer, Seeker, fit, ranked

TODAY = date(2026, 11, 30)


def offer(id: int, **changes: object) -> Offer:
    base = Offer(
        id=id,
        town="Nienburg (Weser)",
        hours_per_week=15,
        kind="mini_job",
        german_level="none",
        childcare_friendly=False,
        expires_on=date(2026, 12, 31),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


AMINA = Seeker(person_id=1, town="Nienburg (Weser)", german="A2", hours=20, travel_km=25)


def test_expired_offers_are_left_out_and_the_last_day_still_counts() -> None:
    assert fit(AMINA, offer(1, expires_on=date(2026, 11, 29)), TODAY) is None
    assert fit(AMINA, offer(1, expires_on=TODAY), TODAY) is not None


def test_german_needed_and_hours_at_most_hers() -> None:
    assert fit(AMINA, offer(1, german_level="A2"), TODAY) is not None
    assert fit(AMINA, offer(1, german_level="B1"), TODAY) is None
    assert fit(AMINA, offer(1, hours_per_week=20), TODAY) is not None
    assert fit(AMINA, offer(1, hours_per_week=21), TODAY) is None
    assert fit(AMINA, offer(1, hours_per_week=None), TODAY) is not None


def test_town_within_her_distance() -> None:
    # Marklohe is about 5 km from Nienburg, Hoya about 19 km, Hannover about 60 km.
    assert fit(AMINA, offer(1, town="Marklohe"), TODAY) is not None
    assert fit(AMINA, offer(1, town="Hoya"), TODAY) is not None
    assert fit(AMINA, offer(1, town="Hannover"), TODAY) is None
    near = replace(AMINA, travel_km=10)
    assert fit(near, offer(1, town="Hoya"), TODAY) is None
    assert fit(near, offer(1, town="Marklohe"), TODAY) is not None


def test_only_my_town_and_unknown_towns() -> None:
    home = replace(AMINA, travel_km=0)
    assert fit(home, offer(1, town="nienburg"), TODAY) is not None  # loosely the same town
    assert fit(home, offer(1, town="Marklohe"), TODAY) is None
    # A town missing from the table: only when it is hers.
    assert fit(AMINA, offer(1, town="Irgendwo"), TODAY) is None
    assert fit(replace(AMINA, town="Irgendwo"), offer(1, town="Irgendwo"), TODAY) is not None
    assert fit(replace(AMINA, town=None), offer(1), TODAY) is None


def test_told_or_not_for_me_never_again() -> None:
    told = replace(AMINA, told=frozenset({1}))
    assert fit(told, offer(1), TODAY) is None
    assert [o.id for o in ranked(told, [offer(1), offer(2)], TODAY)] == [2]


def test_best_first_three_at_most() -> None:
    offers = [
        offer(1, town="Hoya"),  # far
        offer(2, town="Marklohe"),  # near
        offer(3),  # her town, German "none": further from what she has
        offer(4, german_level="A2"),  # her town, German as hers
        offer(5, town="Liebenau"),
    ]
    assert [o.id for o in ranked(AMINA, offers, TODAY)] == [4, 3, 2]
    assert [o.id for o in ranked(AMINA, offers, TODAY, limit=None)] == [4, 3, 2, 5, 1]


def test_more_like_this_comes_first_and_childcare_when_she_asked() -> None:
    offers = [offer(1), offer(2, kind="training", town="Hoya"), offer(3, childcare_friendly=True)]
    assert [o.id for o in ranked(AMINA, offers, TODAY)] == [1, 3, 2]
    mother = replace(AMINA, wants_childcare=True)
    assert [o.id for o in ranked(mother, offers, TODAY)] == [3, 1, 2]
    keen = replace(AMINA, more_kinds=frozenset({"training"}))
    assert [o.id for o in ranked(keen, offers, TODAY)] == [2, 1, 3]
