"""The staff UI's catalogs (gettext domain ``staff``): complete in en, it, pt and el, the same
placeholders as the German master, and in step with the texts in the code and templates."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.staff.accounts import LANGUAGES
from bot.web.staff.i18n import MASTER, StaffCatalogs
from conversations.languages import LOCALES_DIR
from tests.auxil.processes import REPO_ROOT

TRANSLATED = [code for code in LANGUAGES if code != MASTER]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def master_ids(path: Path = LOCALES_DIR / "staff.pot") -> set[str]:
    with path.open("rb") as handle:
        return {m.id for m in read_po(handle) if m.id and isinstance(m.id, str)}


def catalog(code: str) -> dict[str, str]:
    path = LOCALES_DIR / code / "LC_MESSAGES" / "staff.po"
    with path.open("rb") as handle:
        return {
            m.id: str(m.string)
            for m in read_po(handle)
            if m.id and isinstance(m.id, str) and m.string and not m.fuzzy
        }


def test_the_languages_are_german_english_italian_portuguese_greek() -> None:
    assert set(LANGUAGES) == {"de", "en", "it", "pt", "el"}


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_staff_text_is_translated(code: str) -> None:
    missing = sorted(master_ids() - set(catalog(code)))
    assert not missing, f"{code}: no translation for {missing}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_translations_keep_the_placeholders(code: str) -> None:
    wrong = [
        (msgid, text)
        for msgid, text in catalog(code).items()
        if sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(text))
    ]
    assert not wrong, f"{code}: placeholders differ: {wrong}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_no_fuzzy_or_obsolete_entries(code: str) -> None:
    text = (LOCALES_DIR / code / "LC_MESSAGES" / "staff.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in text and "\n#~ " not in text


def test_the_template_is_in_step_with_the_code(tmp_path: Path) -> None:
    """Every ``_()``/``N_()`` in Python and every ``_()`` in a staff template is in
    ``locales/staff.pot`` (``make catalogs`` re-extracts), and nothing else is."""
    fresh = tmp_path / "staff.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            "extract",
            "-F",
            "locales/staff-babel.cfg",
            "-o",
            str(fresh),
            ".",
        ],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
    )
    assert master_ids(fresh) == master_ids()


def test_the_loaded_catalogs_translate() -> None:
    catalogs = StaffCatalogs.load()
    assert catalogs.get("en").gettext("Anmelden") == "Log in"
    assert catalogs.get("el").gettext("Abmelden") == "Αποσύνδεση"
    assert catalogs.get("de").gettext("Anmelden") == "Anmelden"
    assert catalogs.get("xx").gettext("Anmelden") == "Anmelden"


def test_no_text_to_translate_hides_inside_an_f_string() -> None:
    """Babel's extractor does not read inside f-strings: ``f"({_('…')})"`` would never reach
    the catalogs and stay German in every language (it happened in ``twc reports summary``)."""
    import ast

    hidden: list[str] = []
    for path in sorted((REPO_ROOT / "bot").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for fstring in (n for n in ast.walk(tree) if isinstance(n, ast.JoinedStr)):
            for call in (n for n in ast.walk(fstring) if isinstance(n, ast.Call)):
                name = call.func.id if isinstance(call.func, ast.Name) else ""
                literal = call.args and isinstance(call.args[0], ast.Constant)
                if name in {"_", "N_", "gettext", "ngettext"} and literal:
                    hidden.append(f"{path.relative_to(REPO_ROOT)}:{call.lineno}")
    assert hidden == [], f"texts inside f-strings are never extracted: {hidden}"
