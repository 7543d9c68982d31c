"""The organisation settings page in a real browser (Debian's Chromium, 360 px wide,
axe-core): an admin opens it from the navigation, sets opening hours with the time fields,
sees a wrong value explained next to its field, corrects it and saves."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.organisations.service import OrganisationService
from conversations.opening_hours import WeeklyHours
from tests.auxil.browser import (
    LiveServer,
    assert_accessible,
    assert_fits_the_phone,
    login,
    main_menu,
)
from tests.auxil.staff import DEMO_EMAIL, DEMO_LOGIN_PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Page


def test_an_admin_sets_the_opening_hours_on_a_phone(
    staff_page: Page, live_server: LiveServer
) -> None:
    from playwright.sync_api import expect

    page = staff_page
    login(page, DEMO_EMAIL, DEMO_LOGIN_PASSWORD, live_server.url)
    menu = main_menu(page)
    with page.expect_navigation():
        menu.get_by_role("link", name="Organisation").click()
    expect(page.locator("h1")).to_contain_text("Einstellungen")
    assert_fits_the_phone(page)
    assert_accessible(page)

    page.fill("#mon_1_from", "09:00")
    page.fill("#mon_1_to", "13:00")
    page.fill("#thu_1_from", "09:00")
    page.fill("#thu_1_to", "13:00")
    page.fill("#thu_2_from", "14:00")
    page.fill("#thu_2_to", "12:00")  # before "from": wrong
    page.fill("#retention_days", "3")
    page.get_by_label("العربية").check()
    page.get_by_label("Deutsch", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Bitte prüfen Sie die markierten Felder. Es wurde nichts gespeichert."
    )
    expect(page.locator("#hours_thu-error")).to_contain_text("„Bis“ muss nach „von“ liegen.")
    expect(page.locator("#retention_days")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#retention_days")).to_have_accessible_description(
        "Bitte geben Sie eine ganze Zahl von 7 bis 730 ein. "
        "7 bis 730 Tage. Voreingestellt sind 183 Tage (6 Monate)."
    )
    assert_fits_the_phone(page)
    assert_accessible(page)

    page.fill("#thu_2_to", "17:00")
    page.fill("#retention_days", "200")
    with page.expect_navigation():
        page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("status")).to_have_text(
        "Die Einstellungen sind gespeichert. Der Bot verwendet sie ab sofort."
    )
    expect(page.locator("main")).to_contain_text(
        "Gespeichert: Mo, Do 09:00–13:00 Uhr und Do 14:00–17:00 Uhr"
    )
    assert_accessible(page)
    stored = OrganisationService(live_server.runtime.db, live_server.clock).get("vnb-nienburg")
    assert stored.opening_hours == WeeklyHours.parse("mon,thu 09:00-13:00; thu 14:00-17:00")
    assert stored.retention_days == 200
    assert stored.languages == ("de", "ar")
