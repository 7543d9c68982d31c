"""What a mentor can help with, and when she has time: the ids stored and their names.

The ids are stored (``mentor_profiles.topics``, ``mentoring_requests.topics``) and compared by
the matching; the names here are what the other woman reads in an introduction ("She can help
with: paperwork and authorities"), in her language (``twc`` catalog).  The flows have their
own button labels for the same ids (with an emoji, shorter).
"""

from __future__ import annotations

from collections.abc import Iterable

from conversations.i18n import Catalogs
from conversations.languages import Language
from conversations.texts import Text, msg

#: Topic id → its name in an introduction.
TOPICS: dict[str, Text] = {
    "language": msg("mentoring.topic.language", "Deutsch üben"),
    "work": msg("mentoring.topic.work", "Bewerbung und Arbeit"),
    "paperwork": msg("mentoring.topic.paperwork", "Briefe und Ämter"),
    "school": msg("mentoring.topic.school", "Schule und Kita"),
    "health": msg("mentoring.topic.health", "Arzt und Gesundheit"),
    "everyday": msg("mentoring.topic.everyday", "Alltag"),
}

#: When a mentor has time (ids stored in ``mentor_profiles.availability``).
AVAILABILITY = ("mornings", "afternoons", "evenings", "weekends")

#: How many mentees a mentor may take at once (the choices she is offered).
CAPACITIES = (1, 2, 3)


def topic_names(catalogs: Catalogs, language: Language, ids: Iterable[str]) -> list[str]:
    """The names of the topic ids in ``language`` (unknown ids left out)."""
    return [catalogs.translate(language, TOPICS[i]) for i in ids if i in TOPICS]


__all__ = ["AVAILABILITY", "CAPACITIES", "TOPICS", "topic_names"]
