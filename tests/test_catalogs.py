"""Every supported language is complete, keeps every placeholder, and fits the platforms."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from conversations.commands import COMMANDS
from conversations.languages import LOCALES_DIR, default_languages
from conversations.texts import placeholders_of
from tests.auxil.texts import all_texts

LANGUAGES = default_languages()
CATALOGS = LANGUAGES.catalog_codes
BUTTON_LIMIT = 20  # WhatsApp quick-reply titles; Telegram is more generous


def load(code: str) -> dict[tuple[str, str], str]:
    path = LOCALES_DIR / code / "LC_MESSAGES" / "twc.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    return {
        (m.context or "", m.id): m.string for m in catalog if m.id and not m.fuzzy and m.string
    }


@pytest.mark.parametrize("code", CATALOGS)
def test_catalog_translates_every_text(code: str) -> None:
    catalog = load(code)
    missing = [t.context for t in all_texts() if (t.context, t.master) not in catalog]
    assert not missing, f"{code}: no translation for {missing}"


@pytest.mark.parametrize("code", CATALOGS)
def test_translations_keep_exactly_the_placeholders(code: str) -> None:
    catalog = load(code)
    wrong = [
        (context, sorted(placeholders_of(master)), sorted(placeholders_of(translated)))
        for (context, master), translated in catalog.items()
        if placeholders_of(master) != placeholders_of(translated)
        or translated.count("{") != master.count("{")
    ]
    assert not wrong, f"{code}: placeholders differ: {wrong}"


@pytest.mark.parametrize("code", [LANGUAGES.master, *CATALOGS])
def test_button_labels_fit_a_whatsapp_quick_reply(code: str) -> None:
    catalog = load(code) if code != LANGUAGES.master else {}
    too_long = []
    for text in all_texts():
        if (
            text.context.count(".") == 2
            and not text.context.startswith("command.")
            and not text.context.endswith(".neutral")
        ):
            label = catalog.get((text.context, text.master), text.master)
            if len(label) > BUTTON_LIMIT:
                too_long.append((text.context, label))
    assert not too_long, f"{code}: button labels over {BUTTON_LIMIT} characters: {too_long}"


@pytest.mark.parametrize("code", CATALOGS)
def test_command_keywords_do_not_collide_across_commands(code: str) -> None:
    from conversations.matching import fold

    owner: dict[str, str] = {}
    catalog = load(code)
    for command in COMMANDS:
        words = catalog.get((command.keywords.context, command.keywords.master), "")
        for word in filter(None, (fold(w) for w in words.split(","))):
            assert owner.setdefault(word, command.id) == command.id, (
                f"{code}: {word!r} is a keyword of both {owner[word]} and {command.id}"
            )


def test_catalog_files_have_no_obsolete_or_fuzzy_entries() -> None:
    for code in CATALOGS:
        text = (LOCALES_DIR / code / "LC_MESSAGES" / "twc.po").read_text(encoding="utf-8")
        assert not re.search(r"^#~", text, re.M), f"{code}: obsolete entries left in the catalog"
        body = text.split("\n\n", 1)[1]
        assert "#, fuzzy" not in body, f"{code}: fuzzy entries must be reviewed"


def test_dari_reads_the_persian_catalog_with_afghan_formatting() -> None:
    dari = LANGUAGES.get("prs")
    assert dari is not None and dari.catalog == "fa" and dari.locale == "fa_AF" and dari.rtl
    assert dari not in LANGUAGES.menu
