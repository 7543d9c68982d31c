"""Part of the job-offers feature (see ``bot.features.jobs``): offers entered by staff.

Importing :mod:`.offers_cli` adds its commands to the one ``twc jobs`` group that this part
registers.
"""

from __future__ import annotations

from bot.features.feature import Feature
from bot.features.jobs import offers_cli  # noqa: F401 - adds create/list/close/publish/outcome
from bot.features.jobs.cli_app import register

PART = Feature(name="jobs", cli=register)
