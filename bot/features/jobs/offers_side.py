"""Part of the job-offers feature (see ``bot.features.jobs``): offers entered by staff."""

from __future__ import annotations

from bot.features.feature import Feature
from bot.features.jobs.cli_app import register

PART = Feature(name="jobs", cli=register)
