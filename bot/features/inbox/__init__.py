"""The inbox: conversations between a woman and the team (issue 12).

Her side is core (``bot.turns.inbox``: what she writes while with the team, "talk to a
person", voice notes and photos, "I can't come: childcare"); this feature is the team's side:
:class:`~bot.features.inbox.service.Inbox` (threads, replies through the outbox with
WhatsApp's ``team_reply`` template outside the 24-hour window, notes, quick replies, closing),
staff notifications of new threads (:mod:`.notify`, every 30 seconds) and translation through
LibreTranslate (:mod:`.translate`).
"""

from __future__ import annotations

from bot.features.feature import Feature, PeriodicJob
from bot.features.inbox.notify import run_notifications

FEATURE = Feature(
    name="inbox",
    periodic_jobs=(
        PeriodicJob(
            "inbox_notify", run_notifications, "interval", {"seconds": 30}, start_offset=0.5
        ),
    ),
)

__all__ = ["FEATURE"]
