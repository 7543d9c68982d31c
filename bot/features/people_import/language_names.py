"""Language names as people write them in a list, mapped to the bot's language codes.

A coordinator writes "Arabisch", a colleague in Italy "arabo", one in Greece "Αραβικά", and a
woman who filled in the paper form herself "العربية".  Each of these, in German, English,
Italian, Portuguese and Greek and in the language's own name, is one of the bot's codes
(``locales/languages.yaml``); a code itself ("ar", "uk-UA") works too.

Dari is stored as Persian (``fa``): the bot's Dari texts are the Persian catalog (its
``prs`` entry is not on the language menu), and the coordinator is told so in the preview
(:data:`NOTES`).  A language the bot does not offer (Kurdish, Tigrinya, Somali …) is not
guessed: the row says so.
"""

from __future__ import annotations

from bot.features.people_import.reading import normalise
from bot.staff.texts import N_

_NAMES: dict[str, str] = {
    "de": "deutsch|german|tedesco|alemão|alemao|γερμανικά|γερμανικα",
    "en": "englisch|english|inglese|inglês|ingles|αγγλικά",
    "ar": "arabisch|arabic|arabo|árabe|arabe|αραβικά|العربية|عربي|عربى",
    "uk": "ukrainisch|ukrainian|ucraino|ucraniano|ουκρανικά|українська|українська мова",
    "ru": "russisch|russian|russo|russo|ρωσικά|русский|русский язык",
    "fa": "persisch|farsi|persian|persiano|persa|περσικά|φαρσί|فارسی|فارسى|پارسی"
    "|dari|darī|دری|afghanisch|persisch dari|persisch/dari|farsi/dari|dari/farsi",
    "tr": "türkisch|turkish|turco|τουρκικά|türkçe",
    "it": "italienisch|italian|italiano|ιταλικά",
    "pt": "portugiesisch|portuguese|portoghese|português|portugues|πορτογαλικά",
    "el": "griechisch|greek|greco|grego|ελληνικά|ελληνικα",
}

#: Normalised name → language code.
LANGUAGE_NAMES: dict[str, str] = {
    normalise(name): code for code, names in _NAMES.items() for name in names.split("|")
}
#: Names that are taken as another language, and what the coordinator is told.
DARI = frozenset(normalise(n) for n in ("dari", "darī", "دری", "afghanisch"))
DARI_NOTE = N_(
    "„%(given)s“ wird als Persisch gespeichert: der Bot schreibt ihr auf Persisch (Farsi), "
    "das Dari-Sprechende gut lesen."
)


def language_code(text: str, known: frozenset[str]) -> tuple[str | None, str | None]:
    """The code for ``text`` (a name or a code) among ``known`` codes, and a note to show
    (the German msgid), if any; ``(None, None)`` when the bot does not offer it."""
    key = normalise(text)
    if not key:
        return None, None
    code = LANGUAGE_NAMES.get(key)
    if code is None:
        cleaned = text.strip().replace("_", "-").lower()
        if cleaned in known:
            code = cleaned
        elif cleaned.split("-")[0] in known:
            code = cleaned.split("-")[0]
    if code == "prs" or key in DARI:
        return ("fa" if "fa" in known else None), DARI_NOTE
    if code is None or code not in known:
        return None, None
    return code, None


__all__ = ["DARI_NOTE", "LANGUAGE_NAMES", "language_code"]
