"""Part of the job-offers feature (see ``bot.features.jobs``): offers imported from the
Bundesagentur für Arbeit's job search (:mod:`.importing`, :mod:`.ba_client`), per organisation
(place, radius, words), each waiting as ``review`` for a coordinator; a daily run for the
organisations that turned it on, ``twc jobs import`` / ``import-settings``
(:mod:`.import_cli`) and the page ``/staff/jobs/import`` (:mod:`.import_pages`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.features.feature import Feature, PeriodicJob
from bot.features.jobs import import_cli  # noqa: F401  (adds its commands to ``twc jobs``)
from bot.features.jobs.import_pages import staff_pages
from bot.features.jobs.importing import Importer

if TYPE_CHECKING:
    from bot.runtime import Runtime


def _daily_import(runtime: Runtime) -> bool:
    """Import for every organisation that turned it on; it never sends anything (imported
    offers wait for review), so the dispatcher has nothing to wake for."""
    Importer(runtime.db, runtime.clock, runtime.settings.ba_jobsearch_url).run_enabled()
    return False


PART = Feature(
    name="jobs",
    periodic_jobs=(
        PeriodicJob(
            "jobs_ba_import",
            _daily_import,
            "cron",
            {"hour": 5, "minute": 40},
            misfire_grace_seconds=6 * 3600,
        ),
    ),
    staff_pages=staff_pages,
)
