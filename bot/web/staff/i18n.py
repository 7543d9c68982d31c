"""The staff UI's texts: gettext domain ``staff``, German master texts as msgids.

Catalogs are ``locales/<lang>/LC_MESSAGES/staff.po`` for en, it, pt and el.  Like the bot's
catalogs (:mod:`conversations.i18n`) they are read from the ``.po`` files at start-up (no
``.mo`` to go stale): each is compiled in memory with Babel and handed to :mod:`gettext`,
which brings plural forms for free.  Fuzzy entries are left out (the German text shows).

The language is the staff member's ``language`` column once she is logged in; before that
(the login page) the browser's ``Accept-Language``.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.staff.accounts import LANGUAGES
from bot.staff.texts import N_
from conversations.languages import LOCALES_DIR, default_languages

DOMAIN = "staff"
MASTER = "de"

#: How each language names itself (the language menu shows these, never translated).
LANGUAGE_NAMES = {
    "de": "Deutsch",
    "en": "English",
    "it": "Italiano",
    "pt": "Português",
    "el": "Ελληνικά",
}


def read_catalog(path: Path) -> gettext.NullTranslations:
    """A ``.po`` file compiled in memory (fuzzy entries left out); empty when missing."""
    if not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


@dataclass
class StaffCatalogs:
    """Every staff catalog, by language code (German: the msgids themselves)."""

    translations: dict[str, gettext.NullTranslations] = field(default_factory=dict)

    @classmethod
    def load(cls, locales_dir: Path = LOCALES_DIR) -> StaffCatalogs:
        catalogs = cls()
        for code in LANGUAGES:
            if code == MASTER:
                catalogs.translations[code] = gettext.NullTranslations()
            else:
                path = locales_dir / code / "LC_MESSAGES" / f"{DOMAIN}.po"
                catalogs.translations[code] = read_catalog(path)
        return catalogs

    def get(self, language: str | None) -> gettext.NullTranslations:
        """The translations for ``language`` (German for anything unknown)."""
        return self.translations.get(language or MASTER) or self.translations[MASTER]

    def gettext(self, language: str | None) -> Callable[[str], str]:
        return self.get(language).gettext

    def ngettext(self, language: str | None) -> Callable[[str, str, int], str]:
        return self.get(language).ngettext


def negotiate(accept_language: str | None) -> str:
    """The best staff language for a browser's ``Accept-Language`` header (German if none)."""
    if not accept_language:
        return MASTER
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        weighted.append((-quality, index, tag.strip()))
    for quality, _index, tag in sorted(weighted):
        if quality >= 0 or not tag:
            continue
        try:
            language = Locale.parse(tag.replace("-", "_")).language
        except (ValueError, UnknownLocaleError):
            continue
        if language in LANGUAGES:
            return language
    return MASTER


def language_name(code: str | None, staff_language: str) -> str:
    """One of the bot's language codes as a staff member reads it: "ar" → "Arabisch",
    "prs" → "Dari" (CLDR has no "prs": Babel names it by the language's locale in
    ``locales/languages.yaml``, ``fa_AF``), "—" for none.  Every staff page names languages
    with this, so one language has one name everywhere."""
    if not code:
        return "—"
    try:
        names = Locale.parse(staff_language).languages
    except (ValueError, UnknownLocaleError):
        names = Locale.parse(MASTER).languages
    known = default_languages().get(code)
    for key in (code, code.replace("-", "_"), known.locale if known else None):
        if key and key in names:
            return str(names[key])
    return known.name if known is not None else code


__all__ = [
    "DOMAIN",
    "LANGUAGE_NAMES",
    "MASTER",
    "N_",
    "StaffCatalogs",
    "language_name",
    "negotiate",
    "read_catalog",
]
