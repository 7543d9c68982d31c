"""Several workers on one PostgreSQL database: a person's turns never overwrite each other."""

from __future__ import annotations

import threading

import pytest

from bot.channels.simulator.parse import parse_request
from bot.runtime import build_runtime
from bot.settings import Settings
from tests.auxil.clock import FrozenClock
from tests.auxil.constants import TEST_SECRET
from tests.auxil.runtimes import make_runtime


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_two_workers_answering_the_same_person_keep_both_answers(
    database_url: str, clock: FrozenClock
) -> None:
    first = make_runtime(database_url, clock)
    second = build_runtime(
        Settings(database_url=database_url, environment="development", secret_key=TEST_SECRET),
        clock=clock,
    )
    try:

        def say(runtime, body):  # type: ignore[no-untyped-def]
            return runtime.turns.handle_inbound(parse_request({"user": "twice", **body}, clock()))

        say(first, {"text": "/start"})
        say(first, {"choice": "onboarding.choose_language:de"})
        say(first, {"choice": "onboarding.privacy_notice:yes"})
        say(first, {"text": "Amina"})
        say(first, {"choice": "onboarding.ask_town:t0"})

        def press(runtime, choice, barrier):  # type: ignore[no-untyped-def]
            barrier.wait()
            say(runtime, {"choice": f"onboarding.ask_interests:{choice}"})

        for round_ in range(10):
            barrier = threading.Barrier(2)
            a = threading.Thread(target=press, args=(first, "course", barrier))
            b = threading.Thread(target=press, args=(second, "jobs", barrier))
            a.start(), b.start()
            a.join(), b.join()
            # Both toggles landed: after an odd round both are ticked, after an even one neither.
            outcome = say(first, {"text": "/help"})
            ticked = [
                c["label"] for c in outcome.replies[-1]["choices"] if c["label"].startswith("✅")
            ]
            expected = 2 if round_ % 2 == 0 else 0
            assert len(ticked) == expected, (round_, ticked)
    finally:
        first.close()
        second.close()
