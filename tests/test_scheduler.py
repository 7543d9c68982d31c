"""Timeouts end to end: a wait with a timeout writes a nudge row, and the sweep fires it once.

The shipped flows declare no timeouts, so these tests run a conversation service whose flow
engine gives the main menu one (an hour, then "my data"), exactly as the engine's own timeout
test does.  Every test runs on SQLite and on PostgreSQL; time is a frozen clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from bot.channels.simulator.parse import parse_request
from bot.db.models import ConversationState, Nudge, OutboxMessage
from bot.runtime import Runtime
from bot.turns.outcome import HandleOutcome
from bot.turns.service import TurnService
from conversations.flow_engine import FlowEngine
from conversations.spec import Timeout
from scheduler.due import fire_due
from scheduler.runner import build_scheduler
from tests.auxil.clock import FrozenClock
from tests.auxil.constants import TEST_SECRET

nudges = Nudge.__table__
outbox = OutboxMessage.__table__
states = ConversationState.__table__


def with_menu_timeout(engine: FlowEngine) -> FlowEngine:
    """The shipped flows, but the main menu times out after an hour and shows "my data"."""
    flows = dict(engine.flows)
    main = flows["main"]
    nodes = dict(main.nodes)
    nodes["menu"] = replace(nodes["menu"], timeout=Timeout(3600, "my_data"))
    flows["main"] = replace(main, nodes=nodes)
    return FlowEngine(
        flows, engine.catalogs, engine.actions, engine.choice_sources, engine.feature_commands
    )


@pytest.fixture
def service(runtime: Runtime, clock: FrozenClock) -> Iterator[TurnService]:
    """A conversation service on the test database whose menu waits declare a timeout."""
    timed = TurnService(
        runtime.db,
        with_menu_timeout(runtime.flow_engine),
        TEST_SECRET,
        "vnb-nienburg",
        clock,
        reply_sources=runtime.turns.reply_sources,  # "my data" is read by its feature
    )
    yield timed
    timed.close()


class Phone:
    """One person writing to ``service`` through the simulator channel."""

    def __init__(self, service: TurnService, clock: FrozenClock, user: str) -> None:
        self.service = service
        self.clock = clock
        self.user = user
        self.outcome = HandleOutcome()

    def send(self, body: dict[str, Any]) -> HandleOutcome:
        inbound = parse_request({"user": self.user, **body}, self.clock())
        self.outcome = self.service.handle_inbound(inbound)
        return self.outcome

    def say(self, text: str) -> HandleOutcome:
        return self.send({"text": text})

    def press(self, choice_id: str) -> HandleOutcome:
        """Press a button of the last reply by its id (asserting that it is offered)."""
        offered = [c["id"] for c in self.outcome.replies[-1]["choices"]]
        assert choice_id in offered, offered
        return self.send({"choice": choice_id})

    def choices(self) -> list[str]:
        return [c["id"] for c in self.outcome.replies[-1]["choices"]]


def onboard(phone: Phone, name: str = "Amina") -> int:
    """Sign her up in German up to the main menu; return her person id."""
    phone.say("/start")
    phone.press("onboarding.choose_language:de")
    phone.press(phone.choices()[0])  # consent
    phone.say(name)
    phone.press(phone.choices()[1])  # a town
    phone.press(phone.choices()[0])  # a first interest
    phone.press(phone.choices()[-1])  # done
    phone.press(phone.choices()[-1])  # no help needed, done
    outcome = phone.press("onboarding.ask_messages:yes")
    assert "main.menu:privacy" in phone.choices()
    assert outcome.person_id is not None
    return outcome.person_id


def nudges_of(runtime: Runtime, person_id: int) -> list[dict[str, Any]]:
    with runtime.db.connect() as conn:
        query = select(nudges).where(nudges.c.person_id == person_id).order_by(nudges.c.id)
        return [dict(r) for r in conn.execute(query).mappings()]


def nudge(runtime: Runtime, nudge_id: int) -> dict[str, Any]:
    with runtime.db.connect() as conn:
        return dict(conn.execute(select(nudges).where(nudges.c.id == nudge_id)).mappings().one())


def outbox_rows(runtime: Runtime) -> list[dict[str, Any]]:
    with runtime.db.connect() as conn:
        return [dict(r) for r in conn.execute(select(outbox).order_by(outbox.c.id)).mappings()]


def state_of(runtime: Runtime, person_id: int) -> tuple[str, str, int]:
    with runtime.db.connect() as conn:
        found = conn.execute(
            select(states.c.flow, states.c.node, states.c.visit).where(
                states.c.person_id == person_id
            )
        ).one()
    return found.flow, found.node, found.visit


def test_waiting_at_a_node_with_a_timeout_schedules_one_nudge(
    runtime: Runtime, service: TurnService, clock: FrozenClock
) -> None:
    """Reaching the menu stores a pending timeout nudge due in exactly one hour."""
    person = onboard(Phone(service, clock, "amina"))

    (scheduled,) = nudges_of(runtime, person)
    assert scheduled["kind"] == "timeout"
    assert scheduled["status"] == "pending"
    assert scheduled["due_at"] == clock.now + timedelta(hours=1)
    assert scheduled["payload"] == {
        "flow": "main",
        "node": "menu",
        "visit": state_of(runtime, person)[2],
    }


def test_due_timeout_fires_exactly_once(
    runtime: Runtime, service: TurnService, clock: FrozenClock
) -> None:
    """Not before its time, once when due (her data is sent), never again afterwards."""
    person = onboard(Phone(service, clock, "amina"))
    (scheduled,) = nudges_of(runtime, person)
    before = len(outbox_rows(runtime))

    clock.advance(minutes=59)
    assert fire_due(runtime.db, service, clock) == 0
    assert len(outbox_rows(runtime)) == before
    assert nudge(runtime, scheduled["id"])["status"] == "pending"

    clock.advance(minutes=1)
    assert fire_due(runtime.db, service, clock) == 1
    new_rows = outbox_rows(runtime)[before:]
    assert len(new_rows) == 2  # her data, then the question with its buttons
    message, question = new_rows
    assert question["payload"]["choices"] and not message["payload"]["choices"]
    assert message["person_id"] == person
    assert message["status"] == "pending"
    assert message["kind"] == "nudge"
    assert message["priority"] == 5  # the bot starts it: it waits behind live replies
    assert message["idempotency_key"].startswith(f"nudge:{scheduled['id']}:")
    assert "Amina" in message["payload"]["text"]  # "my data" shows her name
    assert nudge(runtime, scheduled["id"])["status"] == "done"
    assert state_of(runtime, person)[:2] == ("main", "my_data")

    assert fire_due(runtime.db, service, clock) == 0
    clock.advance(days=1)
    assert fire_due(runtime.db, service, clock) == 0
    assert len(outbox_rows(runtime)) == before + 2


def test_timeout_after_she_answered_changes_nothing(
    runtime: Runtime, service: TurnService, clock: FrozenClock
) -> None:
    """She moved on before the hour was up: the stale timeout is used up but sends nothing."""
    phone = Phone(service, clock, "amina")
    person = onboard(phone)
    (scheduled,) = nudges_of(runtime, person)
    clock.advance(minutes=10)
    phone.press("main.menu:language")
    moved_on = state_of(runtime, person)
    assert moved_on[:2] == ("main", "change_language")
    before = len(outbox_rows(runtime))

    clock.advance(minutes=50)
    assert fire_due(runtime.db, service, clock) == 1
    assert nudge(runtime, scheduled["id"])["status"] == "done"
    assert len(outbox_rows(runtime)) == before
    assert state_of(runtime, person) == moved_on
    assert fire_due(runtime.db, service, clock) == 0


def test_nudge_of_an_erased_person_goes_with_her(
    runtime: Runtime, service: TurnService, clock: FrozenClock
) -> None:
    """Erasure deletes her pending timeouts too; the sweep later finds and sends nothing."""
    phone = Phone(service, clock, "amina")
    person = onboard(phone)
    assert len(nudges_of(runtime, person)) == 1

    clock.advance(minutes=5)
    phone.say("/delete")
    erased = phone.press("main.confirm_delete:yes")
    assert erased.person_id is None
    assert nudges_of(runtime, person) == []
    with runtime.db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(nudges)).scalar_one() == 0
    before = outbox_rows(runtime)

    clock.advance(hours=2)
    assert fire_due(runtime.db, service, clock) == 0
    assert outbox_rows(runtime) == before


def test_runner_builds_a_scheduler_with_the_nudge_sweep(runtime: Runtime) -> None:
    """The app's scheduler carries the "fire_due_nudges" interval job (not started here)."""
    scheduler = build_scheduler(runtime, lambda: None)

    job = scheduler.get_job("fire_due_nudges")
    assert job is not None
    assert job.trigger.interval == timedelta(seconds=5)
    assert job.max_instances == 1
    assert not scheduler.running


def test_sweep_job_fires_due_nudges_and_reports_it(
    runtime: Runtime, service: TurnService, clock: FrozenClock
) -> None:
    """The job fires due nudges through the runtime and calls ``on_fired`` only when it did."""
    person = onboard(Phone(service, clock, "amina"))
    fired: list[bool] = []
    job = build_scheduler(runtime, lambda: fired.append(True)).get_job("fire_due_nudges")
    assert job is not None

    asyncio.run(job.func())
    assert fired == []

    clock.advance(hours=1)
    asyncio.run(job.func())
    assert fired == [True]
    (scheduled,) = nudges_of(runtime, person)
    assert scheduled["status"] == "done"


def test_nudge_of_an_unknown_kind_is_skipped(runtime: Runtime, clock: FrozenClock) -> None:
    """A kind this version does not know is marked skipped, not retried for ever."""
    person = onboard(Phone(runtime.turns, clock, "amina"))
    with runtime.db.begin() as conn:
        nudge_id = conn.execute(
            insert(nudges)
            .values(
                person_id=person,
                kind="from_the_future",
                due_at=clock.now,
                payload={},
                idempotency_key="future:1",
                status="pending",
                created_at=clock.now,
            )
            .returning(nudges.c.id)
        ).scalar_one()
    before = len(outbox_rows(runtime))

    assert fire_due(runtime.db, runtime.turns, clock) == 1
    assert nudge(runtime, nudge_id)["status"] == "skipped"
    assert len(outbox_rows(runtime)) == before
    assert fire_due(runtime.db, runtime.turns, clock) == 0
