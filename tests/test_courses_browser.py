"""The course pages in a real browser (Debian's Chromium, 360 px wide, axe-core): a
coordinator creates a course with a session and sees it listed; she moves a session, sees
who will be told in which language and the message itself, and confirms."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tests.auxil.browser import (
    LiveServer,
    assert_accessible,
    assert_fits_the_phone,
    login,
    main_menu,
)
from tests.auxil.course_pages import a_class
from tests.auxil.courses import service_of
from tests.auxil.staff import DEMO_EMAIL, DEMO_LOGIN_PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Page


def checked(page: Page) -> None:
    assert_fits_the_phone(page)
    assert_accessible(page)


def test_create_a_course_with_a_session(staff_page: Page, live_server: LiveServer) -> None:
    from playwright.sync_api import expect

    page = staff_page
    login(page, DEMO_EMAIL, DEMO_LOGIN_PASSWORD, live_server.url)
    with page.expect_navigation():
        main_menu(page).get_by_role("link", name="Kurse").click()
    expect(page.locator("h1")).to_have_text("Kurse")
    checked(page)

    with page.expect_navigation():
        page.get_by_role("button", name="Neuen Kurs anlegen").click()
    checked(page)
    page.get_by_label("Deutsch (Pflicht)").fill("Nähen für Anfängerinnen")
    page.get_by_label("Українська").first.fill("Шиття для початківців")
    page.get_by_label("1 Stunde vorher").check()
    page.get_by_label("2 Stunden vorher").uncheck()
    with page.expect_navigation():
        page.get_by_role("button", name="Kurs anlegen").click()
    expect(page.get_by_role("status")).to_have_text("Der Kurs ist angelegt.")
    expect(page.locator("h1")).to_have_text("Nähen für Anfängerinnen")
    checked(page)

    with page.expect_navigation():
        page.get_by_role("button", name="Termin eintragen").click()
    checked(page)
    page.get_by_label("Datum").fill("2026-12-03")
    page.get_by_label("Beginn").fill("09:00")
    page.get_by_label("Ende").fill("11:30")
    page.get_by_label("Ort", exact=True).fill("Treff Hoya")
    page.get_by_label("Adresse").fill("Lange Str. 5")
    page.get_by_label("Weg dorthin").fill("Eingang im Hof, 1. Stock")
    page.get_by_label("Bus oder Bahn").fill("Bus 31")
    page.get_by_label("Haltestelle").fill("Hoya, Bahnhof")
    page.get_by_label("Mit Kinderbetreuung").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Termin eintragen").click()
    expect(page.get_by_role("status")).to_have_text("Der Termin ist eingetragen.")
    session = page.locator(".session-list li").first
    expect(session).to_contain_text("Donnerstag, 3. Dezember 2026, 09:00–11:30")
    expect(session).to_contain_text("Treff Hoya, Lange Str. 5")
    expect(session).to_contain_text("Bus 31, Haltestelle: Hoya, Bahnhof")
    expect(session).to_contain_text("mit Kinderbetreuung")
    expect(session.get_by_role("link", name="Anwesenheit")).to_have_attribute(
        "href", re.compile(r"^/staff/attendance/sessions/\d+$")
    )
    checked(page)

    with page.expect_navigation():
        page.get_by_role("link", name="Alle Kurse").click()
    item = page.locator(".course-list li", has_text="Nähen für Anfängerinnen")
    expect(item).to_contain_text("Nächster Termin: Donnerstag, 3. Dezember 2026, 09:00")
    course_id = int(item.get_by_role("link").get_attribute("href").rsplit("/", 1)[-1])
    [stored] = service_of(live_server.runtime, live_server.clock).list_sessions(course_id)
    assert (stored["start"], stored["transit_stop"], stored["childcare"]) == (
        "2026-12-03 09:00",
        "Hoya, Bahnhof",
        True,
    )


def test_move_a_session_after_seeing_who_is_told(
    staff_page: Page, live_server: LiveServer
) -> None:
    from playwright.sync_api import expect

    group = a_class(live_server.runtime, live_server.clock())
    session = group.service.add_session(
        group.course,
        "2026-12-03 09:00",
        "2026-12-03 12:00",
        "Treff Hoya",
        childcare=True,
        transit_line="Bus 31",
        transit_stop="Hoya, Bahnhof",
    )["id"]
    page = staff_page
    login(page, DEMO_EMAIL, DEMO_LOGIN_PASSWORD, live_server.url)
    page.goto(f"{live_server.url}/staff/courses/{group.course}")
    with page.expect_navigation():
        page.get_by_role("link", name="Verschieben").click()
    expect(page.locator("h1")).to_have_text("Termin verschieben")
    expect(page.get_by_label("Datum")).to_have_value("2026-12-03")
    checked(page)

    page.get_by_label("Datum").fill("2026-12-04")
    page.get_by_label("Beginn").fill("14:00")
    page.get_by_label("Ende").fill("17:00")
    with page.expect_navigation():
        page.get_by_role("button", name="Weiter: wer wird benachrichtigt?").click()
    main = page.locator("main")
    expect(main).to_contain_text("2 Personen bekommen eine Nachricht.")
    expect(page.locator("ul.told li")).to_have_text(
        ["العربية, WhatsApp (1): Amina", "Українська, Telegram (1): Olena"]
    )
    expect(main).to_contain_text("Nora: hat sich abgemeldet")
    ukrainian = page.locator("article", has_text="Українська")
    expect(ukrainian).to_contain_text("📅 Новий термін: Шиття")
    expect(ukrainian).to_contain_text("👶 Догляд за дітьми: так")
    expect(ukrainian).to_contain_text("🚏 Зупинка: Hoya, Bahnhof")
    expect(page.locator("article p[lang=ar]")).to_have_attribute("dir", "rtl")
    checked(page)

    with page.expect_navigation():
        page.get_by_role("button", name="Ja, verschieben").click()
    expect(page.get_by_role("status")).to_have_text(
        "Der Termin ist verschoben. 2 Personen werden benachrichtigt."
    )
    expect(page.locator(".session-list li").first).to_contain_text(
        "Freitag, 4. Dezember 2026, 14:00–17:00"
    )
    assert group.service.session(session)["start"] == "2026-12-04 14:00"
    checked(page)
