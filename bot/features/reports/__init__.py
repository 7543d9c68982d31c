"""Reports: the numbers a coordinator gives to the funder, and per-flow results.

``/staff/reports`` shows one organisation's numbers for a period (participants by language,
town and month of joining, active people, sessions and attendance, requests to the team and
the median time to an answer, broadcasts and their reach) as tables and SVG bar charts, and
as CSV; every count from 1 to 4 is shown as "< 5".  ``/staff/reports/flows`` exports the
answers to one flow's choice questions with pseudonymous ids.  ``twc reports summary`` and
``twc reports flow-results`` print the same from the same service (:mod:`.service`).

What is counted is recorded by the core turn writer (``bot.turns.writer``): the days she
wrote (``activity_days``) and the choice ids she answered (``flow_results``, from the
engine's :class:`conversations.events.AnswerChosen`).  See docs/reports.md.
"""

from __future__ import annotations

from bot.features.feature import Feature, NavItem
from bot.features.reports.cli import register
from bot.features.reports.pages import PATH, staff_pages
from bot.web.staff.i18n import N_

FEATURE = Feature(
    name="reports",
    staff_pages=staff_pages,
    staff_nav=(NavItem(PATH, N_("Berichte"), order=60),),
    cli=register,
)

__all__ = ["FEATURE"]
