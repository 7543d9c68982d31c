"""No text the bot shows ever has an empty slot where a placeholder went.

Every catalog message (system, flow and feature texts) is rendered in every supported language
once per placeholder, with that placeholder empty and the others filled, through
:meth:`Catalogs.render` — the one function every text goes through (the flow engine's
``Turn.render`` and the features' services call it).

What counts as an empty slot: a *new* defect of the kinds below that the same text does not have
when every placeholder is filled.  Comparing with the filled rendering keeps the check honest
for texts that legitimately end with a colon ("Hier ist die aktuelle Frage:") or start a line
with an emoji.  The defects:

* punctuation right after a comma, colon or Arabic comma: ``, !``, ``، !``, ``: .``, ``,,``;
* a space before punctuation: ``zurück ,``, ``am ?``, ``بعودتك ،``;
* two spaces in a row, or a space at the start or end of a line (``Name: `` then nothing);
* a line made only of punctuation and spaces, a line starting with punctuation, an empty line;
* empty brackets or quotation marks: ``()``, ``„“``, ``‘’``, ``«»``.

An empty value the text has no neutral variant for is shown as the "not given" mark ("—"),
which is right for a data value ("Name: —") and wrong where a name or a link is part of a
sentence: for ``{name}`` and ``{bot}`` the mark may only stand after a colon.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

import pytest

from conversations.i18n import Catalogs
from conversations.languages import default_languages
from conversations.system_texts import NOT_GIVEN
from tests.auxil.texts import all_texts

LANGUAGES = default_languages()
CATALOGS = Catalogs.load(LANGUAGES)
#: The master language and every catalog (Dari reads the Persian one).
RENDERED_IN = [LANGUAGES.get(code) for code in (LANGUAGES.master, *LANGUAGES.catalog_codes)]

_PUNCT = r"[,.!?:;،؛؟…]"
DEFECTS = {
    "punctuation after a comma or colon": re.compile(r"[,،:;؛][^\S\n]*" + _PUNCT),
    "space before punctuation": re.compile(r"[^\S\n]" + _PUNCT),
    "two spaces": re.compile(r"[^\S\n]{2,}"),
    "space at a line's start or end": re.compile(r"^[^\S\n]|[^\S\n]$", re.M),
    "a line starting with punctuation": re.compile(r"^[^\S\n]*" + _PUNCT, re.M),
    "empty brackets or quotes": re.compile(r"[(\[„“‘«‹\"'][^\S\n]*[)\]“”’»›\"']"),
    "an empty line": re.compile(r"^[^\S\n]*$", re.M),
}


#: Placeholders that are part of a sentence: never "—" there, the neutral variant instead.
IN_A_SENTENCE = {"name", "bot"}


def marks_in_a_sentence(text: str, mark: str) -> int:
    """How often the "not given" mark stands anywhere but after a colon."""
    return text.count(mark) - len(re.findall(r":[^\S\n]*" + re.escape(mark), text))


def defects(text: str) -> Counter[str]:
    found: Counter[str] = Counter(
        {name: len(pattern.findall(text)) for name, pattern in DEFECTS.items()}
    )
    found["a line of punctuation only"] = sum(
        1
        for line in text.splitlines()
        if line.strip() and all(unicodedata.category(c)[0] in "PZ" or c.isspace() for c in line)
    )
    return +found


def cases() -> list[tuple[str, str, str]]:
    """(context, language code, placeholder) for every text with a placeholder."""
    return [
        (text.context, language.code, name)
        for text in all_texts()
        for language in RENDERED_IN
        if language is not None
        for name in sorted(text.placeholders)
    ]


TEXTS = {text.context: text for text in all_texts()}


@pytest.mark.parametrize(("context", "code", "empty"), cases())
def test_an_empty_placeholder_leaves_no_empty_slot(context: str, code: str, empty: str) -> None:
    text = TEXTS[context]
    language = LANGUAGES.get(code)
    filled = {name: "Amina" for name in text.placeholders}
    full = CATALOGS.render(language, text, **filled)
    rendered = CATALOGS.render(language, text, **{**filled, empty: ""})
    new = defects(rendered) - defects(full)
    if empty in IN_A_SENTENCE:
        mark = CATALOGS.translate(language, NOT_GIVEN)
        if marks_in_a_sentence(rendered, mark) > marks_in_a_sentence(full, mark):
            new["the not-given mark in a sentence"] += 1
    assert not new, f"{context} in {code} with an empty {{{empty}}}: {dict(new)}\n{rendered}"


def test_every_text_with_a_placeholder_is_checked() -> None:
    assert len(cases()) > 100
