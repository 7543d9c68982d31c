"""What a meetup's messages and calendar file add after the place: "children welcome" and how
to get there, where the group set them (``groups.children_welcome``, ``groups.directions`` in
her language, else the organisation's default)."""

from __future__ import annotations

from typing import Any

from bot.features.groups import meetup_texts as t
from conversations.i18n import Catalogs
from conversations.languages import Language


def extras(catalogs: Catalogs, meetup: Any, language: Language) -> list[str]:
    """The lines in her language; ``meetup`` is a row with ``children_welcome``,
    ``directions`` and ``default_language``."""
    lines = []
    if meetup.children_welcome:
        lines.append(catalogs.translate(language, t.CHILDREN))
    directions = meetup.directions or {}
    text = directions.get(language.code) or directions.get(meetup.default_language)
    if text:
        lines.append(
            catalogs.fill(
                language, catalogs.translate(language, t.DIRECTIONS), {"directions": text}
            )
        )
    return lines


__all__ = ["extras"]
