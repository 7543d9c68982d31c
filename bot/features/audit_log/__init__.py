"""The audit log page: who did what and when, for the admins of an organisation.

Every service that changes something staff can see appends an entry to ``audit_log`` naming
the organisation it concerns (:func:`bot.staff.audit.record`).  This feature only reads it:
:mod:`.log` (the filtered, paginated query and the CSV export, scoped to the organisations she
administers), :mod:`.labels` (plain words for the action codes), :mod:`.pages` (the web side,
templates in ``templates/audit_log/``), :mod:`.cli` (``twc audit list``, the same query).
Nothing here edits or deletes an entry.
"""

from __future__ import annotations

from bot.features.audit_log.cli import register
from bot.features.audit_log.pages import staff_pages
from bot.features.feature import Feature, NavItem
from bot.web.staff.i18n import N_

FEATURE = Feature(
    name="audit_log",
    cli=register,
    staff_pages=staff_pages,
    staff_nav=(NavItem("/staff/audit", N_("Protokoll"), order=80, admin=True),),
)

__all__ = ["FEATURE"]
