"""The ranking of mentors for a waiting request (pure: no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.features.mentoring.ranking import (
    Mentor,
    Request,
    eligible,
    longest_waiting_first,
    score,
    suggest,
)
from bot.towns import distance_km, same_town

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def mentor(pid: int, **kw: object) -> Mentor:
    values: dict[str, object] = {
        "person_id": pid,
        "languages": ("de", "ar"),
        "topics": ("paperwork", "work"),
        "town": "Nienburg (Weser)",
        "capacity": 2,
        "mentees": 0,
    }
    values.update(kw)
    return Mentor(**values)  # type: ignore[arg-type]


def request(**kw: object) -> Request:
    values: dict[str, object] = {
        "request_id": 1,
        "person_id": 100,
        "language": "ar",
        "own_language": "ar",
        "topics": ("paperwork",),
        "town": "Nienburg (Weser)",
        "waiting_since": NOW - timedelta(days=3),
    }
    values.update(kw)
    return Request(**values)  # type: ignore[arg-type]


def test_a_perfect_match_scores_one_with_every_reason() -> None:
    s = score(mentor(1), request())
    assert s.score == pytest.approx(0.4 + 0.3 + 0.2 + 0.1)
    assert s.reasons == ("language", "topics_all", "town_same", "free_places")


def test_the_wished_language_beats_a_common_one_beats_none() -> None:
    wished = mentor(1, languages=("ar",))
    common = mentor(2, languages=("de",))
    none = mentor(3, languages=("uk",))
    r = request(language="ar", own_language="de")
    ranked = suggest(r, [none, common, wished], (), NOW)
    assert [s.mentor_id for s in ranked] == [1, 2, 3]
    assert "language" in ranked[0].reasons
    assert "other_language" in ranked[1].reasons
    assert "no_language" in ranked[2].reasons


def test_nearer_towns_rank_higher_and_unknown_is_neutral() -> None:
    same = mentor(1, town="nienburg")
    near = mentor(2, town="Marklohe")  # about 5 km
    far = mentor(3, town="Stolzenau")  # about 14 km
    very_far = mentor(4, town="Bremen")  # over 50 km
    unknown = mentor(5, town="Irgendwo")
    ranked = suggest(request(), [very_far, unknown, far, near, same], (), NOW)
    # Unknown counts as half way to "far" (25 km): nearer towns before it, farther after.
    assert [s.mentor_id for s in ranked] == [1, 2, 3, 5, 4]
    by_id = {s.mentor_id: s for s in ranked}
    assert "town_same" in by_id[1].reasons
    assert "town_near" in by_id[2].reasons
    assert "town_unknown" in by_id[5].reasons
    assert not {"town_same", "town_near", "town_unknown"} & set(by_id[4].reasons)


def test_topic_overlap_counts_by_share() -> None:
    r = request(topics=("paperwork", "school"))
    both = mentor(1, topics=("paperwork", "school"))
    one = mentor(2, topics=("paperwork",))
    neither = mentor(3, topics=("health",))
    ranked = suggest(r, [neither, one, both], (), NOW)
    assert [s.mentor_id for s in ranked] == [1, 2, 3]
    assert "topics_all" in ranked[0].reasons and "topics_some" in ranked[1].reasons
    assert score(one, r).score - score(neither, r).score == pytest.approx(0.15)


def test_free_capacity_breaks_an_otherwise_equal_tie() -> None:
    busy = mentor(1, capacity=3, mentees=2)
    free = mentor(2, capacity=3, mentees=0)
    assert [s.mentor_id for s in suggest(request(), [busy, free], (), NOW)] == [2, 1]


def test_ties_are_ordered_by_id_so_the_result_is_stable() -> None:
    assert [s.mentor_id for s in suggest(request(), [mentor(7), mentor(3)], (), NOW)] == [3, 7]


@pytest.mark.parametrize(
    ("who", "proposed"),
    [
        (mentor(1, status="retired"), ()),
        (mentor(1, status="incomplete"), ()),
        (mentor(1, paused_until=NOW + timedelta(days=1)), ()),
        (mentor(1, capacity=2, mentees=2), ()),
        (mentor(100), ()),  # the woman herself
        (mentor(1), (1,)),  # already proposed for this request
    ],
)
def test_mentors_who_cannot_be_asked_are_never_suggested(
    who: Mentor, proposed: tuple[int, ...]
) -> None:
    assert not eligible(who, request(), proposed, NOW)
    assert suggest(request(), [who], proposed, NOW) == []


def test_a_pause_that_has_ended_no_longer_counts() -> None:
    assert eligible(mentor(1, paused_until=NOW - timedelta(minutes=1)), request(), (), NOW)


def test_limit_keeps_the_best() -> None:
    mentors = [mentor(i, languages=("ar",) if i == 5 else ("uk",)) for i in range(1, 8)]
    assert [s.mentor_id for s in suggest(request(), mentors, (), NOW, limit=2)] == [5, 1]


def test_requests_are_served_longest_waiting_first() -> None:
    old = request(request_id=2, waiting_since=NOW - timedelta(days=20))
    new = request(request_id=1, waiting_since=NOW - timedelta(days=1))
    tie = request(request_id=3, waiting_since=NOW - timedelta(days=20))
    assert [r.request_id for r in longest_waiting_first([new, tie, old])] == [2, 3, 1]


def test_no_topics_asked_is_neutral_not_zero() -> None:
    assert score(mentor(1), request(topics=())).score == pytest.approx(0.4 + 0.15 + 0.2 + 0.1)


def test_town_distances_are_plausible() -> None:
    km = distance_km("Nienburg (Weser)", "Hoya")
    assert km is not None and 17 < km < 22
    assert distance_km("Nienburg", "NIENBURG (WESER)") == 0.0
    assert distance_km("Hoya", None) is None
    assert distance_km("Hoya", "Atlantis") is None
    assert same_town(" hoya ", "Hoya") and not same_town(None, None)
