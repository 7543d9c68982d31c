"""Issue 16, the vote's deadline: a meetup is confirmed on its own at the best time (most
voters, the earlier on a tie) when at least ``min_people`` can come, everyone is told and the
organiser hears it; with too few, nothing is confirmed and only the organiser is told (once).
SQLite and PostgreSQL, frozen clock (Monday 30 November 2026, 10:00 in Berlin).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from starlette.testclient import TestClient

from bot.db.tables import meetups, outbox
from bot.features.groups.meetup_deadlines import run_deadlines
from bot.features.groups.meetup_votes import person_voter, record_votes
from bot.runtime import Runtime
from scheduler.due import fire_due
from tests.auxil.clock import FrozenClock
from tests.auxil.courses import person_of
from tests.auxil.meetups import add_group, add_meetup
from tests.auxil.simulator import Simulator, onboard

FRIDAY = datetime(2026, 12, 4, 14, 0, tzinfo=UTC)
SATURDAY = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)


def texts(runtime: Runtime, person: int) -> list[str]:
    with runtime.db.connect() as conn:
        return [
            p["text"]
            for p in conn.execute(
                select(outbox.c.payload)
                .where(outbox.c.person_id == person, outbox.c.kind != "reply")
                .order_by(outbox.c.id)
            ).scalars()
        ]


def settle(runtime: Runtime, clock: FrozenClock) -> dict[str, int]:
    with runtime.db.begin() as conn:
        done = run_deadlines(conn, clock())
    fire_due(runtime.db, runtime.turns, clock)
    return done


def test_confirmed_at_the_deadline_when_enough_can_come(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    names = ("amina", "bela", "cora")
    for user in names:
        onboard(Simulator(client, user), name=user.title())
    amina, bela, cora = (person_of(runtime, u) for u in names)
    group = add_group(runtime.db, clock(), organisers=[amina], members=[bela, cora])
    deadline = clock() + timedelta(days=1)
    meetup = add_meetup(runtime.db, group, clock(), [FRIDAY, SATURDAY], deadline=deadline)
    with runtime.db.begin() as conn:
        for person, positions in ((amina, [0, 1]), (bela, [1]), (cora, [0])):
            record_votes(conn, meetup, person_voter(person), person, positions, "chat", clock())
    assert settle(runtime, clock) == {"confirmed": 0, "too_few": 0}  # not yet

    clock.advance(days=1)
    assert settle(runtime, clock) == {"confirmed": 1, "too_few": 0}
    with runtime.db.connect() as conn:
        row = conn.execute(select(meetups).where(meetups.c.id == meetup)).one()
    assert (row.status, row.starts_at) == ("confirmed", FRIDAY)  # a tie: the earlier
    assert texts(runtime, amina)[-2:] == [
        "📅 Frauencafé Hoya: Kaffee trinken\nDas Treffen findet statt!\n🕒 Fr., 4.12., 15:00\n"
        "📍 Café am Markt\n👶 Kinder sind willkommen.\n"
        "🚌 So kommen Sie hin: Bus 12 bis Marktplatz\nKommen Sie?",
        "✅ Frauencafé Hoya: Kaffee trinken\nDie Abstimmung ist zu Ende. "
        "Das Treffen ist am Fr., 4.12., 15:00.\nWir haben es allen in der Gruppe gesagt.",
    ]
    assert "Das Treffen findet statt!" in texts(runtime, bela)[-1]
    assert settle(runtime, clock) == {"confirmed": 0, "too_few": 0}


def test_too_few_tells_only_the_organiser_once(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    for user in ("amina", "bela"):
        onboard(Simulator(client, user), name=user.title())
    amina, bela = person_of(runtime, "amina"), person_of(runtime, "bela")
    group = add_group(runtime.db, clock(), organisers=[amina], members=[bela])
    meetup = add_meetup(
        runtime.db, group, clock(), [FRIDAY, SATURDAY], deadline=clock() + timedelta(hours=1)
    )
    with runtime.db.begin() as conn:
        record_votes(conn, meetup, person_voter(bela), bela, [1], "chat", clock())
    clock.advance(hours=1)
    assert settle(runtime, clock) == {"confirmed": 0, "too_few": 1}
    assert texts(runtime, amina) == [
        "Frauencafé Hoya: Kaffee trinken\nDie Abstimmung ist zu Ende. "
        "Leider können zu wenige Frauen kommen. Die meisten Stimmen: 1.\n"
        "Sie können trotzdem eine Zeit bestätigen: Schreiben Sie „Treffen“."
    ]
    assert texts(runtime, bela) == []
    clock.advance(minutes=5)
    settle(runtime, clock)
    assert len(texts(runtime, amina)) == 1
    with runtime.db.connect() as conn:
        assert conn.execute(select(meetups.c.status)).scalar_one() == "voting"
