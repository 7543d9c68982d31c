"""Part of the groups feature (see ``bot.features.groups``): meetups in the women's chats.

An organiser proposes (what, where, two or three times); every member is asked in her own
language on her own channel and votes; the organiser sees the counts and confirms; everyone
is told and answers yes / maybe / no; those who said yes or maybe are reminded.

* :mod:`.meetup_votes`: the votes (shared with the Telegram poll part);
* :mod:`.meetup_effects`: the flow's actions, effects and built choices;
* :mod:`.meetup_replies`: what is stored and said back, in the turn's transaction;
* :mod:`.meetup_schedule` / :mod:`.meetup_nudges`: one nudge per member, decided when due;
* :mod:`.meetup_reminders`: the day before and two hours before, to yes and maybe;
* :mod:`.meetup_deadlines`: at the deadline, confirmed on its own when enough can come;
* :mod:`.meetup_changes`: a moved or cancelled meetup, told to those who answered;
* :mod:`.meetup_members`: who is an active member or organiser;
* :mod:`.meetup_times`: reading typed times; the vote's deadline;
* :mod:`.meetup_calendar`: the ``.ics`` file the confirmation and a move bring.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.features.feature import Feature, PeriodicJob
from bot.features.groups.meetup_calendar import MeetupCalendars
from bot.features.groups.meetup_deadlines import run_deadlines
from bot.features.groups.meetup_effects import ACTIONS, CHOICE_SOURCES
from bot.features.groups.meetup_nudges import (
    AFTER_NUDGE,
    CHANGED_NUDGE,
    CHANGED_TEMPLATE,
    CONFIRMED_NUDGE,
    CONFIRMED_TEMPLATE,
    DEADLINE_NUDGE,
    REMINDER_NUDGE,
    VOTE_NUDGE,
)
from bot.features.groups.meetup_replies import make_replies
from bot.features.groups.meetup_texts import MEETUPS_COMMAND

if TYPE_CHECKING:
    from bot.runtime import Runtime


def _deadlines(runtime: Runtime) -> bool:
    """Confirm (or tell the organiser) at the deadline; the nudge sweep sends the news."""
    with runtime.db.begin() as conn:
        run_deadlines(conn, runtime.clock())
    return False


def _calendars(runtime: Runtime) -> MeetupCalendars:
    return MeetupCalendars(runtime.db, runtime.flow_engine.catalogs, runtime.clock)


PART = Feature(
    name="groups",
    actions=ACTIONS,
    choice_sources=CHOICE_SOURCES,
    reply_sources=(make_replies,),
    nudge_kinds=(
        VOTE_NUDGE,
        CONFIRMED_NUDGE,
        REMINDER_NUDGE,
        DEADLINE_NUDGE,
        CHANGED_NUDGE,
        AFTER_NUDGE,
    ),
    periodic_jobs=(
        # Every five minutes: votes whose deadline passed are settled.
        PeriodicJob(
            "meetup_deadlines", _deadlines, "interval", {"seconds": 300}, start_offset=0.3
        ),
    ),
    commands=(MEETUPS_COMMAND,),
    # The confirmation and a move (or cancellation) bring the meetup's calendar file.
    attachments={CONFIRMED_TEMPLATE: _calendars, CHANGED_TEMPLATE: _calendars},
)

__all__ = ["PART"]
