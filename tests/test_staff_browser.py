"""The staff app in a real browser (Debian's Chromium, 360 px wide): log in, the dashboard,
log out; accessibility of every shell page (axe-core)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.auxil.browser import LiveServer, assert_accessible, login
from tests.auxil.staff import DEMO_EMAIL, DEMO_LOGIN_PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Page


def test_log_in_see_the_dashboard_and_log_out(staff_page: Page, live_server: LiveServer) -> None:
    from playwright.sync_api import expect

    staff_page.goto(f"{live_server.url}/staff/")
    assert "/staff/login" in staff_page.url
    assert_accessible(staff_page)
    login(staff_page, DEMO_EMAIL, DEMO_LOGIN_PASSWORD)
    expect(staff_page.locator("h1")).to_have_text("Übersicht")
    expect(staff_page.locator("main")).to_contain_text("Guten Tag, Koordination Nienburg.")
    assert_accessible(staff_page)
    staff_page.click("text=Abmelden")
    expect(staff_page.locator("h1")).to_have_text("Anmelden")
    staff_page.goto(f"{live_server.url}/staff/")
    expect(staff_page.locator("h1")).to_have_text("Anmelden")
