"""The people feature's boxes on the staff dashboard: what needs a human now, besides the inbox.

Each maker is called per request for the logged-in staff member (in a worker thread) and
reads :class:`~bot.features.people.attention.Attention`, which scopes every list to her
organisations.  An empty list shows no box (``None``): the dashboard shows only what needs
someone, and says so when nothing does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.features.feature import Panel
from bot.features.people.attention import Attention
from bot.features.people.labels import TABLES
from bot.web.staff.i18n import N_

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.staff.principal import StaffUser


def _attention(runtime: Runtime) -> Attention:
    return Attention(runtime.db, runtime.clock)


def not_coming_panel(runtime: Runtime, staff: StaffUser) -> Panel | None:
    """People who said they cannot come to a coming session, with their reason."""
    listed = _attention(runtime).not_coming(staff)
    if not listed.total:
        return None
    return Panel(
        N_("Kann nicht kommen"),
        "people/panel_not_coming.html",
        {"listed": listed, "labels": TABLES},
        order=20,
    )


def no_answer_panel(runtime: Runtime, staff: StaffUser) -> Panel | None:
    """People who have not answered about tomorrow's session."""
    listed = _attention(runtime).no_answer_tomorrow(staff)
    if not listed.total:
        return None
    return Panel(
        N_("Keine Antwort für den Termin morgen"),
        "people/panel_no_answer.html",
        {"listed": listed, "labels": TABLES},
        order=30,
    )


def held_panel(runtime: Runtime, staff: StaffUser) -> Panel | None:
    """Messages held as ``needs_template`` (WhatsApp's 24-hour window closed)."""
    listed = _attention(runtime).held(staff)
    if not listed.total:
        return None
    return Panel(
        N_("Nachrichten, die auf eine Vorlage warten"),
        "people/panel_held.html",
        {"listed": listed, "labels": TABLES},
        order=40,
    )


def unreachable_panel(runtime: Runtime, staff: StaffUser) -> Panel | None:
    """People no channel reaches any more."""
    listed = _attention(runtime).unreachable(staff)
    if not listed.total:
        return None
    return Panel(
        N_("Nicht erreichbar"),
        "people/panel_unreachable.html",
        {"listed": listed, "labels": TABLES},
        order=50,
    )


PANELS = (not_coming_panel, no_answer_panel, held_panel, unreachable_panel)

__all__ = [
    "PANELS",
    "held_panel",
    "no_answer_panel",
    "not_coming_panel",
    "unreachable_panel",
]
