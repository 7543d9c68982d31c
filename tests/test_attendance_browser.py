"""The attendance pages in a real browser (Debian's Chromium, 360 px wide, axe-core): see who
comes to a session and mark two people present with a tap each; the barrier report with its
course and dates."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.auxil.attendance import known_data
from tests.auxil.browser import LiveServer, assert_accessible, assert_fits_the_phone, login
from tests.auxil.staff import DEMO_EMAIL, DEMO_LOGIN_PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Page


def test_see_a_sessions_attendance_and_mark_two_people_present(
    staff_page: Page, live_server: LiveServer
) -> None:
    from playwright.sync_api import expect

    data = known_data(live_server.runtime, live_server.clock())
    login(staff_page, DEMO_EMAIL, DEMO_LOGIN_PASSWORD, live_server.url)
    page = f"{live_server.url}/staff/attendance/sessions/{data.s['s7']}"
    staff_page.goto(page)
    expect(staff_page.locator("h1")).to_have_text("Anwesenheit: Deutsch A2 Hoya")
    counts = staff_page.locator("#counts")
    expect(counts).to_contain_text("1 kommen")
    expect(counts).to_contain_text("1 können nicht")
    expect(counts).to_contain_text("4 ohne Antwort")
    expect(counts).to_contain_text("0 da")
    not_coming = staff_page.locator("section", has_text="Können nicht kommen")
    expect(not_coming).to_contain_text("Zahra: Fahrt / Verkehr")
    assert_accessible(staff_page)
    assert_fits_the_phone(staff_page)

    for name in ("Amina", "Sara"):
        there = staff_page.get_by_role("group", name=f"Anwesenheit von {name}").get_by_role(
            "button", name="✓ Da", exact=True
        )
        expect(there).to_have_attribute("aria-pressed", "false")
        there.click()
        expect(there).to_have_attribute("aria-pressed", "true")
    expect(counts).to_contain_text("2 da")
    expect(counts).to_contain_text("4 noch nicht eingetragen")
    assert "#person-" not in staff_page.url  # htmx swapped the rows; no page load
    assert_accessible(staff_page)
    assert_fits_the_phone(staff_page)

    # A wrong tap is corrected with the other button; a reload shows what is stored.
    sara = staff_page.get_by_role("group", name="Anwesenheit von Sara")
    sara.get_by_role("button", name="✗ Nicht da").click()
    expect(sara.get_by_role("button", name="✗ Nicht da")).to_have_attribute("aria-pressed", "true")
    staff_page.reload()
    expect(counts).to_contain_text("1 da")
    expect(counts).to_contain_text("1 nicht da")
    amina = staff_page.get_by_role("group", name="Anwesenheit von Amina")
    expect(amina.get_by_role("button", name="✓ Da", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )


def test_the_barrier_report_for_a_course_and_period(
    staff_page: Page, live_server: LiveServer
) -> None:
    from playwright.sync_api import expect

    known_data(live_server.runtime, live_server.clock())
    login(staff_page, DEMO_EMAIL, DEMO_LOGIN_PASSWORD, live_server.url)
    staff_page.goto(f"{live_server.url}/staff/barriers")
    expect(staff_page.locator("h1")).to_have_text("Barrieren")
    absences = staff_page.locator("section", has_text="Abwesenheiten nach Grund")
    expect(absences.get_by_role("row", name="Kinderbetreuung")).to_contain_text("1")
    expect(staff_page.locator("main")).to_contain_text("Da waren 2 von 7")
    assert_accessible(staff_page)
    assert_fits_the_phone(staff_page)

    staff_page.get_by_label("Kurs").select_option(label="Deutsch B1 Nienburg")
    staff_page.get_by_label("Von").fill("2026-09-01")
    staff_page.get_by_label("Bis").fill("2026-11-30")
    staff_page.get_by_role("button", name="Zeigen").click()
    expect(staff_page.locator("main")).to_contain_text("1 Person ist angemeldet.")
    expect(staff_page.locator("main")).to_contain_text("1 Termin fand statt.")
    expect(staff_page.get_by_role("row", name="Grund nicht gesagt")).to_contain_text("1")
    assert "from=2026-09-01" in staff_page.url
    assert_accessible(staff_page)
    assert_fits_the_phone(staff_page)
