"""Seeding job offers, women with job answers and notices directly (the staff pages and the
import that write offers are other parts of the feature), for the matching and CLI tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, insert, select

from bot.db.tables import consents, job_notices, job_offers, job_profiles, organisations, people


def org_id(db: Engine, slug: str = "vnb-nienburg") -> int:
    with db.connect() as conn:
        return int(
            conn.execute(
                select(organisations.c.id).where(organisations.c.slug == slug)
            ).scalar_one()
        )


def add_offer(
    db: Engine,
    org: int,
    now: datetime,
    *,
    title: str = "Küchenhilfe",
    town: str = "Nienburg (Weser)",
    hours: int | None = 15,
    kind: str = "mini_job",
    german: str = "none",
    childcare: bool = False,
    expires_on: date = date(2027, 1, 31),
    status: str = "open",
) -> int:
    """An offer entered by staff; its id."""
    with db.begin() as conn:
        return int(
            conn.execute(
                insert(job_offers)
                .values(
                    organisation_id=org,
                    status=status,
                    source="staff",
                    title={"de": title},
                    description={"de": f"{title}: eine Beschreibung."},
                    employer="Beispiel GmbH",
                    employer_shown=True,
                    town=town,
                    hours_per_week=hours,
                    kind=kind,
                    german_level=german,
                    childcare_friendly=childcare,
                    hours_note={},
                    expires_on=expires_on,
                    places=1,
                    created_by="test",
                    created_at=now,
                    updated_at=now,
                )
                .returning(job_offers.c.id)
            ).scalar_one()
        )


def add_seeker(
    db: Engine,
    org: int,
    name: str,
    now: datetime,
    *,
    town: str = "Nienburg (Weser)",
    answers: dict[str, Any] | None = None,
    attend_help: Sequence[str] = (),
    purposes: Sequence[str] = ("profile", "messages", "job_offers"),
) -> int:
    """An active woman with job answers and the consents ``purposes``; her id."""
    with db.begin() as conn:
        person = int(
            conn.execute(
                insert(people)
                .values(
                    organisation_id=org,
                    role="participant",
                    language="de",
                    display_name=name,
                    town=town,
                    interests=["jobs"],
                    attend_help=list(attend_help),
                    status="active",
                    consent_given_at=now,
                    created_at=now,
                )
                .returning(people.c.id)
            ).scalar_one()
        )
        for purpose in purposes:
            conn.execute(
                insert(consents).values(
                    person_id=person,
                    purpose=purpose,
                    wording_version="test",
                    language="de",
                    channel="simulator",
                    given_at=now,
                )
            )
        conn.execute(
            insert(job_profiles).values(
                person_id=person,
                answers=answers or {"german": "A2", "hours": 20, "travel_km": 25},
                updated_at=now,
            )
        )
    return person


def add_notice(
    db: Engine, org: int, person: int, offer: int, now: datetime, status: str = "sent"
) -> None:
    """She was told about ``offer`` (and answered ``status``)."""
    with db.begin() as conn:
        conn.execute(
            insert(job_notices).values(
                organisation_id=org,
                person_id=person,
                offer_id=offer,
                status=status,
                digest=f"{person}:2026-W48",
                sent_at=now,
            )
        )
