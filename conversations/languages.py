"""The supported languages, read from ``locales/languages.yaml``.

Keeping them in a data file makes a new language a catalog plus one line, not code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml
from babel import Locale

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"


@dataclass(frozen=True, slots=True)
class Language:
    """One language the bot speaks."""

    code: str
    name: str
    locale: str
    catalog: str
    rtl: bool
    menu: bool

    @property
    def babel_locale(self) -> Locale:
        """The Babel locale used to format dates, times and numbers."""
        return Locale.parse(self.locale)


@dataclass(frozen=True)
class LanguageTable:
    """All languages, the master language, and lookups by code with aliases resolved."""

    master: str
    languages: tuple[Language, ...]
    _lookups: dict[str, Language | None] = field(default_factory=dict, compare=False, repr=False)

    def get(self, code: str | None) -> Language | None:
        """The language for a stored code or a platform hint such as ``uk-UA`` or ``prs``.

        Called several times per message, so answers are remembered per code.
        """
        if not code:
            return None
        if code in self._lookups:
            return self._lookups[code]
        by_code = {lang.code: lang for lang in self.languages}
        normalised = code.strip().replace("_", "-").lower()
        found = by_code.get(normalised) or by_code.get(normalised.split("-")[0])
        if len(self._lookups) < 1000:  # platform hints are few; never grow without bound
            self._lookups[code] = found
        return found

    @property
    def menu(self) -> tuple[Language, ...]:
        """Languages offered on the language menu, in configured order."""
        return tuple(lang for lang in self.languages if lang.menu)

    @property
    def catalog_codes(self) -> tuple[str, ...]:
        """Every catalog that must exist and be complete (the master needs none)."""
        seen: dict[str, None] = {}
        for lang in self.languages:
            if lang.catalog != self.master:
                seen.setdefault(lang.catalog)
        return tuple(seen)


def load_languages(path: Path | None = None) -> LanguageTable:
    """Read and check the language table."""
    path = path or LOCALES_DIR / "languages.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    languages = []
    for entry in raw["languages"]:
        lang = Language(
            code=entry["code"],
            name=entry["name"],
            locale=entry["locale"],
            catalog=entry.get("catalog", entry["code"]),
            rtl=bool(entry.get("rtl", False)),
            menu=bool(entry.get("menu", True)),
        )
        lang.babel_locale  # noqa: B018 - fails early on a locale Babel does not know
        languages.append(lang)
    return LanguageTable(master=raw["master"], languages=tuple(languages))


@cache
def default_languages() -> LanguageTable:
    """The project's language table, read once."""
    return load_languages()
