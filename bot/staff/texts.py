"""The marker for staff UI texts written in Python (German msgids of the gettext domain
``staff``).

``N_("…")`` returns its argument unchanged: it only tells ``make catalogs`` to extract the
text; the page translates it when it renders, in the language of the staff member reading it.
The web shell re-exports it as :data:`bot.web.staff.i18n.N_`.
"""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark ``message`` for extraction into the ``staff`` catalogs; translate at render."""
    return message


__all__ = ["N_"]
