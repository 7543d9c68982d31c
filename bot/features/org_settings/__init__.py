"""Organisation settings in the staff app: its admins change name, district, languages, towns,
opening hours, quiet hours, privacy contact, retention and notifications in the browser;
coordinators read them.  The checks, the audit and the cache are the organisations service's
(:mod:`bot.organisations.service`), the same as ``twc organisations edit``.

:mod:`.form` reads and checks the form field by field, :mod:`.pages` serves
``/staff/organisation``; templates in ``templates/org_settings/``.
"""

from __future__ import annotations

from bot.features.feature import Feature, NavItem
from bot.features.org_settings.pages import PATH, staff_pages
from bot.web.staff.i18n import N_

FEATURE = Feature(
    name="org_settings",
    staff_pages=staff_pages,
    staff_nav=(NavItem(PATH, N_("Organisation"), order=880, admin=True),),
)

__all__ = ["FEATURE"]
