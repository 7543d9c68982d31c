"""The introductions part of the mentoring feature: the double opt-in, the contact (relayed
through the bot or shared), ending and rating, a problem reported, and the follow-through.

* :mod:`.intro_effects`: the flow actions and what they stand for;
* :mod:`.intro_writer`: moves a match on from the women's answers;
* :mod:`.intro_nudges`: what a due question or relayed message says, in her language;
* :mod:`.intro_sweep`: reminders, lapses, "have you met?" and check-ins (hourly);
* ``flows/intro.yaml``: the conversation (entry ``intro.contacts``: whom to write to).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.features.feature import Feature, PeriodicJob
from bot.features.mentoring.intro_commands import END_CONTACT
from bot.features.mentoring.intro_effects import ACTIONS, mentoring_partners
from bot.features.mentoring.intro_farewell import farewell
from bot.features.mentoring.intro_nudges import ASK_KIND, RELAY_KIND
from bot.features.mentoring.intro_sweep import run_sweep
from bot.features.mentoring.intro_writer import IntroWriter

if TYPE_CHECKING:
    from bot.runtime import Runtime


def _sweep(runtime: Runtime) -> bool:
    run_sweep(runtime.db, runtime.clock)
    return False  # it only schedules rows; the sweep sends them when due


PART = Feature(
    name="mentoring",
    actions=ACTIONS,
    effect_writers=(IntroWriter,),
    nudge_kinds=(ASK_KIND, RELAY_KIND),
    choice_sources={"mentoring_partners": mentoring_partners},
    on_erase=(farewell,),
    commands=(END_CONTACT,),
    periodic_jobs=(
        # Hourly (reminders and lapses count in days); the first run a minute after start.
        PeriodicJob("mentoring_intro", _sweep, "interval", {"seconds": 3600}, start_offset=1 / 60),
    ),
)

__all__ = ["PART", "run_sweep"]
