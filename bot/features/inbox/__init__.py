"""The inbox: conversations between a woman and the team (issue 12).

Her side is core (``bot.turns.inbox``: what she writes while with the team, "talk to a
person", voice notes and photos, "I can't come: childcare"); this feature is the team's side:
:class:`~bot.features.inbox.service.Inbox` (threads, replies through the outbox with
WhatsApp's ``team_reply`` template outside the 24-hour window, notes, quick replies, closing),
staff notifications of new threads (:mod:`.notify`, every 30 seconds) and translation through
LibreTranslate (:mod:`.translate`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.features.feature import Feature, NavItem, Panel, PeriodicJob
from bot.features.inbox.notify import run_notifications
from bot.features.inbox.pages import pages
from bot.staff.texts import N_

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.staff.principal import StaffUser


def _waiting_panel(runtime: Runtime, staff: StaffUser) -> Panel | None:
    """The dashboard's "waiting for an answer": open conversations, longest waiting first."""
    from bot.features.inbox.service import Inbox

    # Those waiting come first in this order, so the first ten rows are the ten shown (not
    # all open threads read and summarised to show ten: benchmarks/staff.py).
    threads = Inbox.from_runtime(runtime).threads(staff, order="waiting", limit=10)
    waiting = [t for t in threads if t.waiting_since]
    if not waiting:
        return None
    return Panel(N_("Warten auf Antwort"), "inbox/panel.html", {"waiting": waiting}, 10)


FEATURE = Feature(
    name="inbox",
    staff_pages=pages,
    staff_nav=(NavItem("/staff/inbox", N_("Posteingang"), 10),),
    dashboard_panels=(_waiting_panel,),
    periodic_jobs=(
        PeriodicJob(
            "inbox_notify", run_notifications, "interval", {"seconds": 30}, start_offset=0.5
        ),
    ),
)

__all__ = ["FEATURE"]
