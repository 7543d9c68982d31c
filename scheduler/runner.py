"""APScheduler set-up: the periodic sweep that fires due nudges.

The nudge table is the source of truth, so the scheduler itself only needs interval jobs; a
restart loses nothing because every due row is still in the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.runtime import Runtime
from scheduler.due import fire_due


def build_scheduler(
    runtime: Runtime, on_fired: Callable[[], None], every_seconds: float = 5.0
) -> AsyncIOScheduler:
    """A scheduler with the nudge sweep; call ``start()`` inside the running event loop."""
    scheduler = AsyncIOScheduler(timezone="UTC")

    async def sweep() -> None:
        fired = await asyncio.to_thread(fire_due, runtime.db, runtime.conversations, runtime.clock)
        if fired:
            on_fired()

    scheduler.add_job(
        sweep,
        "interval",
        seconds=every_seconds,
        id="fire_due_nudges",
        max_instances=1,
        coalesce=True,
        replace_existing=True,
    )
    return scheduler
