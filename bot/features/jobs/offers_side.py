"""Part of the job-offers feature (see ``bot.features.jobs``): offers entered by staff.

The service (:mod:`.offers`), its reading side (:mod:`.offer_rows`), the staff pages under
``/staff/jobs`` (:mod:`.staff_pages`, templates in ``templates/jobs/``) and the commands
``twc jobs create|list|close|publish|outcome`` (:mod:`.offers_cli`, which adds them to the one
``twc jobs`` group this part registers).
"""

from __future__ import annotations

from bot.features.feature import Feature, NavItem
from bot.features.jobs import offers_cli  # noqa: F401 - adds create/list/close/publish/outcome
from bot.features.jobs.cli_app import register
from bot.features.jobs.staff_pages import PATH, staff_pages
from bot.web.staff.i18n import N_

PART = Feature(
    name="jobs",
    cli=register,
    staff_pages=staff_pages,
    staff_nav=(NavItem(PATH, N_("Arbeit"), order=55),),
)
