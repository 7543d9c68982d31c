"""Attendance and barriers: who comes to a session, who cannot and why, who was there; the
barrier report; and the dashboard's "tomorrow: help needed".

:mod:`.service` reads and writes (scoped to the staff member's organisations), :mod:`.pages`
is the web side (``/staff/attendance/sessions/<id>``, ``/staff/barriers``) with templates in
``templates/attendance/``, :mod:`.panels` the dashboard box, :mod:`.cli` ``twc attendance``.
No navigation item: the pages are reached from a course's page and from the reports.
"""

from __future__ import annotations

from bot.features.attendance.cli import register
from bot.features.attendance.pages import staff_pages
from bot.features.attendance.panels import PANELS
from bot.features.feature import Feature

FEATURE = Feature(
    name="attendance", staff_pages=staff_pages, dashboard_panels=PANELS, cli=register
)

__all__ = ["FEATURE"]
