"""Runtimes for tests: a migrated database with the demo data, on a given clock."""

from __future__ import annotations

from bot.db.migrate import upgrade
from bot.demo import load_demo
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from tests.auxil.clock import FrozenClock
from tests.auxil.constants import TEST_SECRET


def make_runtime(url: str, clock: FrozenClock, simulator_screens: bool = True) -> Runtime:
    """A runtime on ``url`` (migrated, demo data loaded), without any outside channel.

    ``simulator_screens=False``: simulator replies wait in the outbox for a dispatcher like any
    channel's (the dispatcher's own tests).
    """
    settings = Settings(database_url=url, environment="development", secret_key=TEST_SECRET)
    upgrade(url)
    runtime = build_runtime(settings, clock=clock, simulator_screens=simulator_screens)
    load_demo(runtime.db, TEST_SECRET, clock())
    return runtime
