"""An offer as a short card in her language, and as one line for the team.

A card is what the weekly digest shows, one offer at a time: what, where (and how far from
her), hours and kind, the German needed, whether the hours suit childcare, when it starts,
the employer when it may be shown, then the short description.  Titles and descriptions
are stored per language: hers, else the organisation's default language (required), else
any.  Numbers are written in her digits.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from babel.dates import format_date

from bot.features.jobs import card_texts as t
from bot.features.jobs import chat_texts
from bot.features.jobs.chat_profile import MOST_HOURS
from conversations.i18n import Catalogs, native_digits
from conversations.languages import Language
from conversations.texts import Text


def in_language(texts: Mapping[str, Any] | None, language: str, default: str) -> str:
    """A per-language text: hers, else the organisation's default, else any ("" if none)."""
    texts = texts or {}
    for code in (language, default):
        value = str(texts.get(code) or "").strip()
        if value:
            return value
    return next((str(v).strip() for v in texts.values() if str(v or "").strip()), "")


class Words:
    """Texts of the job cards in one language, placeholders filled, numbers in her digits."""

    def __init__(self, catalogs: Catalogs, language: Language) -> None:
        self.catalogs = catalogs
        self.language = language

    def say(self, text: Text, **values: object) -> str:
        """``text`` in this language with ``values`` filled."""
        filled = {
            k: native_digits(str(v), self.language) if isinstance(v, int) else v
            for k, v in values.items()
        }
        return self.catalogs.fill(
            self.language, self.catalogs.translate(self.language, text), filled
        )

    def day(self, when: date) -> str:
        """A date the way her language writes it ("1. Februar 2027")."""
        return native_digits(
            format_date(when, "long", locale=self.language.babel_locale), self.language
        )


def card(
    words: Words,
    offer: Any,
    default_language: str,
    position: int,
    count: int,
    distance_km: float | None,
) -> str:
    """One offer's card (``offer``: a ``job_offers`` row) for the digest."""
    code = words.language.code
    lines = []
    if position == 1:
        lines.append(words.say(t.HEADING))
    lines.append(words.say(t.POSITION, position=position, count=count))
    lines.append(in_language(offer.title, code, default_language))
    if distance_km is None or distance_km < 0.5:
        lines.append(words.say(t.PLACE_HERE, town=offer.town))
    else:
        lines.append(words.say(t.PLACE_NEAR, town=offer.town, km=max(1, round(distance_km))))
    kind = words.say(t.KIND_NAMES.get(offer.kind, t.KIND_NAMES["part_time"]))
    if offer.hours_per_week:
        lines.append(words.say(t.HOURS, kind=kind, hours=int(offer.hours_per_week)))
    else:
        lines.append(words.say(t.KIND_ONLY, kind=kind))
    level = t.NEEDED.get(offer.german_level, t.NEEDED["none"])
    lines.append(words.say(t.GERMAN, level=words.say(level)))
    if offer.childcare_friendly:
        note = in_language(offer.hours_note, code, default_language)
        lines.append(words.say(t.CHILDCARE, note=note) if note else words.say(t.CHILDCARE_PLAIN))
    if offer.starts_on is not None:
        lines.append(words.say(t.STARTS, day=words.day(offer.starts_on)))
    if offer.employer_shown and (offer.employer or "").strip():
        lines.append(words.say(t.EMPLOYER, employer=offer.employer.strip()))
    description = in_language(offer.description, code, default_language)
    if description:
        lines.append("")
        lines.append(description)
    return "\n".join(lines)


def line(words: Words, offer: Any, default_language: str) -> str:
    """The offer in one line (a WhatsApp template variable allows no line breaks)."""
    title = in_language(offer.title, words.language.code, default_language)
    return words.say(t.LINE, title=" ".join(title.split()), town=offer.town)


def staff_line(staff: Words, offer: Any, answers: Mapping[str, Any]) -> str:
    """What the team's inbox shows when she is interested: the offer and her answers, in the
    organisation's language (``staff``)."""
    code = staff.language.code
    hours = int(answers.get("hours") or MOST_HOURS)
    travel = int(answers.get("travel_km") or 0)
    german = chat_texts.GERMAN.get(str(answers.get("german")), chat_texts.GERMAN["none"])
    return staff.say(
        t.STAFF_INTEREST,
        offer=str(offer.id),
        title=in_language(offer.title, code, code),
        town=offer.town,
        german=staff.say(german),
        hours=staff.say(chat_texts.HOURS_MORE)
        if hours > 30
        else staff.say(chat_texts.HOURS_UP_TO, hours=hours),
        travel=staff.say(chat_texts.TRAVEL_KM, km=travel)
        if travel
        else staff.say(chat_texts.TRAVEL_TOWN),
    )


__all__ = ["Words", "card", "in_language", "line", "staff_line"]
