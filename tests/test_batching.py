"""Group commit and the inbound pipeline: every caller gets her own result, failures stay local."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator, Sequence

import pytest
from sqlalchemy import text

from bot.channels.messages import Inbound
from bot.channels.simulator.parse import parse_request
from bot.runtime import Runtime
from bot.turns.group_commit import GroupCommitter
from conversations.events import TextIn
from tests.auxil.clock import FrozenClock
from tests.auxil.runtimes import make_runtime


@pytest.fixture
def runtime(database_url: str, clock: FrozenClock) -> Iterator[Runtime]:
    """Simulator replies wait in the outbox: these tests send them with a dispatcher."""
    rt = make_runtime(database_url, clock, simulator_screens=False)
    yield rt
    rt.close()


def test_group_committer_returns_each_result_to_its_caller() -> None:
    batches: list[int] = []
    gate = threading.Event()

    def process(items: Sequence[int]) -> list[int | BaseException]:
        batches.append(len(items))
        gate.wait(timeout=5)  # hold the first batch until everyone has queued
        return [item * 10 if item != 7 else ValueError("seven") for item in items]

    committer: GroupCommitter[int, int] = GroupCommitter(process)
    results: dict[int, object] = {}

    def call(item: int) -> None:
        try:
            results[item] = committer.submit(item)
        except ValueError as error:
            results[item] = error

    threads = [threading.Thread(target=call, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    while sum(1 for t in threads if t.is_alive()) and len(batches) == 0:
        pass
    gate.set()
    for thread in threads:
        thread.join()
    assert {k: v for k, v in results.items() if k != 7} == {i: i * 10 for i in range(12) if i != 7}
    assert isinstance(results[7], ValueError)
    assert sum(batches) == 12
    assert len(batches) < 12  # callers that queued meanwhile shared a batch


def test_one_bad_event_in_a_batch_does_not_cost_the_others_their_replies(
    sqlite_runtime: Runtime, clock: FrozenClock
) -> None:
    """A malformed event (here: an adapter bug handing over no text) fails alone."""
    good = [parse_request({"user": f"u{i}", "text": "Hallo"}, clock()) for i in range(2)]
    bad = Inbound("simulator", "bad", "bad-1", TextIn(None), clock())  # type: ignore[arg-type]
    results = sqlite_runtime.turns.handle_batch([good[0], bad, good[1]])
    assert isinstance(results[1], Exception)
    assert results[0].replies  # type: ignore[union-attr]
    assert results[2].replies  # type: ignore[union-attr]
    with sqlite_runtime.db.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM outbox")).scalar_one() == 2


def test_the_pipeline_batches_concurrent_messages_and_answers_each(
    runtime: Runtime, clock: FrozenClock
) -> None:
    async def everyone() -> list:  # type: ignore[type-arg]
        return await asyncio.gather(
            *(
                runtime.inbound.receive(parse_request({"user": f"p{i}", "text": "Hallo"}, clock()))
                for i in range(40)
            )
        )

    outcomes = asyncio.run(everyone())
    assert all(len(o.outbox_keys) == 1 for o in outcomes)
    assert len({o.person_id for o in outcomes}) == 40
    with runtime.db.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM outbox")).scalar_one()
    assert count == 40


@pytest.mark.parametrize("repeat", [2])
def test_the_same_message_twice_in_one_batch_is_handled_once(
    runtime: Runtime, clock: FrozenClock, repeat: int
) -> None:
    message = parse_request({"user": "dup", "text": "Hallo", "id": "same"}, clock())
    results = runtime.turns.handle_batch([message] * repeat)
    assert [r.duplicate for r in results] == [False, True]  # type: ignore[union-attr]


def test_two_messages_of_one_person_in_one_batch_build_on_each_other(
    runtime: Runtime, clock: FrozenClock
) -> None:
    first = parse_request({"user": "quick", "text": "/start"}, clock())
    second = parse_request({"user": "quick", "choice": "onboarding.choose_language:uk"}, clock())
    results = runtime.turns.handle_batch([first, second])
    assert results[1].replies[0]["language"] == "uk"  # type: ignore[union-attr]
