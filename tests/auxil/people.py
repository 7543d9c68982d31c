"""Two organisations with people in each, and the staff members who look at them.

The demo organisation (``vnb-nienburg``, with its two mentors and the course
``deutsch-a2-nienburg`` whose first session is the day after the clock's start) and a second
one, ``hoya-hilft``, in another time zone's neighbour (also Berlin), with people of its own.
People are written as the bot would have stored them: encrypted name and town, an identity per
channel with its status.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from bot.db.tables import (
    attendance,
    courses,
    enrolments,
    identities,
    organisations,
    outbox,
    people,
    sessions,
    staff,
    staff_memberships,
)
from bot.identity import lookup_key
from bot.runtime import Runtime
from bot.staff.principal import StaffUser
from tests.auxil.constants import TEST_SECRET

DEMO = "vnb-nienburg"
OTHER = "hoya-hilft"


def organisation_id(runtime: Runtime, slug: str) -> int:
    with runtime.db.connect() as conn:
        return int(
            conn.execute(
                select(organisations.c.id).where(organisations.c.slug == slug)
            ).scalar_one()
        )


def second_organisation(runtime: Runtime, now: datetime) -> int:
    """The organisation ``hoya-hilft`` (towns Hoya, Bücken)."""
    with runtime.db.begin() as conn:
        return int(
            conn.execute(
                insert(organisations)
                .values(
                    slug=OTHER,
                    name="Hoya hilft e.V.",
                    timezone="Europe/Berlin",
                    default_language="de",
                    towns=["Hoya", "Bücken"],
                    created_at=now,
                )
                .returning(organisations.c.id)
            ).scalar_one()
        )


def add_person(
    runtime: Runtime,
    organisation: int,
    name: str,
    now: datetime,
    *,
    town: str = "Hoya",
    language: str = "de",
    status: str = "active",
    channels: Sequence[tuple[str, str, str]] = (),
    interests: Sequence[str] = (),
    attend_help: Sequence[str] = (),
) -> int:
    """A person with ``channels`` as (channel, address, status); returns her id."""
    with runtime.db.begin() as conn:
        person = int(
            conn.execute(
                insert(people)
                .values(
                    organisation_id=organisation,
                    role="participant",
                    language=language,
                    display_name=name,
                    town=town,
                    interests=list(interests),
                    attend_help=list(attend_help),
                    status=status,
                    consent_given_at=now if status != "new" else None,
                    created_at=now,
                )
                .returning(people.c.id)
            ).scalar_one()
        )
        for channel, address, channel_status in channels:
            conn.execute(
                insert(identities).values(
                    person_id=person,
                    channel=channel,
                    lookup_key=lookup_key(TEST_SECRET, channel, address),
                    address=address,
                    status=channel_status,
                    created_at=now,
                )
            )
    return person


def add_course(
    runtime: Runtime, organisation: int, code: str, title: str, starts: Sequence[datetime]
) -> tuple[int, list[int]]:
    """A course with a two-hour session at each of ``starts``; its id and the sessions' ids."""
    with runtime.db.begin() as conn:
        course = int(
            conn.execute(
                insert(courses)
                .values(
                    organisation_id=organisation,
                    code=code,
                    title={"de": title},
                    description={},
                    created_at=starts[0] - timedelta(days=30),
                    reminders=[],
                )
                .returning(courses.c.id)
            ).scalar_one()
        )
        ids = [
            int(
                conn.execute(
                    insert(sessions)
                    .values(
                        course_id=course,
                        starts_at=start,
                        ends_at=start + timedelta(hours=2),
                        place="Rathaus Hoya",
                        address="",
                        directions="",
                        childcare=False,
                        status="planned",
                    )
                    .returning(sessions.c.id)
                ).scalar_one()
            )
            for start in starts
        ]
    return course, ids


def enrol(runtime: Runtime, course: int, person: int, now: datetime) -> None:
    with runtime.db.begin() as conn:
        conn.execute(insert(enrolments).values(course_id=course, person_id=person, created_at=now))


def answer(
    runtime: Runtime, session: int, person: int, intention: str, reason: str | None, at: datetime
) -> None:
    """What she said about a session, as the courses feature stores it."""
    with runtime.db.begin() as conn:
        conn.execute(
            insert(attendance).values(
                session_id=session,
                person_id=person,
                intention=intention,
                reason=reason,
                answered_at=at,
            )
        )


def held_message(runtime: Runtime, person: int, kind: str, now: datetime, key: str) -> None:
    """An outbox row held as ``needs_template`` (outside WhatsApp's window, no template)."""
    with runtime.db.begin() as conn:
        identity = conn.execute(
            select(identities.c.id).where(identities.c.person_id == person).limit(1)
        ).scalar_one()
        conn.execute(
            insert(outbox).values(
                idempotency_key=key,
                person_id=person,
                identity_id=identity,
                channel="whatsapp",
                kind=kind,
                priority=5,
                payload={"text": "Erinnerung"},
                status="needs_template",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )


def staff_member(
    runtime: Runtime, email: str, roles: dict[int, str], now: datetime
) -> dict[str, Any]:
    """A staff row with memberships (as ``twc staff add`` writes them); its id and roles."""
    with runtime.db.begin() as conn:
        member = int(
            conn.execute(
                insert(staff)
                .values(
                    email=email,
                    display_name=email.split("@")[0],
                    password_hash="not-a-login",
                    language="de",
                    created_at=now,
                )
                .returning(staff.c.id)
            ).scalar_one()
        )
        for org, role in roles.items():
            conn.execute(
                insert(staff_memberships).values(
                    staff_id=member, organisation_id=org, role=role, created_at=now
                )
            )
    return {"id": member, "email": email, "roles": roles}


def principal(runtime: Runtime, email: str, roles: dict[int, str], now: datetime) -> StaffUser:
    """A staff member stored with ``roles``, as the shell hands her to a page when logged in."""
    member = staff_member(runtime, email, roles, now)
    return StaffUser(member["id"], email, email.split("@")[0], "de", dict(roles))
