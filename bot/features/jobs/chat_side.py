"""Part of the job-offers feature (see ``bot.features.jobs``): filled in by its issue."""

from __future__ import annotations

from bot.features.feature import Feature

PART = Feature(name="jobs")
