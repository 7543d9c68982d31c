"""Issue 16, a confirmed meetup moved or cancelled by its organiser (her hub, "treffen"): told
to every woman who answered (yes, maybe or no) and is still a member, not to one who never
answered; after a move she is asked again and the old reminders do not go.  Afterwards one
optional "how was it?" to those who said yes (the rating stored), never to maybe or no.
SQLite and PostgreSQL, frozen clock (Monday 30 November 2026, 10:00 in Berlin).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from starlette.testclient import TestClient

from bot.db.tables import meetup_rsvps, meetups, outbox
from bot.runtime import Runtime
from conversations.events import TriggerIn
from scheduler.due import fire_due
from tests.auxil.clock import FrozenClock
from tests.auxil.courses import person_of
from tests.auxil.meetups import add_group, add_meetup
from tests.auxil.simulator import Simulator, onboard

SATURDAY = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)  # 15:00 in Berlin


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


def setup(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> tuple[dict[str, Simulator], dict[str, int], int]:
    names = ("amina", "bela", "cora", "dana")
    sims = {u: Simulator(client, u) for u in names}
    for user, sim in sims.items():
        onboard(sim, name=user.title())
    ids = {u: person_of(runtime, u) for u in names}
    group = add_group(
        runtime.db,
        clock(),
        organisers=[ids["amina"]],
        members=[ids["bela"], ids["cora"], ids["dana"]],
    )
    # Amina is asked to vote (that is how her hub knows the meetup), then confirms Saturday.
    meetup = add_meetup(runtime.db, group, clock(), [SATURDAY, SATURDAY + timedelta(days=1)])
    runtime.turns.fire(
        ids["amina"],
        TriggerIn(
            "meetup.vote",
            {
                "meetup": meetup,
                "what": "Kaffee trinken",
                "organiser": "1",
                "opts": ["Sa.", "So."],
                "group": "Frauencafé Hoya",
                "place": "Café",
            },
        ),
        "test:vote",
    )
    sims["amina"].send("treffen")
    sims["amina"].press("Kaffee trinken")
    sims["amina"].press("Sa.")
    fire_due(runtime.db, runtime.turns, clock)
    sims["amina"].send("✅ Ich komme")
    sims["bela"].send("🤔 Vielleicht")
    sims["cora"].send("❌ Ich kann nicht")  # Dana does not answer
    return sims, ids, meetup


def test_moved_then_cancelled_told_to_those_who_answered(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    sims, ids, _meetup = setup(client, runtime, clock)
    amina = sims["amina"]
    amina.send("treffen")
    amina.press("Kaffee trinken")
    assert amina.labels() == ["🕒 Verschieben", "❌ Absagen", "⬅️ Zurück"]
    amina.press("🕒 Verschieben")
    amina.send("gestern")
    assert "Das habe ich nicht verstanden" in amina.text()
    amina.send("12.12. 16:00")
    assert "Das Treffen ist verschoben: Sa., 12.12., 16:00" in amina.text()
    assert "Wir sagen es 3 Frauen" in amina.text()
    fire_due(runtime.db, runtime.turns, clock)
    for user in ("bela", "cora"):
        moved = texts(runtime, ids[user])[-1]
        assert "Das Treffen ist verschoben!\nNeue Zeit: Sa., 12.12., 16:00" in moved
    assert all("verschoben" not in t for t in texts(runtime, ids["dana"]))
    sims["bela"].send("✅ Ich komme")

    # The old reminders (Friday 17:00 for Saturday the 5th) do not go.
    clock.now = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
    fire_due(runtime.db, runtime.turns, clock)
    assert all(not t.startswith("⏰") for t in texts(runtime, ids["bela"]))

    amina.send("treffen")
    amina.press("Kaffee trinken")
    amina.press("❌ Absagen")
    amina.press("✅ Ja, absagen")
    assert "Das Treffen ist abgesagt" in amina.text()
    fire_due(runtime.db, runtime.turns, clock)
    assert texts(runtime, ids["cora"])[-1] == (
        "❌ Frauencafé Hoya: Kaffee trinken\nDas Treffen fällt leider aus."
    )
    assert all("fällt" not in t for t in texts(runtime, ids["dana"]))
    with runtime.db.connect() as conn:
        assert conn.execute(select(meetups.c.status)).scalar_one() == "cancelled"
    # Nothing more of it: no reminder on the new day.
    clock.now = datetime(2026, 12, 11, 16, 0, tzinfo=UTC)
    fire_due(runtime.db, runtime.turns, clock)
    assert all(not t.startswith("⏰") for t in texts(runtime, ids["bela"]))


def test_how_was_it_only_to_yes(client: TestClient, runtime: Runtime, clock: FrozenClock) -> None:
    sims, ids, _meetup = setup(client, runtime, clock)
    clock.now = SATURDAY + timedelta(hours=3)
    fire_due(runtime.db, runtime.turns, clock)
    asked = texts(runtime, ids["amina"])[-1]
    assert asked == (
        "💬 Frauencafé Hoya: Kaffee trinken\nWie war das Treffen? Sie müssen nicht antworten."
    )
    for user in ("bela", "cora", "dana"):
        assert all("Wie war" not in t for t in texts(runtime, ids[user]))
    sims["amina"].send("😀 Sehr gut")
    assert "Danke für Ihre Antwort" in sims["amina"].text()
    with runtime.db.connect() as conn:
        rating = conn.execute(
            select(meetup_rsvps.c.rating).where(meetup_rsvps.c.person_id == ids["amina"])
        ).scalar_one()
    assert rating == 4
