"""The staff app in a real browser (Debian's Chromium, 360 px wide, no script or style the
Content-Security-Policy refuses): log in, the dashboard, log out; the lock-out message; a form
without its CSRF token; the second factor; axe-core on every shell page."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyotp

from tests.auxil.browser import (
    LiveServer,
    assert_accessible,
    assert_fits_the_phone,
    login,
    main_menu,
)
from tests.auxil.processes import REPO_ROOT
from tests.auxil.staff import DEMO_EMAIL, DEMO_LOGIN_PASSWORD, PASSWORD, add_staff

if TYPE_CHECKING:
    from playwright.sync_api import Page

SCREENSHOTS = REPO_ROOT / "var"


def screenshot(page: Page, name: str) -> None:
    """A phone-width picture to look at, in the repository's ignored var/."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"staff-{name}.png"), full_page=True)


def test_log_in_see_the_dashboard_and_log_out(staff_page: Page, live_server: LiveServer) -> None:
    from playwright.sync_api import expect

    staff_page.goto(f"{live_server.url}/staff/")
    assert "/staff/login" in staff_page.url
    expect(staff_page.locator("h1")).to_have_text("Anmelden")
    assert_accessible(staff_page)
    assert_fits_the_phone(staff_page)
    screenshot(staff_page, "login")
    login(staff_page, DEMO_EMAIL, DEMO_LOGIN_PASSWORD)
    expect(staff_page.locator("h1")).to_have_text("Übersicht")
    expect(staff_page.locator("main")).to_contain_text("Guten Tag, Koordination Nienburg.")
    expect(staff_page.locator("main [role=status]")).to_contain_text("nichts zu tun")
    assert_accessible(staff_page)
    assert_fits_the_phone(staff_page)
    screenshot(staff_page, "dashboard")
    main_menu(staff_page).get_by_role("button", name="Abmelden", exact=True).click()
    expect(staff_page.locator("h1")).to_have_text("Anmelden")
    staff_page.goto(f"{live_server.url}/staff/")
    expect(staff_page.locator("h1")).to_have_text("Anmelden")


def test_wrong_passwords_lock_the_login_with_a_clear_message(
    staff_page: Page, live_server: LiveServer
) -> None:
    from playwright.sync_api import expect

    staff_page.goto(f"{live_server.url}/staff/login")
    for _ in range(4):
        login(staff_page, DEMO_EMAIL, "falsch-falsch")
        expect(staff_page.locator("[role=alert]")).to_have_text(
            "E-Mail-Adresse oder Passwort stimmt nicht."
        )
    login(staff_page, DEMO_EMAIL, "falsch-falsch")
    expect(staff_page.locator("[role=alert]")).to_contain_text(
        "Zu viele fehlgeschlagene Anmeldungen"
    )
    # Even the right password waits for the lock to end.
    login(staff_page, DEMO_EMAIL, DEMO_LOGIN_PASSWORD)
    expect(staff_page.locator("[role=alert]")).to_contain_text("bis 10:15 Uhr gesperrt")
    assert_accessible(staff_page)
    assert_fits_the_phone(staff_page)
    live_server.clock.advance(minutes=16)
    login(staff_page, DEMO_EMAIL, DEMO_LOGIN_PASSWORD)
    expect(staff_page.locator("h1")).to_have_text("Übersicht")


def test_a_form_without_its_csrf_token_is_refused(
    staff_page: Page, live_server: LiveServer
) -> None:
    from playwright.sync_api import expect

    login(staff_page, DEMO_EMAIL, DEMO_LOGIN_PASSWORD, live_server.url)
    staff_page.evaluate(
        "() => document.querySelectorAll('input[name=csrf_token]').forEach(i => i.remove())"
    )
    with staff_page.expect_response(lambda r: r.url.endswith("/staff/logout")) as answer:
        main_menu(staff_page).get_by_role("button", name="Abmelden", exact=True).click()
    assert answer.value.status == 403
    expect(staff_page.locator("[role=alert]")).to_contain_text("aus Sicherheitsgründen abgelehnt")
    # Still logged in: the refused request changed nothing.
    staff_page.goto(f"{live_server.url}/staff/")
    expect(staff_page.locator("h1")).to_have_text("Übersicht")


def test_set_up_the_second_factor_and_log_in_with_it(
    staff_page: Page, live_server: LiveServer
) -> None:
    from playwright.sync_api import expect

    add_staff(live_server.runtime, "anna@example.org", language="en", name="Anna")
    login(staff_page, "anna@example.org", PASSWORD, live_server.url)
    main_menu(staff_page).get_by_role("link", name="My account").click()
    expect(staff_page.locator("h1")).to_have_text("My account")
    assert_accessible(staff_page)
    assert_fits_the_phone(staff_page)
    staff_page.click("text=Set up two-factor login")
    expect(staff_page.locator("figure svg")).to_be_visible()
    assert_accessible(staff_page)
    assert_fits_the_phone(staff_page)
    screenshot(staff_page, "second-factor")
    secret = staff_page.inner_text("#totp-secret").replace(" ", "")
    staff_page.fill("#code", pyotp.TOTP(secret).at(live_server.clock.now))
    staff_page.get_by_role("button", name="Switch on", exact=True).click()
    expect(staff_page.locator("[role=status]")).to_have_text("Two-factor login is switched on.")
    main_menu(staff_page).get_by_role("button", name="Log out", exact=True).click()

    login(staff_page, "anna@example.org", PASSWORD)
    expect(staff_page.locator("h1")).to_have_text("Confirmation code")
    assert_accessible(staff_page)
    assert_fits_the_phone(staff_page)
    staff_page.fill("#code", "000000")
    staff_page.get_by_role("button", name="Confirm", exact=True).click()
    expect(staff_page.locator("[role=alert]")).to_contain_text("The code is not correct.")
    live_server.clock.advance(seconds=30)
    staff_page.fill("#code", pyotp.TOTP(secret).at(live_server.clock.now))
    staff_page.get_by_role("button", name="Confirm", exact=True).click()
    expect(staff_page.locator("h1")).to_have_text("Overview")


def test_admin_and_password_pages_are_accessible(
    staff_page: Page, live_server: LiveServer
) -> None:
    from playwright.sync_api import expect

    add_staff(live_server.runtime, "kollegin@example.org", name="Kollegin")
    login(staff_page, DEMO_EMAIL, DEMO_LOGIN_PASSWORD, live_server.url)
    main_menu(staff_page).get_by_role("link", name="Team").click()
    expect(staff_page.locator("h1")).to_have_text("Team")
    expect(staff_page.locator("main")).to_contain_text("kollegin@example.org")
    assert_accessible(staff_page)
    assert_fits_the_phone(staff_page)
    screenshot(staff_page, "team")
    staff_page.click("button[aria-label='Passwort zurücksetzen: Kollegin']")
    expect(staff_page.locator("#one-time-password")).to_be_visible()
    assert_accessible(staff_page)
    assert_fits_the_phone(staff_page)
    staff_page.goto(f"{live_server.url}/staff/account/password")
    expect(staff_page.locator("h1")).to_have_text("Passwort ändern")
    assert_accessible(staff_page)
    assert_fits_the_phone(staff_page)
