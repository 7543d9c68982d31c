"""Part of the job-offers feature (see ``bot.features.jobs``): the weekly digest.

* :mod:`.digest_plan`: hourly, schedules each woman's next digest (a working-day morning, a
  week after her last) and the word that an offer she was interested in is gone;
* :mod:`.digest_nudges`: what a due digest says, decided again when it fires;
* :mod:`.digest_effects`: the cards one at a time in her chat, her answers;
* :mod:`.digest_writer`: ``job_notices`` from the cards she saw and her answers;
* :mod:`.digest_cli`: ``twc jobs digests`` (plan now, and what waits).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.features.feature import Feature, PeriodicJob
from bot.features.jobs import digest_cli
from bot.features.jobs.digest_effects import ACTIONS
from bot.features.jobs.digest_nudges import DIGEST_NUDGE, WITHDRAWN_NUDGE
from bot.features.jobs.digest_plan import run_plan
from bot.features.jobs.digest_writer import DigestWriter

if TYPE_CHECKING:
    from bot.runtime import Runtime

digest_cli.load()


def _plan(runtime: Runtime) -> bool:
    """Schedule digests and withdrawals; the nudge sweep sends them when due."""
    with runtime.db.begin() as conn:
        run_plan(conn, runtime.clock())
    return False


PART = Feature(
    name="jobs",
    actions=ACTIONS,
    effect_writers=(DigestWriter,),
    nudge_kinds=(DIGEST_NUDGE, WITHDRAWN_NUDGE),
    periodic_jobs=(
        # Hourly (digests go on working-day mornings); the first run two minutes after start.
        PeriodicJob("jobs_digest", _plan, "interval", {"seconds": 3600}, start_offset=2 / 60),
    ),
)

__all__ = ["PART"]
