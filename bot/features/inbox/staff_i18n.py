"""Staff texts of the inbox outside a page (notifications), in the staff member's language.

Pages translate through the web shell; a notification (an email, a message to the staff
Telegram group) is written by a job with no request, so it reads the same ``staff`` catalogs
(:class:`bot.web.staff.i18n.StaffCatalogs`, loaded once per process) here.
"""

from __future__ import annotations

from functools import cache

from bot.staff.texts import N_
from bot.web.staff.i18n import LANGUAGE_NAMES, StaffCatalogs


@cache
def _catalogs() -> StaffCatalogs:
    return StaffCatalogs.load()


def staff_text(language: str | None, message: str) -> str:
    """``message`` (a German msgid) in ``language``; German if there is no translation."""
    return _catalogs().gettext(staff_language(language))(message)


def staff_language(*candidates: str | None) -> str:
    """The first of ``candidates`` the staff app speaks, else German."""
    for code in candidates:
        if code in LANGUAGE_NAMES:
            return code
    return "de"


__all__ = ["N_", "staff_language", "staff_text"]
