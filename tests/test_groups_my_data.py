"""Issue 16, privacy self-service: "my data" shows the groups she is in (or left, or asked to
join) and the meetups she voted on or answered; the export has them in full; erasing her
deletes her memberships, votes and answers with her.

The rows are written directly (the groups and meetups themselves are other parts of the
feature); what she reads comes through the simulator.  SQLite and PostgreSQL, frozen clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, func, insert, select
from starlette.testclient import TestClient

from bot.db.tables import (
    group_members,
    groups,
    meetup_options,
    meetup_rsvps,
    meetup_votes,
    meetups,
)
from bot.features.my_data.export import as_json
from bot.features.my_data.gather import gather
from bot.runtime import Runtime
from tests.auxil.clock import FrozenClock
from tests.auxil.courses import person_of
from tests.auxil.jobs import org_id
from tests.auxil.simulator import Simulator, onboard

SATURDAY = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)  # 15:00 in Berlin


def _group(
    conn: Connection, org: int, code: str, name: dict[str, str], town: str, now: datetime
) -> int:
    return int(
        conn.execute(
            insert(groups)
            .values(
                organisation_id=org,
                code=code,
                name=name,
                description={},
                town=town,
                created_by="staff:1",
                created_at=now,
                updated_at=now,
            )
            .returning(groups.c.id)
        ).scalar_one()
    )


def test_her_groups_and_meetups_in_my_data_and_gone_with_her(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    sim = Simulator(client, "amina")
    onboard(sim)
    amina = person_of(runtime, "amina")
    now, org = clock(), org_id(runtime.db)
    with runtime.db.begin() as conn:
        cafe = _group(conn, org, "g-cafe", {"de": "Frauencafé Hoya"}, "Hoya", now)
        sewing = _group(conn, org, "g-naehen", {"de": "Nähgruppe"}, "Nienburg (Weser)", now)
        knit = _group(conn, org, "g-stricken", {"de": "Stricken"}, "Hoya", now)
        for group, role, status, left in (
            (cafe, "organiser", "active", None),
            (sewing, "member", "pending", None),
            (knit, "member", "left", now),
        ):
            conn.execute(
                insert(group_members).values(
                    group_id=group,
                    person_id=amina,
                    role=role,
                    status=status,
                    joined_at=now - timedelta(days=30),
                    left_at=left,
                )
            )
        meetup = int(
            conn.execute(
                insert(meetups)
                .values(
                    group_id=cafe,
                    title="Kaffee und Kuchen",
                    place="Gemeindehaus",
                    status="confirmed",
                    deadline=now + timedelta(days=2),
                    starts_at=SATURDAY,
                    created_at=now,
                    updated_at=now,
                )
                .returning(meetups.c.id)
            ).scalar_one()
        )
        option = int(
            conn.execute(
                insert(meetup_options)
                .values(meetup_id=meetup, position=0, starts_at=SATURDAY)
                .returning(meetup_options.c.id)
            ).scalar_one()
        )
        conn.execute(
            insert(meetup_votes).values(
                option_id=option, voter=f"p:{amina}", person_id=amina, source="chat", voted_at=now
            )
        )
        conn.execute(
            insert(meetup_rsvps).values(
                meetup_id=meetup, person_id=amina, answer="yes", answered_at=now
            )
        )

    sim.send("/mydata")
    text = sim.text()
    assert "👭 Gruppen" in text
    assert "• Frauencafé Hoya, Hoya: Organisatorin, seit Samstag, 31. Oktober 2026" in text
    assert "• Nähgruppe, Nienburg (Weser): Sie haben gefragt, ob Sie mitmachen dürfen" in text
    assert "• Stricken, Hoya: ausgetreten am Montag, 30. November 2026" in text
    assert "• Treffen „Kaffee und Kuchen“: Sie kommen" in text

    with runtime.db.connect() as conn:
        data = gather(conn, amina, clock())
    assert data is not None
    document = as_json(data, clock())
    assert [g["status"] for g in document["groups"]] == ["active", "pending", "left"]
    (answered,) = document["meetups"]
    assert answered["title"] == "Kaffee und Kuchen" and answered["her_answer"] == "yes"
    assert len(answered["voted_for"]) == 1

    sim.send("/delete")
    sim.press(sim.labels()[0])
    with runtime.db.connect() as conn:
        for table in (group_members, meetup_votes, meetup_rsvps):
            assert conn.execute(select(func.count()).select_from(table)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(meetups)).scalar_one() == 1
