"""APScheduler set-up: the periodic sweep that fires due nudges, and every feature's periodic
jobs (the broadcasts' tick, the daily housekeeping, …) from the registry.

The nudge table is the source of truth, so the scheduler itself holds only the periodic
jobs: 100 000 pending nudges are 100 000 rows, not 100 000 jobs.  The jobs live in a persistent
``SQLAlchemyJobStore`` (table :data:`JOBS_TABLE` in the configured database; Alembic leaves it
alone), added with ``replace_existing=True`` so a restart updates them instead of doubling
them, and a daily run missed while the process was down runs once at start
(``coalesce``, ``misfire_grace_time``).  A restart loses nothing either way because every due
row is still in the database.

A persistent store keeps jobs by reference (``module:function`` and its arguments), not as
closures: :func:`sweep` and :func:`run_feature_job` are module-level and find the running bot
in :data:`_bound`, set by :func:`build_scheduler`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.features.registry import periodic_jobs
from bot.runtime import Runtime
from scheduler.due import fire_due

log = logging.getLogger(__name__)

#: The job store's table (excluded from Alembic's autogenerate comparison).
JOBS_TABLE = "apscheduler_jobs"
SWEEP_JOB = "fire_due_nudges"
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
        runtime.turns,
        runtime.clock,
        SWEEP_BATCH,
        runtime.settings.link_base,
    )
    if fired:
        bound.on_fired()


async def run_feature_job(job_id: str) -> None:
    """Run one feature's periodic job (by its id in the registry); wake the dispatcher if it
    queued messages."""
    bound = _binding()
    job = next((j for j in periodic_jobs() if j.id == job_id), None)
    if job is None:  # a job stored by a version that had it
        log.warning("no periodic job %r in this version; skipped", job_id)
        return
    if await asyncio.to_thread(job.run, bound.runtime):
        bound.on_fired()


def build_scheduler(
    runtime: Runtime,
    on_fired: Callable[[], None],
    every_seconds: float = 5.0,
    persistent: bool = True,
) -> AsyncIOScheduler:
    """A scheduler with the nudge sweep and every feature's jobs; call ``start()`` inside
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
    for job in periodic_jobs():
        options: dict[str, Any] = dict(job.trigger_args)
        if job.trigger == "interval":
            options.setdefault("seconds", every_seconds)
            if job.start_offset:
                options["next_run_time"] = datetime.now(UTC) + timedelta(
                    seconds=options["seconds"] * job.start_offset
                )
        if job.misfire_grace_seconds is not None:
            options["misfire_grace_time"] = job.misfire_grace_seconds
        scheduler.add_job(
            run_feature_job,
            job.trigger,
            args=[job.id],
            id=job.id,
            max_instances=1,
            coalesce=True,
            replace_existing=True,
            **options,
        )
    return scheduler
