"""Issue 16, reminders of a confirmed meetup: the day before at 17:00 and two hours before,
only to the women who said yes or maybe; not to one who said no (or changed her yes to no),
nor to one who left the group; moved out of the quiet hours; dated for the daily cap.

A meetup confirmed for Saturday 5 December 2026, 15:00 in Berlin; the frozen clock starts on
Monday 30 November, 10:00.  SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from starlette.testclient import TestClient

from bot.db.tables import group_members, meetup_options, nudges, outbox
from bot.features.groups.meetup_reminders import REMINDER_KIND
from bot.features.groups.meetup_replies import confirm_meetup
from bot.nudges.quiet_hours import is_quiet
from bot.runtime import Runtime
from conversations.events import TriggerIn
from scheduler.due import fire_due
from tests.auxil.clock import FrozenClock
from tests.auxil.courses import person_of
from tests.auxil.meetups import add_group, add_meetup
from tests.auxil.simulator import Simulator, onboard

SATURDAY = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)  # 15:00 in Berlin


def reminders_of(runtime: Runtime, person: int) -> list[str]:
    with runtime.db.connect() as conn:
        return [
            p["text"]
            for p in conn.execute(
                select(outbox.c.payload)
                .where(outbox.c.person_id == person, outbox.c.kind != "reply")
                .order_by(outbox.c.id)
            ).scalars()
            if p["text"].startswith("⏰")
        ]


def confirmed(runtime: Runtime, clock: FrozenClock, group: int, at: datetime) -> int:
    db, now = runtime.db, clock()
    meetup = add_meetup(db, group, now, [at, at + timedelta(days=1)])
    with db.begin() as conn:
        option = conn.execute(
            select(meetup_options.c.id).where(
                meetup_options.c.meetup_id == meetup, meetup_options.c.position == 0
            )
        ).scalar_one()
        confirm_meetup(conn, meetup, group, option, at, now)
    fire_due(db, runtime.turns, clock)
    return meetup


def test_reminders_go_to_yes_and_maybe_only(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    names = ("amina", "bela", "cora", "dana", "eva")
    sims = {u: Simulator(client, u) for u in names}
    for user, sim in sims.items():
        onboard(sim, name=user.title())
    amina, bela, cora, dana, eva = (person_of(runtime, u) for u in names)
    group = add_group(runtime.db, clock(), organisers=[amina], members=[bela, cora, dana, eva])
    confirmed(runtime, clock, group, SATURDAY)

    sims["amina"].send("✅ Ich komme")
    sims["bela"].send("🤔 Vielleicht")
    sims["cora"].send("❌ Ich kann nicht")
    sims["dana"].send("✅ Ich komme")
    sims["eva"].send("✅ Ich komme")
    with runtime.db.connect() as conn:
        planned = conn.execute(
            select(nudges.c.person_id, nudges.c.due_at, nudges.c.payload)
            .where(nudges.c.kind == REMINDER_KIND)
            .order_by(nudges.c.person_id, nudges.c.due_at)
        ).all()
    assert {p for p, _, _ in planned} == {amina, bela, dana, eva}
    assert [d for p, d, _ in planned if p == amina] == [
        datetime(2026, 12, 4, 16, 0, tzinfo=UTC),  # Friday 17:00 in Berlin
        datetime(2026, 12, 5, 12, 0, tzinfo=UTC),  # two hours before
    ]
    assert all(payload["starts_at"] == SATURDAY.isoformat() for _, _, payload in planned)

    # Eva says no after all (the question again); Dana leaves the group.
    with runtime.db.begin() as conn:
        conn.execute(
            update(group_members).where(group_members.c.person_id == dana).values(status="left")
        )
    meetup_id = planned[0].payload["meetup"]
    runtime.turns.fire(eva, TriggerIn("meetup.confirmed", {"meetup": meetup_id}), "test:again")
    sims["eva"].send("❌ Ich kann nicht")

    clock.advance(days=4, hours=7)  # Friday 16:00 UTC
    fire_due(runtime.db, runtime.turns, clock)
    assert reminders_of(runtime, amina) == [
        "⏰ Erinnerung: Frauencafé Hoya: Kaffee trinken\n🕒 Sa., 5.12., 15:00\n"
        "📍 Café am Markt\n👶 Kinder sind willkommen.\n"
        "🚌 So kommen Sie hin: Bus 12 bis Marktplatz\nWir freuen uns auf Sie!"
    ]
    assert len(reminders_of(runtime, bela)) == 1
    for nobody in (cora, dana, eva):
        assert reminders_of(runtime, nobody) == []

    clock.advance(hours=20)  # Saturday 12:00 UTC, 13:00 in Berlin
    fire_due(runtime.db, runtime.turns, clock)
    assert len(reminders_of(runtime, amina)) == 2
    assert len(reminders_of(runtime, bela)) == 2
    for nobody in (cora, dana, eva):
        assert reminders_of(runtime, nobody) == []


def test_an_early_meetup_is_reminded_outside_quiet_hours(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    sim = Simulator(client, "amina")
    onboard(sim)
    amina = person_of(runtime, "amina")
    group = add_group(runtime.db, clock(), organisers=[amina])
    early = datetime(2026, 12, 12, 8, 0, tzinfo=UTC)  # 09:00 in Berlin: 07:00 is quiet
    confirmed(runtime, clock, group, early)
    sim.send("✅ Ich komme")
    with runtime.db.connect() as conn:
        dues = list(
            conn.execute(select(nudges.c.due_at).where(nudges.c.kind == REMINDER_KIND)).scalars()
        )
    assert len(dues) == 2
    for due in dues:
        assert due < early
        assert not is_quiet(due, "Europe/Berlin", "20:00", "08:00")
