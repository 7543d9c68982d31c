"""Translatable texts: a message is a context plus its German master text.

``msg("system.not_understood", "…")`` marks a text for extraction (``babel.cfg`` declares
``msg:1c,2``), so the Python texts and the flow texts (extracted by
``conversations.babel_extractor``) land in the same catalog.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


@dataclass(frozen=True, slots=True)
class Text:
    """A translatable text: ``context`` tells where it is used, ``master`` is the German text."""

    context: str
    master: str
    #: The same message written without the placeholders that may be empty at runtime (her
    #: name when she gave none): context ``<context>.neutral``.  See ``conversations.i18n``.
    neutral: Text | None = field(default=None, compare=False)

    @property
    def placeholders(self) -> frozenset[str]:
        """The ``{names}`` the text expects."""
        return placeholders_of(self.master)


def msg(context: str, master: str) -> Text:
    """Declare a translatable text (and mark it for ``pybabel extract``)."""
    return Text(context, master)


def with_neutral(text: Text, neutral: Text) -> Text:
    """``text`` with its neutral variant, shown when a placeholder missing from it is empty."""
    return replace(text, neutral=neutral)


@lru_cache(maxsize=4096)  # a few hundred texts in a dozen languages: read each once
def placeholders_of(text: str) -> frozenset[str]:
    """The ``{names}`` used in any text, translated or not."""
    return frozenset(PLACEHOLDER.findall(text))
