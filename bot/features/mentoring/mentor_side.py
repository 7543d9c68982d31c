"""Part of the mentoring feature (see ``bot.features.mentoring``): filled in by its issue."""

from __future__ import annotations

from bot.features.feature import Feature

PART = Feature(name="mentoring")
