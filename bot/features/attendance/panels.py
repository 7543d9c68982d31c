"""The dashboard's "Tomorrow: help needed": who may need childcare or transport to come.

Until now a woman's "I need childcare" at onboarding was stored and never shown, and her
"I can't come: childcare" reached staff only among every other answer.  The day before, the
team still has time to find a babysitter or a lift: so the panel lists, for the sessions of
tomorrow (each organisation's own date), the people enrolled who asked for childcare or
transport at onboarding, or said they cannot come because of one of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.features.attendance.pages import Formats
from bot.features.attendance.service import AttendanceService
from bot.features.feature import Panel
from bot.web.staff.i18n import N_

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.staff.principal import StaffUser


def help_tomorrow_panel(runtime: Runtime, staff: StaffUser) -> Panel | None:
    """The panel, or ``None`` when nobody enrolled tomorrow needs help."""
    tomorrow = AttendanceService(runtime.db, runtime.clock).help_tomorrow(staff)
    if not tomorrow.total:
        return None
    context = {**Formats(staff.language).context(), "tomorrow": tomorrow}
    return Panel(N_("Morgen: Hilfe nötig"), "attendance/panel.html", context, order=25)


PANELS = (help_tomorrow_panel,)

__all__ = ["PANELS", "help_tomorrow_panel"]
