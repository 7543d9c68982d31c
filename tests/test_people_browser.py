"""The people pages in a real browser (Debian's Chromium, 360 px wide, axe-core): search as
you type, the profile and its actions (enrol, download, delete with confirmation), the
dashboard's panels, and another organisation's person as a 404."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from typing import TYPE_CHECKING

from tests.auxil.browser import LiveServer, assert_accessible, login
from tests.auxil.people import (
    DEMO,
    add_course,
    add_person,
    answer,
    enrol,
    organisation_id,
    second_organisation,
)
from tests.auxil.staff import DEMO_EMAIL, DEMO_LOGIN_PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Page


def fits_the_phone(page: Page) -> None:
    """Nothing wider than the 360 px screen (no sideways scrolling)."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} is {width} px wide"


def people_of(server: LiveServer) -> dict[str, int]:
    runtime, now = server.runtime, server.clock()
    demo = organisation_id(runtime, DEMO)
    other = second_organisation(runtime, now)
    found = {
        "amina": add_person(
            runtime,
            demo,
            "Amina",
            now,
            town="Nienburg (Weser)",
            language="ar",
            channels=[("whatsapp", "+4917611111111", "ok")],
            interests=["course", "jobs"],
            attend_help=["childcare"],
        ),
        "zahra": add_person(
            runtime,
            demo,
            "زهرا",
            now,
            language="fa",
            channels=[("telegram", "445566", "unreachable")],
        ),
        "amira": add_person(
            runtime, other, "Amira", now, channels=[("whatsapp", "+4917622222222", "ok")]
        ),
    }
    course, (thursday,) = add_course(
        runtime, demo, "a2-hoya", "Deutsch A2 Hoya", [now + timedelta(days=3)]
    )
    enrol(runtime, course, found["amina"], now)
    answer(runtime, thursday, found["amina"], "not_coming", "childcare", now)
    return found


def test_search_the_directory_as_you_type_on_a_phone(
    staff_page: Page, live_server: LiveServer
) -> None:
    from playwright.sync_api import expect

    ids = people_of(live_server)
    login(staff_page, DEMO_EMAIL, DEMO_LOGIN_PASSWORD, live_server.url)
    staff_page.goto(f"{live_server.url}/staff/people")
    expect(staff_page.locator("h1")).to_have_text("Personen")
    expect(staff_page.locator("#results")).to_contain_text("Amina")
    expect(staff_page.locator("#results")).not_to_contain_text("Amira")
    assert_accessible(staff_page)
    fits_the_phone(staff_page)

    staff_page.get_by_label("Name oder Nummer").fill("amna")
    expect(staff_page.locator("#results")).to_contain_text("1 Person gefunden")
    expect(staff_page.locator("#results")).not_to_contain_text("Mentorin")
    assert "q=amna" in staff_page.url  # the search is in the address: back and reload work
    staff_page.get_by_label("Name oder Nummer").fill("")
    staff_page.get_by_label("Status").select_option("unreachable")
    expect(staff_page.locator("#results")).to_contain_text("زهرا")
    expect(staff_page.locator("#results")).not_to_contain_text("Amina")
    assert_accessible(staff_page)

    # Another organisation's person, by guessing the address: the same 404 as nobody.
    response = staff_page.goto(f"{live_server.url}/staff/people/{ids['amira']}")
    assert response is not None and response.status == 404
    assert_accessible(staff_page)


def test_the_profile_its_actions_and_the_dashboard(
    staff_page: Page, live_server: LiveServer
) -> None:
    from playwright.sync_api import expect

    ids = people_of(live_server)
    login(staff_page, DEMO_EMAIL, DEMO_LOGIN_PASSWORD, live_server.url)
    panel = staff_page.locator("section", has_text="Kann nicht kommen")
    expect(panel).to_contain_text("1 Absage für kommende Termine")
    expect(panel).to_contain_text("Kinderbetreuung")
    assert_accessible(staff_page)
    fits_the_phone(staff_page)

    panel.get_by_role("link", name="Amina").click()
    expect(staff_page.locator("h1")).to_contain_text("Amina")
    expect(staff_page.locator("main")).to_contain_text("Kurs, Arbeit")
    expect(staff_page.locator("main")).to_contain_text("kommt nicht: Kinderbetreuung")
    assert_accessible(staff_page)
    fits_the_phone(staff_page)

    staff_page.get_by_label("In einen Kurs anmelden").select_option(
        label="Deutsch A2 mit Kinderbetreuung"
    )
    staff_page.get_by_role("button", name="Im Kurs anmelden").click()
    expect(staff_page.locator("[role=status]")).to_contain_text("Sie ist jetzt im Kurs angemeldet")

    with staff_page.expect_download() as download_info:
        staff_page.get_by_role("button", name="Daten herunterladen (ZIP)").click()
    download = download_info.value
    assert download.suggested_filename == f"person-{ids['amina']}-2026-11-30.zip"
    with zipfile.ZipFile(io.BytesIO(download.path().read_bytes())) as archive:
        assert sorted(archive.namelist()) == ["my-data.json", "my-data.txt"]

    staff_page.get_by_role("link", name="Ihre Daten auf ihren Wunsch löschen …").click()
    expect(staff_page.locator("h1")).to_have_text("Alle Daten von Amina löschen?")
    assert_accessible(staff_page)
    fits_the_phone(staff_page)
    staff_page.get_by_label("Amina hat selbst darum gebeten").check()
    staff_page.get_by_role("button", name="Endgültig löschen").click()
    expect(staff_page.locator("[role=status]")).to_have_text("Alle Daten von Amina sind gelöscht.")
    assert_accessible(staff_page)
    response = staff_page.goto(f"{live_server.url}/staff/people/{ids['amina']}")
    assert response is not None and response.status == 404
