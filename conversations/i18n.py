"""Gettext catalogs (read with Babel) and locale-aware formatting.

The catalogs are the ``.po`` files in ``locales/<lang>/LC_MESSAGES/twc.po``.  They are read
directly at start-up (a few hundred messages, a few milliseconds), so a translator's edit is live
after a restart without a compile step and a stale ``.mo`` can never disagree with its ``.po``.
``pybabel compile`` is still run by ``make catalogs`` as a syntax check.

Empty placeholders.  No text may show an empty slot ("Willkommen zurück, !").
:meth:`Catalogs.render` is the one place every text is filled in (the flow engine, the course
and group services call it), and it applies two rules:

1. A text whose placeholder may be empty at runtime in a place where nothing would read
   naturally (her name in a greeting: "Willkommen zurück, {name}!") carries a *neutral
   variant*: a separate catalog message, context ``<context>.neutral``, written without that
   placeholder ("Willkommen zurück!") and translated like every other text.  It is shown when
   a placeholder the variant leaves out is empty.  Python texts attach it with
   :func:`~conversations.texts.with_neutral`; flow nodes with a ``neutral:`` text.
2. Any other empty value is shown as the catalog's "not given" mark (``system.not_given``,
   "—"), the mark the bot already uses for data it does not have ("Ort: —").

Why not one neutral *word* per placeholder (name → "liebe Teilnehmerin", as broadcasts do for
coordinators' free texts)?  It reads well in some texts and badly in others ("Name: liebe
Teilnehmerin" in her data, "Schön, Sie kennenzulernen, liebe Teilnehmerin!"), and the
punctuation around the slot (German ", ", Arabic and Persian "،") differs per language and per
sentence; only a translator who sees the whole sentence can write it well.  Rule 1 gives her
that sentence; rule 2 is the safety net for values that are filled by construction (dates,
limits, labels) or are data fields in a "label: value" line.  ``tests/test_placeholders.py``
renders every text in every language with each placeholder empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from conversations.languages import LOCALES_DIR, Language, LanguageTable
from conversations.system_texts import NOT_GIVEN
from conversations.texts import Text

DOMAIN = "twc"


@dataclass(slots=True)
class Catalogs:
    """All translations, keyed by catalog code, then by ``(context, master text)``."""

    languages: LanguageTable
    messages: dict[str, dict[tuple[str, str], str]] = field(default_factory=dict)

    @classmethod
    def load(cls, languages: LanguageTable, locales_dir: Path = LOCALES_DIR) -> Catalogs:
        """Read every catalog named in the language table (missing files count as empty)."""
        catalogs = cls(languages)
        for code in languages.catalog_codes:
            path = locales_dir / code / "LC_MESSAGES" / f"{DOMAIN}.po"
            entries: dict[tuple[str, str], str] = {}
            if path.exists():
                with path.open("rb") as handle:
                    catalog = read_po(handle, locale=None)
                for message in catalog:
                    if message.id and isinstance(message.id, str) and message.string:
                        if message.fuzzy:
                            continue
                        entries[(message.context or "", message.id)] = str(message.string)
            catalogs.messages[code] = entries
        return catalogs

    def translate(self, language: Language | None, text: Text) -> str:
        """The text in ``language``; the master text where the language has none."""
        if language is None or language.catalog == self.languages.master:
            return text.master
        return self.messages.get(language.catalog, {}).get(
            (text.context, text.master), text.master
        )

    def has(self, catalog_code: str, text: Text) -> bool:
        """Whether a catalog holds a translation of ``text``."""
        return (text.context, text.master) in self.messages.get(catalog_code, {})

    def render(self, language: Language | None, text: Text, **values: object) -> str:
        """Translate and fill in the ``{placeholders}``; never leaves an empty slot.

        The neutral variant when a placeholder it leaves out is empty; any other empty or
        missing value as "—" (see the module docstring).
        """
        chosen = neutral_or(text, values)
        return self.fill(language, self.translate(language, chosen), values)

    def fill(
        self, language: Language | None, translated: str, values: Mapping[str, object]
    ) -> str:
        """Fill an already translated text (an empty or missing value shows as "—")."""
        if "{" not in translated:
            return translated
        return translated.format_map(_Values(values, self, language))


def is_empty(value: object) -> bool:
    """A placeholder value that would leave an empty slot: absent, ``None`` or blank."""
    return value is None or (isinstance(value, str) and not value.strip())


def neutral_or(text: Text, values: Mapping[str, object]) -> Text:
    """``text``, or its neutral variant when a placeholder the variant leaves out is empty."""
    neutral = text.neutral
    if neutral is not None and any(
        is_empty(values.get(name)) for name in text.placeholders - neutral.placeholders
    ):
        return neutral
    return text


class _Values:
    """Placeholder values for ``str.format_map``; an empty or missing one renders as the "not
    given" mark, translated only when it is needed.

    Flow validation already rejects unknown placeholders at start-up, so this only matters
    for a value that is legitimately absent (a session with no place, a link not yet known).
    """

    __slots__ = ("catalogs", "language", "values")

    def __init__(
        self, values: Mapping[str, object], catalogs: Catalogs, language: Language | None
    ) -> None:
        self.values = values
        self.catalogs = catalogs
        self.language = language

    def __getitem__(self, key: str) -> object:
        value = self.values.get(key)
        if is_empty(value):
            return self.catalogs.translate(self.language, NOT_GIVEN)
        return value


def local_time(moment: datetime, timezone: str) -> datetime:
    """``moment`` (aware UTC) in the organisation's time zone."""
    return moment.astimezone(ZoneInfo(timezone))


def format_moment(moment: datetime, language: Language, timezone: str) -> str:
    """Weekday, date and time the way people in this language write them."""
    local = local_time(moment, timezone)
    locale = language.babel_locale
    day = format_date(local, "full", locale=locale)
    return f"{day}, {format_time(local, 'short', locale=locale)}"


#: Digits of the numbering systems our locales use by default (CLDR): Persian (and Dari)
#: write dates and times with Eastern Arabic digits; Babel formats them with Latin ones.
_DIGITS = {"arabext": "۰۱۲۳۴۵۶۷۸۹", "arab": "٠١٢٣٤٥٦٧٨٩"}


def native_digits(text: str, language: Language) -> str:
    """``text`` with Latin digits written as her locale writes them by default."""
    digits = _DIGITS.get(language.babel_locale.default_numbering_system or "latn")
    return text.translate(str.maketrans("0123456789", digits)) if digits else text


def format_day(moment: datetime, language: Language, timezone: str) -> str:
    """The date alone, long form."""
    day = format_date(local_time(moment, timezone), "full", locale=language.babel_locale)
    return native_digits(day, language)


def format_clock(moment: datetime, language: Language, timezone: str) -> str:
    """The time of day alone."""
    clock = format_time(local_time(moment, timezone), "short", locale=language.babel_locale)
    return native_digits(clock, language)


def format_stamp(moment: datetime, language: Language, timezone: str) -> str:
    """A compact date and time, for lists."""
    stamp = format_datetime(
        local_time(moment, timezone),
        "medium",
        tzinfo=ZoneInfo(timezone),
        locale=language.babel_locale,
    )
    return native_digits(stamp, language)


def format_number(number: float, language: Language) -> str:
    """A number with the locale's digits and separators."""
    number_text = format_decimal(number, locale=language.babel_locale, numbering_system="default")
    return native_digits(number_text, language)
