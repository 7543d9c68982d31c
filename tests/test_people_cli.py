"""``twc people list`` and ``twc people show``: the people an import brought, found by their
filters, and a profile with its consents, course and masked channels."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot import cli_support
from bot.cli import app
from bot.features.people.cli import mask
from tests.auxil.constants import TEST_SECRET

CSV = """Vorname;Nachname;Sprache;Wohnort;Handy;Telegram;Einwilligungsdatum;Interessen;Kurs
Amina;Yusuf;Arabisch;Hoya;0176 55507001;;20.11.2026;Kurs, Arbeit;deutsch-a2-nienburg
Olena;K.;Ukrainisch;Uchte;;556677007;;Treffen;
"""


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("TWC_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.setenv("TWC_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("TWC_ENVIRONMENT", "test")
    monkeypatch.setenv("COLUMNS", "200")
    # Rich fixes a console's width when it is made (at import) if COLUMNS was set then, as
    # pytest-xdist does for its workers: widen the CLI's console itself too.
    monkeypatch.setattr(cli_support.console, "_width", 200)
    runner = CliRunner()
    assert runner.invoke(app, ["demo", "load"]).exit_code == 0
    path = tmp_path / "people.csv"
    path.write_text(CSV, encoding="utf-8")
    done = runner.invoke(app, ["people", "import", str(path)])
    assert done.exit_code == 0, done.output
    return runner


def row_of(output: str, name: str) -> str:
    (line,) = [line for line in output.splitlines() if name in line]
    return line


def test_list_shows_ids_names_languages_towns_channels_and_status(runner: CliRunner) -> None:
    listed = runner.invoke(app, ["people", "list"])
    assert listed.exit_code == 0, listed.output
    amina = row_of(listed.output, "Amina Yusuf")
    assert re.search(r"\d+ .*Amina Yusuf .*Arabic .*Hoya .*whatsapp \(reachable\) .*Active", amina)
    olena = row_of(listed.output, "Olena K.")
    assert "Ukrainian" in olena and "Uchte" in olena and "telegram" in olena
    assert "New (no consent yet)" in olena
    assert "+49176" not in listed.output and "556677007" not in listed.output

    for options, shown, hidden in (
        (["--town", "uchte"], "Olena", "Amina"),
        (["--language", "ar"], "Amina", "Olena"),
        (["--course", "deutsch-a2-nienburg"], "Amina", "Olena"),
        (["--status", "new"], "Olena", "Amina"),
        (["--organisation", "vnb-nienburg", "--name", "amna"], "Amina", "Olena"),
    ):
        found = runner.invoke(app, ["people", "list", *options])
        assert found.exit_code == 0, (options, found.output)
        assert shown in found.output and hidden not in found.output, options
    assert runner.invoke(app, ["people", "list", "--status", "gone"]).exit_code == 2
    assert runner.invoke(app, ["people", "list", "--organisation", "nowhere"]).exit_code == 2
    assert runner.invoke(app, ["people", "list", "--course", "nope"]).exit_code == 2


def test_show_her_profile_with_masked_channels(runner: CliRunner) -> None:
    listed = runner.invoke(app, ["people", "list", "--name", "Amina Yusuf"])
    person_id = row_of(listed.output, "Amina Yusuf").split()[1]
    if not person_id.isdigit():  # a table border first
        person_id = re.findall(r"\d+", row_of(listed.output, "Amina Yusuf"))[0]
    shown = runner.invoke(app, ["people", "show", person_id])
    assert shown.exit_code == 0, shown.output
    out = shown.output
    assert f"#{person_id} Amina Yusuf" in out
    assert "language: Arabic" in out and "town: Hoya" in out
    assert "interests: Course, Work" in out
    assert "whatsapp: +49…001 (reachable)" in out
    assert "+4917655507001" not in out
    assert "given 2026-11-20 (paper)" in out
    assert "deutsch-a2-nienburg" in out
    missing = runner.invoke(app, ["people", "show", "999999"])
    assert missing.exit_code == 2 and "no person 999999" in missing.output


def test_mask() -> None:
    assert mask("whatsapp:+4917612345678") == "+49…678"
    assert mask("556677007") == "…007"
    assert mask(None) == "—"


def test_import_reads_an_excel_file_too(runner: CliRunner, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Name", "Language", "Town", "Phone", "Consent date"])
    sheet.append(["Leyla Demir", "Turkish", "Hoya", "0176 55507011", "2026-11-20"])
    sheet.append(["Hevin", "Kurdish", "Hoya", "0176 55507012", ""])
    book.save(tmp_path / "people.xlsx")
    done = runner.invoke(app, ["people", "import", str(tmp_path / "people.xlsx")])
    assert done.exit_code == 1  # a row with a problem
    assert "line 3: unknown language 'Kurdish'" in done.output
    assert "Imported 1 new" in done.output
    assert "Leyla Demir" in runner.invoke(app, ["people", "list", "--language", "tr"]).output
