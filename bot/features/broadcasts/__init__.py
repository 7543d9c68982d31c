"""Coordinator broadcasts: one announcement to many people, each in her language, on her
channel, exactly once.

``compose`` (the coordinator's file, placeholders, the language fallback chain), ``audience``
(who is in, who is left out and why), ``service`` (create, preview, send, cancel, status,
follow-up, and the scheduler's ``tick``), ``report`` (status and progress), ``cli``
(``twc broadcast …``), ``texts`` (the one participant-facing word the bot adds itself),
``pages`` and ``form`` (``/staff/broadcasts…``: the same service in the browser; templates in
``templates/broadcasts/``).
Recipients are outbox rows carrying the broadcast's id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.features.broadcasts.cli import register
from bot.features.broadcasts.compose import BroadcastError, Draft
from bot.features.broadcasts.pages import PATH, staff_pages
from bot.features.broadcasts.service import BroadcastService, channel_rates
from bot.features.feature import Feature, NavItem, PeriodicJob
from bot.web.staff.i18n import N_

if TYPE_CHECKING:
    from bot.runtime import Runtime


def _tick(runtime: Runtime) -> bool:
    """Enqueue due (or interrupted) broadcasts, finish sent ones, queue due follow-ups."""
    service = BroadcastService(
        runtime.db,
        runtime.flow_engine.catalogs,
        runtime.clock,
        "scheduler",
        runtime.reach_rules(),
        channel_rates(runtime.settings),
        frozenset(runtime.channels),
    )
    done = service.tick()
    return bool(done["enqueued"] or done["followups"])


FEATURE = Feature(
    name="broadcasts",
    # Half an interval after the nudge sweep, so the two never start at the same instant.
    periodic_jobs=(PeriodicJob("broadcasts", _tick, "interval", start_offset=1.5),),
    cli=register,
    staff_pages=staff_pages,
    staff_nav=(NavItem(PATH, N_("Nachrichten"), order=40),),
)

__all__ = ["FEATURE", "BroadcastError", "BroadcastService", "Draft", "channel_rates"]
