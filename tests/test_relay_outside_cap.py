"""Core hooks the mentoring feature builds on, against a real database: a relayed message
(a nudge kind named ``…_relay``) is not the bot starting a conversation, so it does not use up
her day's budget of bot-started messages; and "report a problem" marks her inbox thread urgent.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select
from starlette.testclient import TestClient

from bot.db.tables import inbox_threads, nudges
from bot.features.checkins.housekeeping import run_housekeeping
from bot.runtime import Runtime
from bot.turns.inbox import InboxWrites
from conversations.events import RequestHuman
from tests.auxil.clock import FrozenClock
from tests.auxil.courses import enrolled_amina


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_relayed_messages_leave_the_daily_cap_to_the_bots_own(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    amina, _service = enrolled_amina(runtime, client, clock)
    clock.now = utc(2026, 12, 16, 7, 0)  # 08:00 in Berlin, fourteen silent days later
    with runtime.db.begin() as conn:
        conn.execute(
            insert(nudges),
            [
                {
                    "person_id": amina,
                    "kind": "mentoring_relay",
                    "due_at": utc(2026, 12, 16, 7, minute),
                    "payload": {"match_id": 1},
                    "idempotency_key": f"relay:{minute}",
                    "status": "done",
                    "created_at": clock.now,
                }
                for minute in (1, 2, 3, 4)
            ],
        )
    assert run_housekeeping(runtime.db, clock)["checkin"] == 1
    with runtime.db.connect() as conn:
        checkin = conn.execute(
            select(nudges.c.status, nudges.c.due_at).where(nudges.c.kind == "checkin")
        ).one()
    assert checkin.status == "pending"
    assert checkin.due_at == clock.now  # four relayed messages that morning: still today


def test_a_reported_problem_marks_her_thread_urgent_and_it_stays_so(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    amina, _service = enrolled_amina(runtime, client, clock)
    org = 1
    writes = InboxWrites()
    writes.collect(RequestHuman("Frage", "de"), amina, org, "simulator", clock.now)
    with runtime.db.begin() as conn:
        writes.flush(conn)
    with runtime.db.connect() as conn:
        assert conn.execute(select(inbox_threads.c.urgent)).scalar_one() is False
    writes.collect(RequestHuman("Problem!", "de", urgent=True), amina, org, "simulator", clock.now)
    writes.collect(RequestHuman("noch etwas", "de"), amina, org, "simulator", clock.now)
    with runtime.db.begin() as conn:
        writes.flush(conn)
    with runtime.db.connect() as conn:
        assert conn.execute(select(inbox_threads.c.urgent)).scalar_one() is True
