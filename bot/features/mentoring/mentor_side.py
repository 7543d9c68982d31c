"""Part of the mentoring feature (see ``bot.features.mentoring``): a mentor in the chat.

She signs up by a mentor invite code (the invites feature gives her the role), answers her
own questions (``flows/mentor.yaml``: consent, languages, topics, how many women, when she
has time), sees her profile in her hub, changes it, pauses ("no new introductions until …")
and stops.
"""

from __future__ import annotations

from bot.features.feature import Feature
from bot.features.mentoring import mentor_profile, mentor_summary
from bot.features.mentoring.language_choices import CHOICE_SOURCES

PART = Feature(
    name="mentoring",
    actions={**mentor_profile.ACTIONS, "show_mentor_profile": mentor_summary.show_mentor_profile},
    reply_sources=(mentor_summary.make_replies,),
    choice_sources=CHOICE_SOURCES,
)
