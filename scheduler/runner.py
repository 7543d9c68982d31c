"""APScheduler set-up: the periodic sweep that fires due nudges, the broadcasts' tick (due
and interrupted broadcasts, follow-ups), and the daily housekeeping.

The nudge table is the source of truth, so the scheduler itself holds only the periodic
jobs: 100 000 pending nudges are 100 000 rows, not 100 000 jobs.  The jobs live in a persistent
``SQLAlchemyJobStore`` (table :data:`JOBS_TABLE` in the configured database; Alembic leaves it
alone), added with ``replace_existing=True`` so a restart updates them instead of doubling
them, and a daily run missed while the process was down runs once at start
(``coalesce``, ``misfire_grace_time``).  A restart loses nothing either way because every due
row is still in the database.

A persistent store keeps jobs by reference (``module:function``), not as closures: the job
functions below are module-level and find the running bot in :data:`_bound`, set by
:func:`build_scheduler`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.features.checkins.housekeeping import run_housekeeping
from bot.runtime import Runtime
from scheduler.due import fire_due

#: The job store's table (excluded from Alembic's autogenerate comparison).
JOBS_TABLE = "apscheduler_jobs"
SWEEP_JOB = "fire_due_nudges"
HOUSEKEEPING_JOB = "housekeeping"
BROADCAST_JOB = "broadcasts"
#: How many due nudges one sweep claims at most.
SWEEP_BATCH = 500


@dataclass
class _Binding:
    runtime: Runtime
    on_fired: Callable[[], None]


_bound: _Binding | None = None


def _binding() -> _Binding:
    if _bound is None:
        raise RuntimeError("build_scheduler() has not been called in this process")
    return _bound


async def sweep() -> None:
    """Fire due nudges (the periodic job); wake the dispatcher if any were fired."""
    bound = _binding()
    runtime = bound.runtime
    fired = await asyncio.to_thread(
        fire_due,
        runtime.db,
        runtime.conversations,
        runtime.clock,
        SWEEP_BATCH,
        runtime.settings.link_base,
    )
    if fired:
        bound.on_fired()


async def broadcasts() -> None:
    """Enqueue due (or interrupted) broadcasts, finish sent ones, queue due follow-ups."""
    from bot.features.broadcasts.service import BroadcastService, channel_rates

    bound = _binding()
    runtime = bound.runtime
    templates = runtime.whatsapp.templates if runtime.whatsapp is not None else None
    service = BroadcastService(
        runtime.db,
        runtime.flow_engine.catalogs,
        runtime.clock,
        "scheduler",
        templates,
        channel_rates(runtime.settings),
    )
    done = await asyncio.to_thread(service.tick)
    if done["enqueued"] or done["followups"]:
        bound.on_fired()


async def housekeeping() -> None:
    """Schedule inactivity check-ins and feedback questions (the daily job)."""
    runtime = _binding().runtime
    await asyncio.to_thread(run_housekeeping, runtime.db, runtime.clock)


def build_scheduler(
    runtime: Runtime,
    on_fired: Callable[[], None],
    every_seconds: float = 5.0,
    persistent: bool = True,
) -> AsyncIOScheduler:
    """A scheduler with the nudge sweep and the daily housekeeping; call ``start()`` inside
    the running event loop.  ``persistent=False`` keeps the jobs in memory (tests)."""
    global _bound
    _bound = _Binding(runtime, on_fired)
    jobstores = (
        {"default": SQLAlchemyJobStore(engine=runtime.db, tablename=JOBS_TABLE)}
        if persistent
        else {}
    )
    scheduler = AsyncIOScheduler(timezone="UTC", jobstores=jobstores)
    scheduler.add_job(
        sweep,
        "interval",
        seconds=every_seconds,
        id=SWEEP_JOB,
        max_instances=1,
        coalesce=True,
        replace_existing=True,
    )
    # Scheduled broadcasts, and the rest of one cut off by a crash (bot/broadcasts/service.py).
    # Half an interval after the sweep, so the two never start at the same instant.
    scheduler.add_job(
        broadcasts,
        "interval",
        seconds=every_seconds,
        next_run_time=datetime.now(UTC) + timedelta(seconds=every_seconds * 1.5),
        id=BROADCAST_JOB,
        max_instances=1,
        coalesce=True,
        replace_existing=True,
    )
    # Due times are moved out of quiet hours, so the hour of the daily run does not matter.
    scheduler.add_job(
        housekeeping,
        "cron",
        hour=6,
        minute=0,
        id=HOUSEKEEPING_JOB,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=6 * 3600,
        replace_existing=True,
    )
    return scheduler
