"""Seeding mentors and waiting requests directly (the chat that writes them is another part
of the feature), for the matching, CLI and page tests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, insert, update

from bot.db.tables import mentor_profiles, mentoring_requests, people


def add_woman(
    db: Engine,
    org: int,
    name: str,
    now: datetime,
    *,
    role: str = "participant",
    town: str = "Nienburg (Weser)",
    language: str = "de",
) -> int:
    with db.begin() as conn:
        return int(
            conn.execute(
                insert(people)
                .values(
                    organisation_id=org,
                    role=role,
                    language=language,
                    display_name=name,
                    town=town,
                    interests=[],
                    attend_help=[],
                    status="active",
                    consent_given_at=now,
                    created_at=now,
                )
                .returning(people.c.id)
            ).scalar_one()
        )


def add_mentor(
    db: Engine,
    org: int,
    name: str,
    now: datetime,
    *,
    town: str = "Nienburg (Weser)",
    languages: tuple[str, ...] = ("de", "ar"),
    topics: tuple[str, ...] = ("paperwork",),
    capacity: int = 1,
    paused_until: datetime | None = None,
) -> int:
    """An active mentor with a complete profile; her id."""
    person = add_woman(db, org, name, now, role="mentor", town=town)
    with db.begin() as conn:
        conn.execute(
            insert(mentor_profiles).values(
                person_id=person,
                organisation_id=org,
                languages=list(languages),
                topics=list(topics),
                availability=["evenings"],
                capacity=capacity,
                paused_until=paused_until,
                status="active",
                created_at=now,
                updated_at=now,
            )
        )
    return person


def add_request(
    db: Engine,
    org: int,
    name: str,
    now: datetime,
    *,
    town: str = "Nienburg (Weser)",
    language: str = "ar",
    topics: tuple[str, ...] = ("paperwork",),
) -> tuple[int, int]:
    """A participant with a waiting request since ``now``: (her id, the request's id)."""
    person = add_woman(db, org, name, now, town=town, language=language)
    with db.begin() as conn:
        request = conn.execute(
            insert(mentoring_requests)
            .values(
                organisation_id=org,
                person_id=person,
                topics=list(topics),
                language=language,
                status="waiting",
                created_at=now,
                updated_at=now,
            )
            .returning(mentoring_requests.c.id)
        ).scalar_one()
    return person, int(request)


def without_demo_mentors(db: Engine) -> None:
    """Retire the demo mentors' profiles (Anna, Leyla: ``bot.demo``), so that a test's own
    mentors are the only ones suggested."""
    with db.begin() as conn:
        conn.execute(update(mentor_profiles).values(status="retired"))
