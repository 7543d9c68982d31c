"""The mentoring page in a real browser (Debian's Chromium, 360 px wide, axe-core): the demo
admin opens it from the navigation, sees a waiting woman with ranked suggestions and why,
proposes the best one, and finds the proposal under "open proposals"."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.db.tables import mentor_matches
from tests.auxil.browser import (
    LiveServer,
    assert_accessible,
    assert_fits_the_phone,
    login,
    main_menu,
)
from tests.auxil.mentoring_staff import add_mentor, add_request, without_demo_mentors
from tests.auxil.people import DEMO, organisation_id
from tests.auxil.processes import REPO_ROOT
from tests.auxil.staff import DEMO_EMAIL, DEMO_LOGIN_PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Page


def test_a_coordinator_proposes_the_best_mentor_on_a_phone(
    staff_page: Page, live_server: LiveServer
) -> None:
    from playwright.sync_api import expect

    runtime = live_server.runtime
    without_demo_mentors(runtime.db)
    org = organisation_id(runtime, DEMO)
    now = live_server.clock()
    nadia = add_mentor(
        runtime.db, org, "Nadia", now, town="Marklohe", topics=("paperwork", "school")
    )
    add_mentor(runtime.db, org, "Greta", now, town="Uchte", languages=("de",), capacity=2)
    add_request(runtime.db, org, "Samira", now - timedelta(days=12), topics=("paperwork",))

    page = staff_page
    login(page, DEMO_EMAIL, DEMO_LOGIN_PASSWORD, live_server.url)
    with page.expect_navigation():
        main_menu(page).get_by_role("link", name="Mentoring").click()
    expect(page.locator("h1")).to_have_text("Mentoring")
    waiting = page.locator("article", has_text="Samira")
    expect(waiting).to_contain_text("Arabisch")
    expect(waiting.locator("ol.suggestions > li").first).to_contain_text("Nadia")
    expect(waiting.locator("ol.suggestions > li").first).to_contain_text(
        "spricht die gewünschte Sprache"
    )
    assert_fits_the_phone(page)
    assert_accessible(page)
    shots = REPO_ROOT / "var"
    shots.mkdir(exist_ok=True)
    page.screenshot(path=str(shots / "staff-mentoring.png"), full_page=True)

    with page.expect_navigation():
        page.get_by_role("button", name="Nadia vorschlagen").click()
    expect(page.get_by_role("status").first).to_have_text(
        "Vorgeschlagen. Die Mentorin wird jetzt zuerst gefragt."
    )
    expect(page.locator("#in-flight")).to_contain_text("Vorschläge offen (1)")
    expect(page.locator("table").first).to_contain_text("Mentorin wird gefragt")
    assert_fits_the_phone(page)
    assert_accessible(page)
    with runtime.db.connect() as conn:
        assert conn.execute(select(mentor_matches.c.mentor_id)).scalars().all() == [nadia]


def test_adding_a_mentor_on_a_phone(staff_page: Page, live_server: LiveServer) -> None:
    from playwright.sync_api import expect

    page = staff_page
    login(page, DEMO_EMAIL, DEMO_LOGIN_PASSWORD, live_server.url)
    page.goto(f"{live_server.url}/staff/mentoring")
    with page.expect_navigation():
        page.get_by_role("link", name="Mentorin eintragen (Papierformular)").click()
    page.get_by_label("Vorname").fill("Fatma")
    page.get_by_label("WhatsApp-Nummer").fill("0176 12345678")
    page.get_by_role("checkbox", name="Schule und Kita").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Mentorin eintragen").click()
    # The paper consent was not ticked: said next to the field, nothing stored.
    expect(page.get_by_role("alert")).to_contain_text("Bitte prüfen Sie die markierten Felder")
    expect(page.locator("#purposes-error")).to_be_visible()
    assert_fits_the_phone(page)
    assert_accessible(page)
    page.get_by_role("checkbox", name="Sie hat das Papierformular unterschrieben").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Mentorin eintragen").click()
    expect(page.get_by_role("status").first).to_contain_text("Die Mentorin ist eingetragen")
    expect(page.locator("#mentors").locator("..")).to_contain_text("Fatma")
    with page.expect_navigation():
        page.get_by_role("button", name="Neuer Einladungs-Code").click()
    expect(page.locator("section[aria-labelledby=invites] code")).to_have_count(1)
    assert_fits_the_phone(page)
    assert_accessible(page)
