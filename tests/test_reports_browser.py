"""The report in a real browser (Debian's Chromium, 360 px wide, axe-core): a coordinator opens
"Berichte" from the navigation, chooses October 2026, sees the chart and the table with the
rounded counts, and downloads the CSV."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tests.auxil.browser import (
    LiveServer,
    assert_accessible,
    assert_fits_the_phone,
    login,
    main_menu,
)
from tests.auxil.reports import load_october
from tests.auxil.staff import DEMO_EMAIL, DEMO_LOGIN_PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Page


def test_a_coordinator_reads_the_report_for_october_and_downloads_it(
    staff_page: Page, live_server: LiveServer
) -> None:
    from playwright.sync_api import expect

    load_october(live_server.runtime)
    page = staff_page
    login(page, DEMO_EMAIL, DEMO_LOGIN_PASSWORD, live_server.url)
    menu = main_menu(page)
    with page.expect_navigation():
        menu.get_by_role("link", name="Berichte").click()
    expect(page.locator("h1")).to_have_text("Berichte")

    page.fill("#report-from", "2026-10-01")
    page.fill("#report-to", "2026-10-31")
    with page.expect_navigation():
        page.get_by_role("button", name="Bericht zeigen").click()
    expect(page.locator("#report-heading")).to_contain_text("01.10.2026 – 31.10.2026")

    chart = page.get_by_role("img", name="Teilnehmerinnen nach Sprache")
    expect(chart).to_be_visible()
    expect(chart.locator("g.bar")).to_have_count(3)
    expect(chart.locator("g.bar").first).to_have_attribute("data-value", "6")
    table = page.locator("#table-languages")
    expect(table.get_by_role("row", name="Arabisch 6")).to_be_visible()
    expect(table.get_by_role("row", name="Persisch < 5")).to_be_visible()
    expect(page.locator("#table-requests")).to_contain_text("2 h 00 min")
    expect(page.get_by_role("link", name="Barrieren")).to_have_attribute("href", "/staff/barriers")
    assert_fits_the_phone(page)
    assert_accessible(page)

    with page.expect_download() as info:
        page.get_by_role("link", name="Als CSV herunterladen").click()
    download = info.value
    assert download.suggested_filename == "report-vnb-nienburg-2026-10-01-2026-10-31.csv"
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    assert "Teilnehmerinnen nach Sprache" in text
    assert "Persisch,< 5" in text


def test_a_coordinator_downloads_the_answers_to_a_flow(
    staff_page: Page, live_server: LiveServer
) -> None:
    from playwright.sync_api import expect
    from sqlalchemy import insert

    from bot.db.tables import flow_results
    from tests.auxil.reports import at

    ids = load_october(live_server.runtime)
    with live_server.runtime.db.begin() as conn:
        conn.execute(
            insert(flow_results),
            [
                {
                    "organisation_id": ids["org"],
                    "person_id": person,
                    "flow": "checkin",
                    "node": "feedback",
                    "answer": "great",
                    "answered_at": at("2026-10-07 08:00"),
                }
                for person in ids["arabic"]
            ],
        )
    page = staff_page
    login(page, DEMO_EMAIL, DEMO_LOGIN_PASSWORD, live_server.url)
    page.goto(f"{live_server.url}/staff/reports?preset=last_month")
    with page.expect_navigation():
        page.get_by_role("link", name="Antworten zu einem Ablauf (CSV)").click()
    expect(page.locator("h1")).to_have_text("Antworten zu einem Ablauf")
    page.get_by_label("Ablauf").select_option("checkin")
    page.fill("#report-from", "2026-10-01")
    page.fill("#report-to", "2026-10-31")
    with page.expect_navigation():
        page.get_by_role("button", name="Auswählen").click()
    assert_fits_the_phone(page)
    assert_accessible(page)
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV herunterladen (checkin)").click()
    lines = Path(info.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "pseudonym,flow,question,answer,answered_at"
    assert len(lines) == 7
    assert all(",checkin,feedback,great,2026-10-07 10:00" in line for line in lines[1:])
