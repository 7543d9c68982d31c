"""The ``mentoring_languages`` choice source: the languages a mentor speaks, or the one a
participant would like to speak with her mentor.

Her organisation's languages, hers first and German second (most introductions are in one
of the two), each named in its own language like the language menu.
"""

from __future__ import annotations

from conversations.flow_engine import Option, Turn
from conversations.spec import Node


def mentoring_languages(turn: Turn, _node: Node) -> list[Option]:
    """The organisation's offered languages as options (ids are the language codes)."""
    offered = list(turn.offered_languages())
    first = (turn.language.code, turn.engine.languages.master)
    offered.sort(key=lambda lang: first.index(lang.code) if lang.code in first else len(first))
    return [Option(lang.code, lang.name, lang.code, keys=(lang.code,)) for lang in offered]


CHOICE_SOURCES = {"mentoring_languages": mentoring_languages}

__all__ = ["CHOICE_SOURCES", "mentoring_languages"]
