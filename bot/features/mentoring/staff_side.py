"""Part of the mentoring feature (see ``bot.features.mentoring``): matching and the staff side.

Ranked suggestions (:mod:`.ranking`, :mod:`.towns`), the service (:mod:`.matching`) behind the
staff page ``/staff/mentoring`` (:mod:`.staff_pages`, templates in ``templates/mentoring/``)
and ``twc mentors`` (:mod:`.mentors_cli`), and the hourly automatic proposals for the
organisations that switched them on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.features.feature import Feature, NavItem, PeriodicJob
from bot.features.mentoring.matching import propose_automatically
from bot.features.mentoring.mentors_cli import register
from bot.features.mentoring.staff_pages import PATH, staff_pages
from bot.web.staff.i18n import N_

if TYPE_CHECKING:
    from bot.runtime import Runtime


def _auto_propose(runtime: Runtime) -> bool:
    with runtime.db.begin() as conn:
        propose_automatically(conn, runtime.clock())
    return False  # it writes nudge rows; the sweep sends them when due


PART = Feature(
    name="mentoring",
    cli=register,
    staff_pages=staff_pages,
    staff_nav=(NavItem(PATH, N_("Mentoring"), order=50),),
    periodic_jobs=(
        PeriodicJob("mentoring_auto_propose", _auto_propose, "interval", {"hours": 1}, 0.5),
    ),
)
