"""Retention and erasure on request: the daily purge, ``twc privacy``, ``twc people delete``.

The rules (:mod:`.purge`): a person silent for her organisation's retention period (default
183 days) is erased with everything about her, a newcomer who never consented after 7 days;
outbox rows go 30 days after their final state, inbound message ids and simulator transcripts
after 7 days; 14 days before the deletion for silence she is warned (:mod:`.warning`).
Every erasure, here and in the chat, goes through :class:`bot.erasure.Eraser`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.features.feature import Feature, PeriodicJob
from bot.features.retention.cli import register
from bot.features.retention.purge import PurgePlan, RetentionPurge
from bot.features.retention.service import daily_retention
from bot.features.retention.warning import WARNING

if TYPE_CHECKING:
    from bot.runtime import Runtime


def _daily(runtime: Runtime) -> bool:
    daily_retention(runtime, "scheduler:retention")
    return False  # it deletes and schedules warnings; the sweep sends them when due


FEATURE = Feature(
    name="retention",
    flows=Path(__file__).resolve().parent / "flows",
    nudge_kinds=(WARNING,),
    # At night, when few people write: each chunk of erasures is a short write transaction.
    periodic_jobs=(
        PeriodicJob(
            "retention", _daily, "cron", {"hour": 3, "minute": 30}, misfire_grace_seconds=12 * 3600
        ),
    ),
    cli=register,
)

__all__ = ["FEATURE", "PurgePlan", "RetentionPurge"]
