"""People: the staff app's directory of the women an organisation works with, her profile,
and what staff do for her (enrol, export her data, delete her data on request); and the
dashboard panels of what needs a human now besides the inbox.

:mod:`.directory` (list and forgiving search), :mod:`.profile` (one person),
:mod:`.actions` (audited actions), :mod:`.attention` (the panels' lists); every query is scoped
to the staff member's organisations (:mod:`.scope`).  :mod:`.pages` and :mod:`.panels` are the
web side, with templates in ``templates/people/``; :mod:`.cli` is ``twc people list`` and
``twc people show ID`` on the same services.
"""

from __future__ import annotations

from bot.features.feature import Feature, NavItem
from bot.features.people.cli import register
from bot.features.people.pages import staff_pages
from bot.features.people.panels import PANELS
from bot.web.staff.i18n import N_

FEATURE = Feature(
    name="people",
    staff_pages=staff_pages,
    staff_nav=(NavItem("/staff/people", N_("Personen"), order=20),),
    dashboard_panels=PANELS,
    cli=register,
)

__all__ = ["FEATURE"]
