"""Course reminders fired once per language (``bot.turns.uniform``) store exactly
what the flow engine, run per person, would have stored — and the sweep falls back to the
engine when that way fails.

Both ways run inside a transaction that is rolled back after its rows are read, so they are
compared on the same people in the same states.  SQLite and PostgreSQL; a frozen clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Connection, select
from starlette.testclient import TestClient

from bot.db.models import ConversationState, Nudge, OutboxMessage
from bot.features.courses import reminders
from bot.features.courses.calendar import session_link
from bot.features.courses.service import CourseService
from bot.runtime import Runtime
from bot.turns.uniform import fire_uniform, uniform
from scheduler import due
from scheduler.due import fire_due
from tests.auxil.clock import FrozenClock
from tests.auxil.courses import person_of, service_of
from tests.auxil.simulator import Simulator, onboard

nudges = Nudge.__table__
outbox = OutboxMessage.__table__
states = ConversationState.__table__
REMINDER_TIME = datetime(2026, 12, 2, 16, 0, tzinfo=UTC)  # 17:00 in Berlin, the day before


def enrolled_people(runtime: Runtime, client: TestClient, clock: FrozenClock) -> list[int]:
    """Four people in four situations, enrolled in a course with one session on 3 December."""
    onboard(Simulator(client, "amina"))  # German, at the menu
    leyla = Simulator(client, "leyla")
    onboard(leyla, language="فارسی", name="Leyla")
    leyla.press(leyla.labels()[2])  # Persian, in the middle of "my data": has flow data
    Simulator(client, "stranger").send("/start")  # never consented
    quitter = Simulator(client, "quitter")
    onboard(quitter, name="Olga")
    people = [person_of(runtime, u) for u in ("amina", "leyla", "stranger", "quitter")]
    courses: CourseService = service_of(runtime, clock)
    courses.create_course("vnb-nienburg", "a2", {"de": "Deutsch A2", "fa": "آلمانی A2"})
    courses.enrol("a2", people)
    courses.add_session(
        "a2", "2026-12-03 09:00", "2026-12-03 12:00", "VHS Hoya", "Bahnhofstr. 1", "Bus 31"
    )
    quitter.send("/stop")  # opted out after her reminders were planned
    return people


def due_items(conn: Connection, runtime: Runtime) -> list[tuple[int, Any, str, int]]:
    """The reminder events the sweep would fire now, for everyone (consented or not)."""
    found = conn.execute(
        select(nudges.c.id, nudges.c.person_id, nudges.c.payload).where(
            nudges.c.status == "pending", nudges.c.due_at <= REMINDER_TIME
        )
    ).all()
    languages = runtime.flow_engine.languages
    service = runtime.turns
    made = [
        reminders.reminder_events(
            conn,
            [(row.person_id, row.payload)],
            languages,
            REMINDER_TIME,
            lambda s, lang: session_link("https://twc.example", service.secret_key, s, lang),
        )[0]
        for row in found
    ]
    # Unconsented people get the event too: both ways must then send nothing.
    return [
        (row.person_id, event, f"nudge:{row.id}", row.id)
        for row, event in zip(found, made, strict=True)
        if not isinstance(event, str)
    ] + [
        (row.person_id, reminders.TriggerIn(reminders.TARGET, {}), f"nudge:{row.id}", row.id)
        for row, event in zip(found, made, strict=True)
        if isinstance(event, str)
    ]


def stored_after(runtime: Runtime, fire: Callable[[Connection, list[Any]], None]) -> Any:
    """Fire with ``fire`` in a transaction, read what it stored, roll it back."""
    with runtime.db.connect() as conn:
        transaction = conn.begin()
        items = due_items(conn, runtime)
        assert items
        fire(conn, items)
        sent = sorted(
            (r.person_id, r.idempotency_key, r.kind, r.channel, r.priority, r.payload, r.language)
            for r in conn.execute(select(outbox).where(outbox.c.idempotency_key.like("nudge:%")))
        )
        kept = sorted(
            (r.person_id, r.flow, r.node, r.visit, r.data) for r in conn.execute(select(states))
        )
        transaction.rollback()
    return sent, kept


def test_once_per_language_stores_what_the_engine_would(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    amina, leyla, _stranger, quitter = enrolled_people(runtime, client, clock)
    clock.now = REMINDER_TIME
    service = runtime.turns
    assert uniform(service.flow_engine, reminders.TriggerIn(reminders.TARGET, {}))

    fast = stored_after(runtime, lambda conn, items: fire_uniform(service, conn, items, clock()))
    engine = stored_after(runtime, lambda conn, items: service.fire_batch_in(conn, items))

    assert fast == engine
    sent, kept = fast
    assert {row[0] for row in sent} == {amina, leyla}  # not to the stranger, not to Olga
    by_person = {row[0]: row for row in sent}
    assert "Deutsch A2" in by_person[amina][5]["text"]
    assert "آلمانی A2" in by_person[leyla][5]["text"] and by_person[leyla][5]["rtl"]
    assert by_person[leyla][5]["values"]["name"] == "Leyla"
    assert by_person[amina][2] == "course_reminder" and by_person[amina][4] == 5
    # The language in the clear too (outbox.language), on both paths.
    assert (by_person[amina][6], by_person[leyla][6]) == ("de", "fa")
    leyla_state = next(state for state in kept if state[0] == leyla)
    assert leyla_state[1:3] == ("course", "reminder")
    assert leyla_state[4]["v_place"] == "VHS Hoya, Bahnhofstr. 1"

    # The sweep itself: each nudge done with its message, in one transaction.
    assert fire_due(runtime.db, service, clock) == 3
    with runtime.db.connect() as conn:
        statuses = dict(
            conn.execute(
                select(nudges.c.person_id, nudges.c.status).where(nudges.c.due_at <= clock())
            ).all()
        )
    assert statuses == {amina: "done", leyla: "done", quitter: "skipped"}


def test_the_sweep_falls_back_to_the_engine_when_the_batch_fails(
    runtime: Runtime, client: TestClient, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    amina, leyla, _stranger, _quitter = enrolled_people(runtime, client, clock)
    clock.now = REMINDER_TIME

    def broken(*_args: object) -> None:
        raise RuntimeError("a disk hiccup")

    monkeypatch.setattr(due, "fire_uniform", broken)
    assert fire_due(runtime.db, runtime.turns, clock) == 3
    assert fire_due(runtime.db, runtime.turns, clock) == 0

    with runtime.db.connect() as conn:
        sent = conn.execute(
            select(outbox.c.person_id).where(outbox.c.kind == "course_reminder")
        ).scalars()
        assert sorted(sent) == sorted([amina, leyla])
        statuses = conn.execute(select(nudges.c.status).where(nudges.c.due_at <= clock())).all()
    assert sorted(s for (s,) in statuses) == ["done", "done", "skipped"]
