"""Check-ins and feedback: a friendly hello after 14 quiet days, and "how was it?" after a
session she said she would come to.

The daily job (:mod:`.housekeeping`) schedules both as nudge rows (:mod:`.nudges`); they fire
``flows/checkin.yaml``; her rating is the ``record_feedback`` action (:mod:`.effects`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.features.checkins.effects import FeedbackWriter, RecordFeedback, record_feedback
from bot.features.checkins.housekeeping import run_housekeeping
from bot.features.checkins.nudges import CHECKIN, FEEDBACK
from bot.features.feature import Feature, PeriodicJob

if TYPE_CHECKING:
    from bot.runtime import Runtime


def _housekeeping(runtime: Runtime) -> bool:
    run_housekeeping(runtime.db, runtime.clock)
    return False  # it only schedules rows; the sweep sends them when due


FEATURE = Feature(
    name="checkins",
    flows=Path(__file__).resolve().parent / "flows",
    actions={"record_feedback": record_feedback},
    effect_writers=(FeedbackWriter,),
    nudge_kinds=(CHECKIN, FEEDBACK),
    # Due times are moved out of quiet hours, so the hour of the daily run does not matter.
    periodic_jobs=(
        PeriodicJob(
            "housekeeping",
            _housekeeping,
            "cron",
            {"hour": 6, "minute": 0},
            misfire_grace_seconds=6 * 3600,
        ),
    ),
)

__all__ = ["FEATURE", "RecordFeedback", "run_housekeeping"]
