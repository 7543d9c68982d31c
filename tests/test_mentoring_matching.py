"""The matching service: waiting requests with suggestions, proposing, taking back, ending,
the automatic proposals and their settings (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.db.tables import (
    audit,
    mentor_matches,
    mentoring_requests,
    nudges,
)
from bot.features.mentoring import states
from bot.features.mentoring.matching import (
    MatchingError,
    MatchingService,
    NotFoundError,
    propose_automatically,
)
from bot.runtime import Runtime
from tests.auxil import mentoring_staff as seed
from tests.auxil.clock import FrozenClock
from tests.auxil.mentoring_staff import without_demo_mentors
from tests.auxil.people import DEMO, organisation_id, principal, second_organisation


def add_mentor(runtime: Runtime, org: int, name: str, now: datetime, **kw: Any) -> int:
    return seed.add_mentor(runtime.db, org, name, now, **kw)


def add_request(
    runtime: Runtime, org: int, name: str, now: datetime, **kw: Any
) -> tuple[int, int]:
    return seed.add_request(runtime.db, org, name, now, **kw)


@pytest.fixture
def org(runtime: Runtime) -> int:
    return organisation_id(runtime, DEMO)


@pytest.fixture(autouse=True)
def _only_our_mentors(runtime: Runtime) -> None:
    without_demo_mentors(runtime.db)


def test_waiting_requests_come_longest_first_with_ranked_suggestions(
    runtime: Runtime, clock: FrozenClock, org: int
) -> None:
    now = clock()
    near = add_mentor(runtime, org, "Nadia", now, town="Marklohe")
    far = add_mentor(runtime, org, "Greta", now, town="Uchte", languages=("de",))
    _, newer = add_request(runtime, org, "Samira", now)
    _, older = add_request(runtime, org, "Huda", now - timedelta(days=10))
    staff = principal(runtime, "k@example.org", {org: "coordinator"}, now)
    rows = MatchingService(runtime.db, clock).waiting(staff)
    assert [r.request_id for r in rows] == [older, newer]
    assert rows[0].waiting_days == 10 and rows[0].name == "Huda"
    first = rows[0].suggestions
    assert [s.mentor.person_id for s in first] == [near, far]
    assert first[0].reasons[:2] == ("language", "topics_all")
    assert "town_near" in first[0].reasons
    assert "no_language" in first[1].reasons


def test_proposing_asks_the_mentor_and_is_audited_and_never_suggested_again(
    runtime: Runtime, clock: FrozenClock, org: int
) -> None:
    now = clock()
    mentor = add_mentor(runtime, org, "Nadia", now)
    other = add_mentor(runtime, org, "Greta", now)
    _, request = add_request(runtime, org, "Samira", now)
    staff = principal(runtime, "k@example.org", {org: "coordinator"}, now)
    service = MatchingService(runtime.db, clock)
    match = service.propose(staff, request, mentor)
    with runtime.db.connect() as conn:
        row = conn.execute(select(mentor_matches).where(mentor_matches.c.id == match)).one()
        assert row.status == states.ASKING_MENTOR and row.proposed_by == staff.actor
        assert row.score == pytest.approx(1.0) and "language" in row.reasons
        asked = conn.execute(select(nudges.c.person_id, nudges.c.payload)).all()
        assert [(a.person_id, a.payload["side"]) for a in asked] == [(mentor, "mentor")]
        entry = conn.execute(select(audit).where(audit.c.action == "mentoring.propose")).one()
        assert entry.actor == staff.actor and entry.organisation_id == org
    assert service.waiting(staff) == []  # proposed: no longer waiting
    in_flight = service.matches(staff, states.IN_FLIGHT)
    assert [(m.match_id, m.asked_side, m.mentor_name) for m in in_flight] == [
        (match, "mentor", "Nadia")
    ]

    # Staff take it back: she waits again, and Nadia is not suggested a second time.
    service.take_back(staff, match)
    again = service.waiting(staff)
    assert [s.mentor.person_id for s in again[0].suggestions] == [other]
    with pytest.raises(MatchingError):
        service.propose(staff, request, mentor)
    with pytest.raises(MatchingError):
        service.take_back(staff, match)  # no longer in flight


def test_ending_a_running_match_closes_the_request(
    runtime: Runtime, clock: FrozenClock, org: int
) -> None:
    now = clock()
    mentor = add_mentor(runtime, org, "Nadia", now)
    _, request = add_request(runtime, org, "Samira", now)
    staff = principal(runtime, "k@example.org", {org: "coordinator"}, now)
    service = MatchingService(runtime.db, clock)
    match = service.propose(staff, request, mentor)
    with runtime.db.begin() as conn:
        conn.execute(
            update(mentor_matches)
            .where(mentor_matches.c.id == match)
            .values(status=states.ACTIVE, started_at=now)
        )
    clock.advance(days=states.QUIET_MATCH_DAYS + 1)
    active = service.matches(staff, (states.ACTIVE,))
    assert [m.quiet for m in active] == [True]
    service.end(staff, match)
    with runtime.db.connect() as conn:
        row = conn.execute(select(mentor_matches).where(mentor_matches.c.id == match)).one()
        assert (row.status, row.ended_by) == (states.ENDED, states.STAFF)
        status = conn.execute(
            select(mentoring_requests.c.status).where(mentoring_requests.c.id == request)
        ).scalar_one()
        assert status == states.CLOSED


def test_another_organisation_is_like_nothing(
    runtime: Runtime, clock: FrozenClock, org: int
) -> None:
    now = clock()
    other = second_organisation(runtime, now)
    mentor = add_mentor(runtime, other, "Nadia", now, town="Hoya")
    _, request = add_request(runtime, other, "Samira", now, town="Hoya")
    staff = principal(runtime, "k@example.org", {org: "admin"}, now)
    service = MatchingService(runtime.db, clock)
    assert service.waiting(staff) == []
    assert mentor not in {m.person_id for m in service.mentors(staff)}
    with pytest.raises(NotFoundError):
        service.propose(staff, request, mentor)
    with pytest.raises(NotFoundError):
        service.suggestions(staff, request)
    with pytest.raises(NotFoundError):
        service.save_settings(staff, other, True, 0.5)


def test_automatic_proposals_only_where_switched_on_and_above_the_threshold(
    runtime: Runtime, clock: FrozenClock, org: int
) -> None:
    now = clock()
    mentor = add_mentor(runtime, org, "Nadia", now, capacity=1)
    _, older = add_request(runtime, org, "Huda", now - timedelta(days=5))
    _, newer = add_request(runtime, org, "Samira", now)
    _, weak = add_request(
        runtime,
        org,
        "Olena",
        now - timedelta(days=9),
        language="uk",
        topics=("school",),
        town="Bremen",
    )
    with runtime.db.begin() as conn:
        assert propose_automatically(conn, now) == 0  # off by default
    staff = principal(runtime, "a@example.org", {org: "admin"}, now)
    service = MatchingService(runtime.db, clock)
    service.save_settings(staff, org, True, 0.8)
    assert [(s.auto_propose, s.threshold) for s in service.settings(staff)] == [(True, 0.8)]
    with pytest.raises(MatchingError):
        service.save_settings(staff, org, True, 1.5)
    with runtime.db.begin() as conn:
        assert propose_automatically(conn, now) == 1
    with runtime.db.connect() as conn:
        made = conn.execute(select(mentor_matches)).all()
    # Olena waited longest but scores below 0.8; Huda before Samira; one place only.
    assert [(m.request_id, m.mentor_id, m.proposed_by) for m in made] == [(older, mentor, "auto")]
    assert {r.request_id for r in service.waiting(staff)} == {newer, weak}


def test_the_page_ranks_only_the_longest_waiting(
    runtime: Runtime, clock: FrozenClock, org: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.features.mentoring import matching

    now = clock()
    add_mentor(runtime, org, "Nadia", now)
    made = [add_request(runtime, org, f"W{i}", now - timedelta(hours=i))[1] for i in range(4)]
    staff = principal(runtime, "k@example.org", {org: "coordinator"}, now)
    monkeypatch.setattr(matching, "SHOWN_REQUESTS", 2)
    view = MatchingService(runtime.db, clock).overview(staff)
    assert view.waiting_total == 4
    assert [r.request_id for r in view.waiting] == [made[3], made[2]]


def test_automatic_proposals_give_the_next_woman_the_next_free_mentor(
    runtime: Runtime, clock: FrozenClock, org: int
) -> None:
    now = clock()
    nadia = add_mentor(runtime, org, "Nadia", now, capacity=1)
    greta = add_mentor(runtime, org, "Greta", now, capacity=1, town="Marklohe")
    _, first = add_request(runtime, org, "Huda", now - timedelta(days=3))
    _, second = add_request(runtime, org, "Samira", now - timedelta(days=1))
    staff = principal(runtime, "a@example.org", {org: "admin"}, now)
    MatchingService(runtime.db, clock).save_settings(staff, org, True, 0.5)
    with runtime.db.begin() as conn:
        assert propose_automatically(conn, now) == 2
    with runtime.db.connect() as conn:
        made = conn.execute(select(mentor_matches.c.request_id, mentor_matches.c.mentor_id)).all()
    # Nadia (same town) for the woman waiting longest; Greta, the next best, for the other.
    assert sorted(tuple(m) for m in made) == sorted([(first, nadia), (second, greta)])


def test_erasing_a_woman_removes_her_from_matches_and_the_audit_log(
    runtime: Runtime, clock: FrozenClock, org: int
) -> None:
    from bot.erasure import Eraser

    now = clock()
    mentor = add_mentor(runtime, org, "Nadia", now)
    woman, request = add_request(runtime, org, "Samira", now)
    staff = principal(runtime, "k@example.org", {org: "coordinator"}, now)
    match = MatchingService(runtime.db, clock).propose(staff, request, mentor)
    with runtime.db.begin() as conn:
        Eraser().erase(conn, woman, now=now, actor="test", reason="request")
    with runtime.db.connect() as conn:
        assert (
            conn.execute(select(mentor_matches).where(mentor_matches.c.id == match)).first()
            is None
        )
        entry = conn.execute(select(audit).where(audit.c.action == "mentoring.propose")).one()
    assert entry.details == {"match": match, "people": [mentor]}
