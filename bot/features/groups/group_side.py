"""Part of the groups feature (see ``bot.features.groups``): the groups themselves.

Groups of participants run by their own organisers: created by staff (page, ``twc groups``)
or by an organiser in the chat; "groups near me" from the menu; joining (open, or approved
by an organiser in her chat), leaving with one word, handing the organiser role on; an
invite deep link / QR code; the staff view and the reports' counts.
"""

from __future__ import annotations

from bot.features.feature import Feature

PART = Feature(name="groups")

__all__ = ["PART"]
