"""Two women ready for an introduction (used by the introduction tests and their goldens)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select, update
from starlette.testclient import TestClient

from bot.db.tables import consents, mentor_profiles, mentoring_requests, people
from bot.features.mentoring import proposals
from bot.runtime import Runtime
from tests.auxil.courses import person_of
from tests.auxil.simulator import Simulator, onboard


def setup(
    runtime: Runtime,
    client: TestClient,
    mentor_language: str = "Deutsch",
    participant_language: str = "Deutsch",
    participant_name: str = "Amina",
    mentor_name: str = "Marta Schulz",
) -> tuple[Simulator, Simulator, int, int, int]:
    """Amina (participant, Hoya) asks for a mentor; Marta (mentor, Hoya, speaks German and
    Arabic) has a place.  Onboarding as a participant does it; Marta is then made a mentor."""
    amina, marta = Simulator(client, "amina"), Simulator(client, "marta")
    onboard(amina, language=participant_language, name=participant_name)
    onboard(marta, language=mentor_language, name=mentor_name)
    amina_id, marta_id = person_of(runtime, "amina"), person_of(runtime, "marta")
    now = runtime.clock()
    with runtime.db.begin() as conn:
        org = conn.execute(select(people.c.organisation_id).where(people.c.id == marta_id))
        org_id = org.scalar_one()
        # Both agreed to the purpose "mentoring" (in the chat: the hubs ask for it first).
        conn.execute(
            insert(consents),
            [
                {
                    "person_id": person,
                    "purpose": "mentoring",
                    "wording_version": "test",
                    "language": "de",
                    "channel": "simulator",
                    "given_at": now,
                }
                for person in (amina_id, marta_id)
            ],
        )
        match_id = introduce(
            conn,
            org_id,
            marta_id,
            amina_id,
            now,
            mentor_languages=["de", "ar"],
            mentor_topics=["paperwork", "school"],
            wished_topics=["paperwork"],
            wished_language="de",
        )
    return amina, marta, amina_id, marta_id, match_id


def introduce(
    conn: Connection,
    org_id: int,
    mentor_id: int,
    participant_id: int,
    now: datetime,
    *,
    mentor_languages: list[str],
    mentor_topics: list[str],
    wished_topics: list[str],
    wished_language: str,
    capacity: int = 2,
    proposed_by: str = "staff:1",
) -> int:
    """Make ``mentor_id`` an active mentor, give ``participant_id`` a waiting request, and
    propose the one to the other (the mentor is asked first); the match's id."""
    conn.execute(update(people).where(people.c.id == mentor_id).values(role="mentor"))
    conn.execute(
        insert(mentor_profiles).values(
            person_id=mentor_id,
            organisation_id=org_id,
            languages=mentor_languages,
            topics=mentor_topics,
            availability=["evenings"],
            capacity=capacity,
            status="active",
            created_at=now,
            updated_at=now,
        )
    )
    request_id = conn.execute(
        insert(mentoring_requests)
        .values(
            organisation_id=org_id,
            person_id=participant_id,
            topics=wished_topics,
            language=wished_language,
            status="waiting",
            created_at=now,
            updated_at=now,
        )
        .returning(mentoring_requests.c.id)
    ).scalar_one()
    return proposals.propose(
        conn, request_id=request_id, mentor_id=mentor_id, proposed_by=proposed_by, now=now
    )
