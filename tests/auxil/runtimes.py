"""Runtimes for tests: a migrated database with the demo data, on a given clock."""

from __future__ import annotations

from bot.db.migrate import upgrade
from bot.demo import load_demo
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from tests.auxil.clock import FrozenClock
from tests.auxil.constants import TEST_SECRET


def make_runtime(url: str, clock: FrozenClock) -> Runtime:
    """A runtime on ``url`` (migrated, demo data loaded), without any outside channel."""
    settings = Settings(database_url=url, environment="test", secret_key=TEST_SECRET)
    upgrade(url)
    runtime = build_runtime(settings, clock=clock)
    load_demo(runtime.db, TEST_SECRET, clock())
    return runtime
