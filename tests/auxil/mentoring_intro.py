"""Two women ready for an introduction (used by the introduction tests and their goldens)."""

from __future__ import annotations

from sqlalchemy import insert, select, update
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
        conn.execute(update(people).where(people.c.id == marta_id).values(role="mentor"))
        conn.execute(
            insert(mentor_profiles).values(
                person_id=marta_id,
                organisation_id=org_id,
                languages=["de", "ar"],
                topics=["paperwork", "school"],
                availability=["evenings"],
                capacity=2,
                status="active",
                created_at=now,
                updated_at=now,
            )
        )
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
        request_id = conn.execute(
            insert(mentoring_requests)
            .values(
                organisation_id=org_id,
                person_id=amina_id,
                topics=["paperwork"],
                language="de",
                status="waiting",
                created_at=now,
                updated_at=now,
            )
            .returning(mentoring_requests.c.id)
        ).scalar_one()
        match_id = proposals.propose(
            conn, request_id=request_id, mentor_id=marta_id, proposed_by="staff:1", now=now
        )
    return amina, marta, amina_id, marta_id, match_id
