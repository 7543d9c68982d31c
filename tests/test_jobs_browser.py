"""The job-offer pages in a real browser (Debian's Chromium, 360 px wide, axe-core): the demo
admin opens "Arbeit" from the navigation, enters an offer (a wrong field first), finds Samira
interested on the offer's page, records the outcome, and closes the offer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import insert, select

from bot.db.tables import job_notices, job_offers, job_profiles
from tests.auxil.browser import (
    LiveServer,
    assert_accessible,
    assert_fits_the_phone,
    login,
    main_menu,
)
from tests.auxil.people import DEMO, add_person, organisation_id
from tests.auxil.processes import REPO_ROOT
from tests.auxil.staff import DEMO_EMAIL, DEMO_LOGIN_PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Page


def test_a_coordinator_enters_an_offer_and_records_an_outcome_on_a_phone(
    staff_page: Page, live_server: LiveServer
) -> None:
    from playwright.sync_api import expect

    runtime = live_server.runtime
    org = organisation_id(runtime, DEMO)
    page = staff_page
    login(page, DEMO_EMAIL, DEMO_LOGIN_PASSWORD, live_server.url)
    with page.expect_navigation():
        main_menu(page).get_by_role("link", name="Arbeit").click()
    expect(page.locator("h1")).to_have_text("Arbeit")
    assert_fits_the_phone(page)
    assert_accessible(page)

    with page.expect_navigation():
        page.get_by_role("link", name="Neues Angebot eintragen").click()
    page.get_by_label("Titel (Pflicht)").fill("Küchenhilfe in einer Kita")
    page.locator("#title_ar").fill("مساعدة في مطبخ روضة أطفال")
    page.get_by_label("Ort", exact=True).fill("Nienburg (Weser)")
    page.get_by_label("Stunden pro Woche").fill("70")
    page.get_by_label("Deutsch nötig").select_option("A2")
    page.get_by_label("Gilt bis").fill("2027-01-31")
    with page.expect_navigation():
        page.get_by_role("button", name="Speichern").click()
    expect(page.locator("#hours_per_week-error")).to_have_text(
        "Bitte eine Zahl von 1 bis 60 eingeben."
    )
    assert_fits_the_phone(page)
    assert_accessible(page)
    page.get_by_label("Stunden pro Woche").fill("20")
    with page.expect_navigation():
        page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("status").first).to_have_text("Das Angebot ist gespeichert und offen.")
    expect(page.locator("h1")).to_have_text("Küchenhilfe in einer Kita")

    with runtime.db.connect() as conn:
        offer = conn.execute(select(job_offers.c.id)).scalar_one()
    now = live_server.clock()
    samira = add_person(runtime, org, "Samira", now, town="Nienburg (Weser)")
    with runtime.db.begin() as conn:
        conn.execute(
            insert(job_profiles).values(
                person_id=samira,
                answers={"german": "A2", "hours": 20, "travel_km": 15},
                updated_at=now,
            )
        )
        conn.execute(
            insert(job_notices).values(
                organisation_id=org,
                person_id=samira,
                offer_id=offer,
                status="interested",
                sent_at=now,
            )
        )
    page.reload()
    her = page.locator("article", has_text="Samira")
    expect(her).to_contain_text("interessiert")
    expect(her).to_contain_text("bis 15 km")
    her.get_by_label("Ergebnis").select_option("invited")
    with page.expect_navigation():
        her.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("status").first).to_have_text("Das Ergebnis ist gespeichert.")
    assert_fits_the_phone(page)
    assert_accessible(page)
    docs = REPO_ROOT / "var"
    docs.mkdir(exist_ok=True)
    page.screenshot(path=str(docs / "staff-jobs.png"), full_page=True)

    with page.expect_navigation():
        page.get_by_role("button", name="Angebot schließen").click()
    expect(page.get_by_role("status").first).to_contain_text("Das Angebot ist geschlossen.")
    with runtime.db.connect() as conn:
        assert conn.execute(select(job_notices.c.outcome)).scalar_one() == "invited"
        assert conn.execute(select(job_offers.c.status)).scalar_one() == "closed"
