"""Issue 16, meetups in the women's chats: an organiser proposes (what, where, two or three
times typed in the chat); every active member is asked on her own channel and ticks the times
that fit; the organiser sees how many can come ("treffen") and confirms one; everyone is told
the time and place (children welcome, how to get there) and answers yes / maybe / no.

Women on the simulator channel; nudges fired by the scheduler with a frozen clock (Monday
30 November 2026, 10:00 in Berlin).  Groups and members are written straight into the
database (``tests.auxil.meetups``).  SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from starlette.testclient import TestClient

from bot.db.tables import group_members, meetup_options, meetup_rsvps, meetups, nudges, outbox
from bot.features.groups.meetup_votes import counts
from bot.runtime import Runtime
from conversations.events import TriggerIn
from scheduler.due import fire_due
from tests.auxil.clock import FrozenClock
from tests.auxil.courses import person_of
from tests.auxil.meetups import add_group
from tests.auxil.simulator import Simulator, onboard


def fire(runtime: Runtime, clock: FrozenClock) -> int:
    return fire_due(runtime.db, runtime.turns, clock)


def started(runtime: Runtime, person: int) -> list[dict[str, Any]]:
    """What the bot started for her (not answers to her), in order."""
    with runtime.db.connect() as conn:
        return list(
            conn.execute(
                select(outbox.c.payload)
                .where(outbox.c.person_id == person, outbox.c.kind != "reply")
                .order_by(outbox.c.id)
            ).scalars()
        )


def labels(payload: dict[str, Any]) -> list[str]:
    return [c["label"] for c in payload["choices"]]


def propose(runtime: Runtime, client: TestClient, person: int, user: str, group: int) -> Simulator:
    """What the groups chat's "📅 Treffen vorschlagen" does: v_group set, on to meetup.propose."""
    runtime.turns.fire(person, TriggerIn("meetup.propose", {"group": group}), "test:propose")
    return Simulator(client, user)


def test_propose_vote_confirm_answer(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    db = runtime.db
    amina_sim, bela_sim, cora_sim = (Simulator(client, u) for u in ("amina", "bela", "cora"))
    onboard(amina_sim)
    onboard(bela_sim, name="Bela")
    onboard(cora_sim, name="Cora")
    amina, bela, cora = (person_of(runtime, u) for u in ("amina", "bela", "cora"))
    group = add_group(db, clock(), organisers=[amina], members=[bela, cora])

    sim = propose(runtime, client, amina, "amina", group)
    assert "Was möchten Sie machen?" in started(runtime, amina)[-1]["text"]
    sim.send("Kaffee trinken")
    assert "Café am Markt" in sim.text() and "Wo treffen Sie sich?" in sim.text()
    sim.send("Café am Markt")
    assert "Wann?" in sim.text()
    sim.send("morgen")  # not a date: asked again, kindly
    assert "Das habe ich nicht verstanden" in sim.text()
    sim.send("30.11. 08:00")  # in the past
    assert "Das habe ich nicht verstanden" in sim.text()
    sim.send("5.12. 15:00")
    assert "zweite Zeit" in sim.text()
    sim.send("6.12. 15 Uhr")
    assert sim.labels() == ["➡️ Weiter"]
    sim.press("➡️ Weiter")
    check = sim.text()
    assert "📅 Kaffee trinken" in check and "📍 Café am Markt" in check
    assert "1. Sa., 5.12., 15:00" in check and "2. So., 6.12., 15:00" in check
    assert "Abstimmen bis: Do., 3.12., 15:00" in check
    sim.press("✅ Ja, fragen")
    assert "Wir fragen jetzt 3 Frauen der Gruppe" in sim.text()

    with db.connect() as conn:
        meetup = conn.execute(select(meetups)).one()
        assert (meetup.title, meetup.place, meetup.status) == (
            "Kaffee trinken",
            "Café am Markt",
            "voting",
        )
        assert meetup.deadline == datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
        times = list(
            conn.execute(
                select(meetup_options.c.starts_at).order_by(meetup_options.c.position)
            ).scalars()
        )
        assert times == [
            datetime(2026, 12, 5, 14, 0, tzinfo=UTC),
            datetime(2026, 12, 6, 14, 0, tzinfo=UTC),
        ]

    # Cora leaves before the question fires: she gets nothing.
    with db.begin() as conn:
        conn.execute(
            update(group_members).where(group_members.c.person_id == cora).values(status="left")
        )
    assert fire(runtime, clock) == 3
    assert started(runtime, cora) == []
    question = started(runtime, bela)[-1]
    assert question["text"].startswith("👭 Frauencafé Hoya: Kaffee trinken\n📍 Café am Markt\n")
    assert "👶 Kinder sind willkommen." in question["text"]
    assert "🚌 So kommen Sie hin: Bus 12 bis Marktplatz" in question["text"]
    assert (
        "🕒 1. Sa., 5.12., 15:00\n2. So., 6.12., 15:00\nWann können Sie kommen?"
        in (question["text"])
    )
    assert labels(question) == [
        "5.12., 15:00",
        "6.12., 15:00",
        "🚫 Keine passt",
        "➡️ Fertig",
    ]

    bela_sim.send("1, 2")  # numbered, as on WhatsApp
    bela_sim.send("Fertig")
    assert "Wir sagen Ihnen, wann das Treffen ist" in bela_sim.text()
    amina_sim.send("2")
    amina_sim.send("Fertig")
    with db.connect() as conn:
        assert [n for _, _, n in counts(conn, meetup.id)] == [1, 2]

    # Bela changes her mind: only the Sunday. Her votes are replaced.
    runtime.turns.fire(
        bela, TriggerIn("meetup.vote", {"meetup": meetup.id, "opts": ["a", "b"]}), "test:again"
    )
    bela_sim.send("2")
    bela_sim.send("Fertig")
    with db.connect() as conn:
        assert [n for _, _, n in counts(conn, meetup.id)] == [0, 2]

    amina_sim.send("treffen")
    assert amina_sim.labels() == ["Kaffee trinken", "🏠 Menü"]
    amina_sim.press("Kaffee trinken")
    assert "📊 Kaffee trinken" in amina_sim.text()
    assert "1. Sa., 5.12., 15:00: 0 👍\n2. So., 6.12., 15:00: 2 👍" in amina_sim.text()
    assert amina_sim.labels() == [
        "5.12., 15:00",
        "6.12., 15:00",
        "🕒 Verschieben",
        "❌ Absagen",
        "⬅️ Zurück",
    ]
    amina_sim.press("6.12., 15:00")
    assert "Das Treffen ist bestätigt: So., 6.12., 15:00" in amina_sim.text()
    with db.connect() as conn:
        meetup = conn.execute(select(meetups)).one()
        assert meetup.status == "confirmed" and meetup.starts_at == times[1]

    assert fire(runtime, clock) == 2
    told = started(runtime, bela)[-1]
    assert "Das Treffen findet statt!" in told["text"] and "🕒 So., 6.12., 15:00" in told["text"]
    assert labels(told) == ["✅ Ich komme", "🤔 Vielleicht", "❌ Ich kann nicht"]
    assert started(runtime, cora) == []
    bela_sim.send("✅ Ich komme")
    assert "Wir erinnern Sie vorher" in bela_sim.text()
    with db.connect() as conn:
        answers = dict(conn.execute(select(meetup_rsvps.c.person_id, meetup_rsvps.c.answer)).all())
        assert answers == {bela: "yes"}
        statuses = set(
            conn.execute(select(nudges.c.status).where(nudges.c.person_id == cora)).scalars()
        )
        assert statuses == {"skipped"}


def test_only_organisers_propose_and_votes_close(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    db = runtime.db
    bela_sim = Simulator(client, "bela")
    onboard(bela_sim, name="Bela")
    bela = person_of(runtime, "bela")
    group = add_group(db, clock(), members=[bela])
    sim = propose(runtime, client, bela, "bela", group)
    sim.send("Nähen")
    sim.send("Bei mir")
    sim.send("12.12. 10:00")
    sim.send("13.12. 10:00")
    sim.press("➡️ Weiter")
    sim.press("✅ Ja, fragen")
    assert "kein Treffen vorschlagen" in sim.text()
    with db.connect() as conn:
        assert conn.execute(select(meetups.c.id)).first() is None
