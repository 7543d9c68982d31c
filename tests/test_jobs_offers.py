"""Job offers entered by staff: the rules, the organisation scope, closing, reopening,
publishing an imported offer, the outcome per woman, the audit log (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import insert, select

from bot.db.tables import audit, job_notices, job_offers, job_profiles
from bot.features.jobs.offer_rows import notice_rows, offer_rows
from bot.features.jobs.offers import OfferError, OfferNotFoundError, OffersService, Scope
from bot.runtime import Runtime
from tests.auxil.clock import FrozenClock
from tests.auxil.people import DEMO, add_person, organisation_id, second_organisation

OFFER: dict[str, Any] = {
    "title": {"de": "Küchenhilfe in einer Kita", "ar": "مساعدة في مطبخ روضة أطفال", "en": ""},
    "description": {"de": "Gemüse schneiden, Essen ausgeben."},
    "hours_note": {"de": "Nur vormittags"},
    "employer": "Kita Sonnenschein",
    "employer_shown": False,
    "town": "Nienburg (Weser)",
    "hours_per_week": "20",
    "kind": "part_time",
    "german_level": "a2",
    "childcare_friendly": True,
    "starts_on": "2027-01-04",
    "expires_on": date(2027, 1, 31),
    "places": 2,
    "url": "https://example.org/stelle",
}


@pytest.fixture
def org(runtime: Runtime) -> int:
    return organisation_id(runtime, DEMO)


@pytest.fixture
def scope(org: int) -> Scope:
    return Scope(frozenset({org}), "staff:coordination@example.org")


@pytest.fixture
def service(runtime: Runtime) -> OffersService:
    return OffersService(runtime.db, runtime.clock)


def offer_row(runtime: Runtime, offer_id: int) -> Any:
    with runtime.db.connect() as conn:
        return conn.execute(select(job_offers).where(job_offers.c.id == offer_id)).one()


def audit_actions(runtime: Runtime) -> list[str]:
    with runtime.db.connect() as conn:
        return list(
            conn.execute(
                select(audit.c.action).where(audit.c.action.like("jobs.%")).order_by(audit.c.id)
            ).scalars()
        )


def test_create_stores_what_was_entered_and_audits(
    runtime: Runtime, service: OffersService, scope: Scope, org: int, clock: FrozenClock
) -> None:
    offer_id = service.create(scope, org, OFFER)
    row = offer_row(runtime, offer_id)
    assert row.status == "open" and row.source == "staff"
    assert row.title == {"de": "Küchenhilfe in einer Kita", "ar": "مساعدة في مطبخ روضة أطفال"}
    assert row.hours_per_week == 20 and row.german_level == "A2" and row.places == 2
    assert row.employer == "Kita Sonnenschein" and row.employer_shown is False
    assert row.childcare_friendly is True
    assert (row.starts_on, row.expires_on) == (date(2027, 1, 4), date(2027, 1, 31))
    assert row.created_by == scope.actor
    assert audit_actions(runtime) == ["jobs.create"]

    with runtime.db.connect() as conn:
        (listed,) = offer_rows(conn, scope.organisation_ids, clock(), "open")
    assert listed.id == offer_id and listed.shown_title == "Küchenhilfe in einer Kita"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"title": {"ar": "عمل"}}, "title_required"),
        ({"title": {"de": "Arbeit", "xx": "?"}}, "language"),
        ({"kind": "astronaut"}, "kind"),
        ({"german_level": "C2"}, "german_level"),
        ({"town": " "}, "town_required"),
        ({"hours_per_week": 0}, "hours"),
        ({"hours_per_week": 61}, "hours"),
        ({"hours_per_week": "viele"}, "number"),
        ({"places": 0}, "places"),
        ({"expires_on": None}, "expiry_required"),
        ({"expires_on": "31.01.2027"}, "date"),
        ({"expires_on": "2027-01-04"}, "expiry_order"),
        ({"url": "javascript:alert(1)"}, "url"),
    ],
)
def test_bad_input_is_refused_and_nothing_stored(
    runtime: Runtime,
    service: OffersService,
    scope: Scope,
    org: int,
    change: dict[str, Any],
    code: str,
) -> None:
    with pytest.raises(OfferError) as raised:
        service.create(scope, org, {**OFFER, **change})
    assert raised.value.code == code
    with runtime.db.connect() as conn:
        assert conn.execute(select(job_offers)).first() is None
    assert audit_actions(runtime) == []


def test_another_organisations_offer_is_not_found(
    runtime: Runtime, service: OffersService, scope: Scope, clock: FrozenClock
) -> None:
    other = second_organisation(runtime, clock())
    theirs = service.create(Scope(frozenset({other}), "staff:hoya"), other, OFFER)
    with pytest.raises(OfferNotFoundError):
        service.create(scope, other, OFFER)
    with pytest.raises(OfferNotFoundError):
        service.edit(scope, theirs, {**OFFER, "town": "Hoya"})
    with pytest.raises(OfferNotFoundError):
        service.close(scope, theirs)
    assert offer_row(runtime, theirs).status == "open"
    with runtime.db.connect() as conn:
        assert offer_rows(conn, scope.organisation_ids, clock()) == []


def test_edit_close_reopen(
    runtime: Runtime, service: OffersService, scope: Scope, org: int, clock: FrozenClock
) -> None:
    offer_id = service.create(scope, org, OFFER)
    clock.advance(hours=1)
    service.edit(scope, offer_id, {**OFFER, "title": {"de": "Küchenhilfe", "uk": "Кухня"}})
    assert offer_row(runtime, offer_id).title == {"de": "Küchenhilfe", "uk": "Кухня"}

    assert service.close(scope, offer_id) is True
    row = offer_row(runtime, offer_id)
    assert row.status == "closed" and row.closed_at is not None
    assert service.close(scope, offer_id) is False
    assert service.reopen(scope, offer_id) is True
    row = offer_row(runtime, offer_id)
    assert row.status == "open" and row.closed_at is None
    assert audit_actions(runtime) == ["jobs.create", "jobs.edit", "jobs.close", "jobs.reopen"]


def test_an_expired_offer_is_listed_as_closed_and_cannot_be_reopened(
    runtime: Runtime, service: OffersService, scope: Scope, org: int, clock: FrozenClock
) -> None:
    offer_id = service.create(scope, org, {**OFFER, "starts_on": None, "expires_on": "2026-12-01"})
    with runtime.db.connect() as conn:
        assert [r.id for r in offer_rows(conn, scope.organisation_ids, clock(), "open")] == [
            offer_id
        ]
    clock.advance(days=1)  # 1 December, 09:00 UTC: the expiry day in Berlin
    with runtime.db.connect() as conn:
        assert offer_rows(conn, scope.organisation_ids, clock(), "open") == []
        (closed,) = offer_rows(conn, scope.organisation_ids, clock(), "closed")
    assert closed.id == offer_id and closed.expired
    service.close(scope, offer_id)
    with pytest.raises(OfferError) as raised:
        service.reopen(scope, offer_id)
    assert raised.value.code == "expired"


def test_publishing_an_imported_offer(
    runtime: Runtime, service: OffersService, scope: Scope, org: int, clock: FrozenClock
) -> None:
    with runtime.db.begin() as conn:
        imported = conn.execute(
            insert(job_offers)
            .values(
                organisation_id=org,
                status="review",
                source="ba",
                external_id="10000-1234567890-S",
                title={},
                town="Nienburg (Weser)",
                kind="part_time",
                expires_on=date(2026, 12, 28),
                created_by="import:ba",
                created_at=clock(),
                updated_at=clock(),
            )
            .returning(job_offers.c.id)
        ).scalar_one()
    with pytest.raises(OfferError) as raised:
        service.publish(scope, imported)
    assert raised.value.code == "title_required"
    assert offer_row(runtime, imported).status == "review"

    service.edit(scope, imported, {**OFFER, "expires_on": "2026-12-28", "starts_on": None})
    assert offer_row(runtime, imported).status == "review"  # editing does not send it
    assert service.publish(scope, imported) is True
    assert offer_row(runtime, imported).status == "open"
    assert service.publish(scope, imported) is False
    assert audit_actions(runtime) == ["jobs.edit", "jobs.publish"]


def test_outcome_per_woman_and_her_answers(
    runtime: Runtime, service: OffersService, scope: Scope, org: int, clock: FrozenClock
) -> None:
    offer_id = service.create(scope, org, OFFER)
    samira = add_person(runtime, org, "Samira Haddad", clock())
    olena = add_person(runtime, org, "Olena", clock())
    with runtime.db.begin() as conn:
        conn.execute(
            insert(job_profiles).values(
                person_id=samira,
                answers={"german": "A2", "hours": 20, "travel_km": 15},
                updated_at=clock(),
            )
        )
        for person, status in ((olena, "sent"), (samira, "interested")):
            conn.execute(
                insert(job_notices).values(
                    organisation_id=org,
                    person_id=person,
                    offer_id=offer_id,
                    status=status,
                    digest=f"{person}:2026-W49",
                    sent_at=clock(),
                )
            )
        notice = conn.execute(
            select(job_notices.c.id).where(job_notices.c.person_id == samira)
        ).scalar_one()

    with runtime.db.connect() as conn:
        first, second = notice_rows(conn, offer_id)
        (listed,) = offer_rows(conn, scope.organisation_ids, clock())
    assert (first.first_name, first.status, first.german, first.hours, first.travel_km) == (
        "Samira",
        "interested",
        "A2",
        20,
        15,
    )
    assert (second.first_name, second.german) == ("Olena", None)
    assert (listed.told, listed.interested) == (2, 1)

    service.record_outcome(scope, notice, "invited")
    with runtime.db.connect() as conn:
        stored = conn.execute(select(job_notices).where(job_notices.c.id == notice)).one()
        details = conn.execute(
            select(audit.c.details).where(audit.c.action == "jobs.outcome")
        ).scalar_one()
    assert (stored.outcome, stored.outcome_by, stored.outcome_at) == (
        "invited",
        scope.actor,
        clock(),
    )
    assert details == {"notice": notice, "offer": offer_id, "outcome": "invited"}  # no name

    with pytest.raises(OfferError):
        service.record_outcome(scope, notice, "hired")
    with pytest.raises(OfferNotFoundError):
        service.record_outcome(Scope(frozenset({org + 999}), "x"), notice, "applied")
    service.record_outcome(scope, notice, None)
    with runtime.db.connect() as conn:
        cleared = conn.execute(select(job_notices).where(job_notices.c.id == notice)).one()
    assert cleared.outcome is None and cleared.outcome_by is None
