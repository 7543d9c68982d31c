"""Importing people in a real browser (Debian's Chromium, 360 px wide, axe-core): an Excel
file with German headers, made here with openpyxl, uploaded from the people page, previewed
with its problems, confirmed, and the new people seen in the directory."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from openpyxl import Workbook

from bot.features.people_import import pending
from tests.auxil.browser import LiveServer, assert_accessible, assert_fits_the_phone, login
from tests.auxil.processes import REPO_ROOT
from tests.auxil.staff import DEMO_EMAIL, DEMO_LOGIN_PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Page


def screenshot(page: Page, name: str) -> None:
    """A phone-width picture to look at, in the repository's ignored var/."""
    (REPO_ROOT / "var").mkdir(exist_ok=True)
    page.screenshot(path=str(REPO_ROOT / "var" / f"people-import-{name}.png"), full_page=True)


@pytest.fixture
def uploads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The pages' folder for uploads between preview and confirm (set before the server)."""
    folder = tmp_path / "uploads"
    monkeypatch.setattr(pending, "default_directory", lambda: folder)
    return folder


def excel_file(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Vorname", "Nachname", "Sprache", "Wohnort", "Handy", "Einwilligungsdatum"])
    sheet.append(["Amina", "Yusuf", "Arabisch", "Hoya", "0176 55508001", "20.11.2026"])
    sheet.append(["Darya", "Ahmadi", "Dari", "Nienburg (Weser)", "0151 55508002", ""])
    sheet.append(["Hevin", "Aziz", "Kurdisch", "Hoya", "0176 55508003", ""])
    sheet.append(["Sara", "Karimi", "Farsi", "Nienbrug", "0176 55508004", ""])
    book.save(path)
    return path


def test_import_an_excel_file_with_german_headers(
    uploads: Path, staff_page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    login(staff_page, DEMO_EMAIL, DEMO_LOGIN_PASSWORD, live_server.url)
    staff_page.goto(f"{live_server.url}/staff/people")
    staff_page.get_by_role("button", name="Personen importieren").click()
    expect(staff_page.locator("h1")).to_have_text("Personen importieren")
    assert_accessible(staff_page)
    assert_fits_the_phone(staff_page)
    screenshot(staff_page, "1-upload")

    staff_page.get_by_label("Datei").set_input_files(str(excel_file(tmp_path / "liste.xlsx")))
    staff_page.get_by_role("button", name="Vorschau zeigen").click()
    expect(staff_page.locator("h1")).to_have_text("Vorschau des Imports")
    problems = staff_page.locator("#import-problems")
    expect(problems).to_contain_text("Zeile 4 (Hevin Aziz): Die Sprache „Kurdisch“ bietet")
    expect(problems).to_contain_text("meinten Sie „Nienburg (Weser)“?")
    rows = staff_page.locator("#import-rows")
    expect(rows).to_contain_text("Amina Yusuf")
    expect(rows).to_contain_text("wird als Persisch gespeichert")
    assert_accessible(staff_page)
    assert_fits_the_phone(staff_page)
    assert len(list(uploads.iterdir())) == 1
    screenshot(staff_page, "2-preview")

    staff_page.get_by_role("button", name="2 Zeilen importieren").click()
    expect(staff_page.locator("h1")).to_have_text("Import fertig")
    expect(staff_page.get_by_role("status")).to_contain_text("2 Personen neu angelegt")
    expect(staff_page.get_by_role("status")).to_contain_text("2 Zeilen übersprungen")
    assert list(uploads.iterdir()) == []
    assert_accessible(staff_page)
    assert_fits_the_phone(staff_page)
    screenshot(staff_page, "3-done")

    staff_page.get_by_role("link", name="Zu den Personen").click()
    expect(staff_page.locator("#results")).to_contain_text("Amina Yusuf")
    expect(staff_page.locator("#results")).to_contain_text("Darya Ahmadi")
    expect(staff_page.locator("#results")).not_to_contain_text("Hevin")
    assert_fits_the_phone(staff_page)

    # The example file downloads.
    staff_page.goto(f"{live_server.url}/staff/people/import")
    with staff_page.expect_download() as download:
        staff_page.get_by_role("link", name="Excel (.xlsx)").click()
    assert download.value.suggested_filename == "personen-beispiel.xlsx"
    assert io.BytesIO(Path(download.value.path()).read_bytes()).read(2) == b"PK"
