"""The composer's form: read what a staff member typed into a :class:`Draft` and an audience,
cut to size, and the plain-words checks the preview shows while she types.

Nothing here touches the database; :mod:`.pages` hands the result to the same
:class:`~bot.features.broadcasts.service.BroadcastService` that ``twc broadcast`` uses, whose
checks are the final word.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from bot.features.broadcasts.compose import (
    MAX_TEXT,
    PLACEHOLDERS,
    SEGMENTS,
    BroadcastError,
    Draft,
    fill,
    placeholders_in,
)
from bot.features.broadcasts.service import TITLE_LENGTH
from bot.web.staff.i18n import N_

#: What a segment value may be at most (a course code, a town, a chat id).
MAX_VALUE = 200
#: How many values one segment may name (the form offers fewer).
MAX_VALUES = 200
#: Longest message each platform takes in one piece (shown as counters; a broadcast text is
#: limited to :data:`MAX_TEXT` so it also fits a WhatsApp template's variable).
PLATFORM_LIMITS = {"whatsapp": 1600, "telegram": 4096}
#: The example that fills ``{name}`` in the preview.
EXAMPLE_NAME = "Amina"
#: What the onboarding flow asks about (``profile.interests``), with staff labels.
INTERESTS = {
    "course": N_("Kurs"),
    "mentor": N_("Mentorin"),
    "jobs": N_("Arbeit"),
    "meet": N_("Frauen treffen"),
}

NO_DEFAULT_TEXT = N_("Bitte schreiben Sie den Text in der Standardsprache (%(language)s).")
TOO_LONG = N_("Der Text hat %(count)s Zeichen, erlaubt sind höchstens %(limit)s.")
UNKNOWN_PLACEHOLDER = N_(
    "Unbekannter Platzhalter %(name)s. Erlaubt sind {name} und {org}. "
    "So bliebe er als Klammer im Text stehen."
)
BROKEN_BRACES = N_(
    "Eine geschweifte Klammer ist nicht geschlossen. Für eine Klammer im Text bitte {{ oder }} "
    "schreiben."
)
NO_AUDIENCE = N_("Bitte wählen Sie, wer die Nachricht bekommt: alle oder eine Auswahl.")
TITLE_TOO_LONG = N_("Der Titel ist zu lang (höchstens %(limit)s Zeichen).")


@dataclass
class Composed:
    """What the composer's form says, and its problems (field → message id and values)."""

    title: str = ""
    texts: dict[str, str] = field(default_factory=dict)
    everyone: bool = False
    match: str = "any"
    segments: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)

    @property
    def audience(self) -> dict[str, Any]:
        """The audience as the service stores it (``all``, ``match``, segment lists)."""
        if self.everyone:
            return {"all": True}
        found: dict[str, Any] = {k: v for k, v in self.segments.items() if v}
        if found and self.match == "all":
            found["match"] = "all"
        return found

    def draft(self) -> Draft:
        return Draft(dict(self.texts), self.audience, self.title)


def read(form: FormData, languages: Sequence[str], default_language: str) -> Composed:
    """The composer's fields, each cut to size; problems are collected, not raised."""
    composed = Composed(title=str(form.get("title") or "").strip()[: TITLE_LENGTH + 1])
    if len(composed.title) > TITLE_LENGTH:
        composed.errors["title"] = (TITLE_TOO_LONG, {"limit": TITLE_LENGTH})
        composed.title = composed.title[:TITLE_LENGTH]
    for code in languages:
        raw = str(form.get(f"text_{code}") or "")
        text = raw.replace("\r\n", "\n").strip()
        if len(text) > MAX_TEXT:
            composed.errors[f"text_{code}"] = (TOO_LONG, {"count": len(text), "limit": MAX_TEXT})
            text = text[: MAX_TEXT * 2]  # kept (so nothing she typed is lost), never stored
        if text:
            composed.texts[code] = text
            problem = placeholder_problem(text)
            if problem is not None:
                composed.errors[f"text_{code}"] = problem
    composed.everyone = form.get("audience") == "everyone"
    composed.match = "all" if form.get("match") == "all" else "any"
    for segment in SEGMENTS:
        values = [str(v).strip()[:MAX_VALUE] for v in form.getlist(segment)[:MAX_VALUES]]
        composed.segments[segment] = sorted({v for v in values if v})
    return composed


def complete(composed: Composed, default_language: str, language_label: str) -> None:
    """The checks that matter only when saving: the default text, an audience."""
    if default_language not in composed.texts and f"text_{default_language}" not in (
        composed.errors
    ):
        composed.errors[f"text_{default_language}"] = (
            NO_DEFAULT_TEXT,
            {"language": language_label},
        )
    if not composed.audience:
        composed.errors["audience"] = (NO_AUDIENCE, {})


def placeholder_problem(text: str) -> tuple[str, dict[str, Any]] | None:
    """Why a text's placeholders would not work (``None``: they do)."""
    try:
        names = placeholders_in(text)
    except BroadcastError:
        return (BROKEN_BRACES, {})
    unknown = [n for n in names if n not in PLACEHOLDERS]
    if unknown:
        return (UNKNOWN_PLACEHOLDER, {"name": "{" + unknown[0] + "}"})
    return None


def composed_from(row: Mapping[str, Any]) -> Composed:
    """A stored draft as the form shows it (editing)."""
    audience = row["audience"] or {}
    return Composed(
        title=row["title"] or "",
        texts=dict(row["texts"] or {}),
        everyone=bool(audience.get("all")),
        match=audience.get("match", "any"),
        segments={s: list(audience.get(s, [])) for s in SEGMENTS},
    )


_WHATSAPP_STYLES = (
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), "strong"),
    (re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])"), "em"),
    (re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])"), "s"),
)


def example(text: str, org_name: str) -> str | None:
    """The text with the example name and the organisation filled in (``None``: its
    placeholders are broken, the preview shows the problem instead)."""
    if placeholder_problem(text) is not None:
        return None
    return fill(text, {"name": EXAMPLE_NAME, "org": org_name})


def whatsapp_html(text: str) -> str:
    """Escaped text with WhatsApp's *bold*, _italic_ and ~strike~ shown as WhatsApp shows
    them (the only markup that is not escaped is the three tags put here)."""
    shown = html.escape(text)
    for pattern, tag in _WHATSAPP_STYLES:
        shown = pattern.sub(rf"<{tag}>\1</{tag}>", shown)
    return shown


__all__ = [
    "EXAMPLE_NAME",
    "INTERESTS",
    "PLATFORM_LIMITS",
    "Composed",
    "complete",
    "composed_from",
    "example",
    "placeholder_problem",
    "read",
    "whatsapp_html",
]
