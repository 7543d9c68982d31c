"""The audit page in a real browser (Debian's Chromium, 360 px wide, axe-core): an admin opens
the log from the navigation, narrows it by what and by day (the list reloads in place), and
pages back; a coordinator's navigation has no such link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.demo import COORDINATOR_EMAIL
from bot.staff.audit import record
from tests.auxil.browser import (
    LiveServer,
    assert_accessible,
    assert_fits_the_phone,
    login,
    main_menu,
)
from tests.auxil.people import DEMO, organisation_id
from tests.auxil.staff import DEMO_LOGIN_PASSWORD, PASSWORD, accounts, add_staff

if TYPE_CHECKING:
    from playwright.sync_api import Page


def known_log(server: LiveServer) -> None:
    """Sixty notes on 25 November, a session moved on 28 November, a person deleted on
    29 November (Berlin time)."""
    runtime = server.runtime
    demo = organisation_id(runtime, DEMO)
    admin = accounts(runtime).id_of(COORDINATOR_EMAIL)
    start = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    with runtime.db.begin() as conn:
        for minute in range(60):
            record(
                conn,
                start + timedelta(minutes=minute),
                f"staff:{admin}",
                "inbox.note",
                {"thread": minute + 1},
                organisation_id=demo,
            )
        record(
            conn,
            datetime(2026, 11, 28, 15, 0, tzinfo=UTC),
            "cli:root",
            "session.move",
            {"session": 1, "from": "2026-12-01 10:00", "to": "2026-12-02 10:00"},
            organisation_id=demo,
        )
        record(
            conn,
            datetime(2026, 11, 29, 10, 0, tzinfo=UTC),
            f"staff:{admin}",
            "person.erase",
            {"erasure": "3f9a0c1d2e4b5a6c", "reason": "request"},
            organisation_id=demo,
        )


def test_an_admin_filters_the_log_on_a_phone(staff_page: Page, live_server: LiveServer) -> None:
    from playwright.sync_api import expect

    known_log(live_server)
    page = staff_page
    login(page, COORDINATOR_EMAIL, DEMO_LOGIN_PASSWORD, live_server.url)
    main_menu(page).get_by_role("link", name="Protokoll").click()
    expect(page.locator("h1")).to_have_text("Protokoll")
    entries = page.locator("ol.audit-log > li")
    expect(page.get_by_role("status")).to_contain_text("62 Einträge")
    expect(entries).to_have_count(50)
    expect(entries.first).to_contain_text("Person gelöscht")
    expect(entries.first).to_contain_text("auf ihre Bitte, durch das Team")
    assert_fits_the_phone(page)
    assert_accessible(page)

    # What: only moved sessions; the list reloads in place and the address keeps the filter.
    page.get_by_label("Was").select_option(label="Termin verschoben")
    expect(page.get_by_role("status")).to_contain_text("1 Eintrag")
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text("Kommandozeile (root)")
    expect(entries.first).to_contain_text("28.11.26, 16:00")
    assert "action=session.move" in page.url

    # When: 29 November in Berlin, whatever the action.
    page.get_by_label("Was").select_option(label="alle Aktionen")
    page.get_by_label("Von").fill("2026-11-29")
    page.get_by_label("Bis").fill("2026-11-29")
    page.get_by_role("button", name="Filtern").click()
    expect(page.get_by_role("status")).to_contain_text("1 Eintrag")
    expect(entries.first).to_contain_text("Person gelöscht")
    expect(
        page.get_by_role("link", name="Diese Einträge als CSV-Datei herunterladen")
    ).to_have_attribute("href", "/staff/audit/export?since=2026-11-29&until=2026-11-29")

    # Paging through the whole log.
    page.get_by_label("Von").fill("")
    page.get_by_label("Bis").fill("")
    page.get_by_role("button", name="Filtern").click()
    expect(entries).to_have_count(50)
    page.get_by_role("link", name="Ältere").click()
    expect(entries).to_have_count(12)
    expect(page.get_by_role("status")).to_contain_text("Seite 2 von 2")
    expect(entries.last).to_contain_text("Notiz geschrieben")
    assert_fits_the_phone(page)
    assert_accessible(page)


def test_a_coordinator_has_no_audit_link(staff_page: Page, live_server: LiveServer) -> None:
    from playwright.sync_api import expect

    add_staff(live_server.runtime, "ko@example.org")
    login(staff_page, "ko@example.org", PASSWORD, live_server.url)
    menu = main_menu(staff_page)
    expect(menu.get_by_role("link", name="Personen")).to_be_visible()
    expect(menu.get_by_role("link", name="Protokoll")).to_have_count(0)
    response = staff_page.goto(f"{live_server.url}/staff/audit")
    assert response is not None and response.status == 403
    assert_accessible(staff_page)
