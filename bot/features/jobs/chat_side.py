"""Part of the job-offers feature (see ``bot.features.jobs``): the women's side.

``flows/jobs.yaml`` (the "💼 Arbeit" menu entry, her ``job_offers`` consent, three short
questions, "🔕 Keine Job-Angebote"), her answers stored by :mod:`.chat_profile`, the
matching (:mod:`.matching`, read by :mod:`.reach` and ``twc jobs match``).
"""

from __future__ import annotations

from bot.features.feature import Feature
from bot.features.jobs import chat_profile, match_cli

match_cli.load()

PART = Feature(
    name="jobs",
    actions=chat_profile.ACTIONS,
    reply_sources=(chat_profile.make_replies,),
)
