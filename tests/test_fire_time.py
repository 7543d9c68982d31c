"""Quiet hours at fire time: a nudge found due at night (the process was down) waits for the
morning, or is ``missed`` when its session would have begun by then.  And the batched sweep.

Runs on SQLite and PostgreSQL; time is a frozen clock.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from starlette.testclient import TestClient

from bot.db.models import Nudge, OutboxMessage
from bot.runtime import Runtime
from scheduler.due import fire_due
from tests.auxil.clock import FrozenClock
from tests.auxil.courses import course_with, person_of, service_of
from tests.auxil.simulator import Simulator, onboard

nudges = Nudge.__table__
outbox = OutboxMessage.__table__


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def reminders_of(runtime: Runtime) -> list[dict[str, Any]]:
    with runtime.db.connect() as conn:
        query = select(nudges).where(nudges.c.kind == "reminder").order_by(nudges.c.id)
        return [dict(r) for r in conn.execute(query).mappings()]


def sent(runtime: Runtime) -> int:
    with runtime.db.connect() as conn:
        return len(
            conn.execute(
                select(outbox.c.id).where(outbox.c.kind.in_(("nudge", "course_reminder")))
            ).all()
        )


def test_a_reminder_found_due_at_night_waits_for_the_morning(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    onboard(Simulator(client, "amina"))
    service = service_of(runtime, clock)
    course_with(service)
    service.enrol("a2-hoya", [person_of(runtime, "amina")])
    service.add_session("a2-hoya", "2026-12-03 10:00", "2026-12-03 12:00", "VHS Hoya")
    assert [r["due_at"] for r in reminders_of(runtime)] == [
        utc(2026, 12, 2, 16, 0),  # the day before at 17:00
        utc(2026, 12, 3, 7, 0),  # two hours before: 08:00
    ]

    clock.now = utc(2026, 12, 2, 22, 30)  # 23:30 in Berlin: the process was down until now
    assert fire_due(runtime.db, runtime.turns, clock) == 1
    evening = reminders_of(runtime)[0]
    assert (evening["status"], evening["due_at"]) == ("pending", utc(2026, 12, 3, 7, 0))
    assert sent(runtime) == 0
    assert fire_due(runtime.db, runtime.turns, clock) == 0

    clock.now = utc(2026, 12, 3, 7, 0)
    assert fire_due(runtime.db, runtime.turns, clock) == 2
    assert [r["status"] for r in reminders_of(runtime)] == ["done", "done"]
    assert sent(runtime) == 2


def test_a_reminder_found_due_at_night_is_missed_if_the_morning_is_too_late(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    onboard(Simulator(client, "amina"))
    service = service_of(runtime, clock)
    course_with(service)
    service.enrol("a2-hoya", [person_of(runtime, "amina")])
    service.add_session("a2-hoya", "2026-12-03 07:30", "2026-12-03 09:00", "VHS Hoya")

    # "2 hours before" (05:30) is quiet and the morning too late: it moved to 19:30 the
    # evening before, so close to "17:00" that the two became one.
    assert [r["due_at"] for r in reminders_of(runtime)] == [utc(2026, 12, 2, 18, 30)]
    clock.now = utc(2026, 12, 3, 4, 0)  # 05:00 in Berlin; the session starts at 07:30
    assert fire_due(runtime.db, runtime.turns, clock) == 1
    assert [r["status"] for r in reminders_of(runtime)] == ["missed"]
    assert sent(runtime) == 0


def test_the_sweep_fires_a_batch_of_many_people_in_order(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    users = [f"p{i}" for i in range(6)]
    for user in users:
        onboard(Simulator(client, user), name=user)
    people = [person_of(runtime, u) for u in users]
    service = service_of(runtime, clock)
    course_with(service)
    service.enrol("a2-hoya", people)
    for day in (3, 4):
        service.add_session("a2-hoya", f"2026-12-0{day} 10:00", f"2026-12-0{day} 12:00", "VHS")

    clock.now = utc(2026, 12, 3, 16, 0)  # 17:00: the 3rd's reminders are missed, the 4th's due
    assert fire_due(runtime.db, runtime.turns, clock, limit=5) == 5
    while fire_due(runtime.db, runtime.turns, clock, limit=5):
        pass
    statuses = [r["status"] for r in reminders_of(runtime)]
    assert (statuses.count("done"), statuses.count("missed"), statuses.count("pending")) == (
        6,
        12,
        6,  # two hours before the 4th's session: tomorrow morning
    )
    with runtime.db.connect() as conn:
        got = sorted(
            conn.execute(
                select(outbox.c.person_id).where(outbox.c.kind.in_(("nudge", "course_reminder")))
            ).scalars()
        )
    assert got == sorted(people)  # one reminder each, with its buttons
