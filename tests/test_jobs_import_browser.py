"""The BA import page in a real browser (Debian's Chromium, 360 px wide, axe-core): an admin
turns the import on with a wrong radius first (said next to the field, nothing stored), then
right, fetches now from the stand-in and sees the imported offers waiting for review, then a
failed fetch and its reason."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.db.tables import job_import_settings, job_offers
from tests.auxil.ba_jobsearch import StandInOffer, ba_jobsearch
from tests.auxil.browser import LiveServer, assert_accessible, assert_fits_the_phone, login
from tests.auxil.processes import REPO_ROOT
from tests.auxil.staff import DEMO_EMAIL, DEMO_LOGIN_PASSWORD, organisation_id

if TYPE_CHECKING:
    from playwright.sync_api import Page


def test_an_admin_turns_the_import_on_and_fetches_on_a_phone(
    staff_page: Page, live_server: LiveServer
) -> None:
    from playwright.sync_api import expect

    runtime = live_server.runtime
    org = organisation_id(runtime)
    today = live_server.clock().date()
    with ba_jobsearch(today) as ba:
        runtime.settings = runtime.settings.model_copy(update={"ba_jobsearch_url": ba.url})
        ba.offers = [
            StandInOffer(
                "10000-1-S",
                "Küchenhilfe (m/w/d)",
                "Küchenhelfer/in",
                "Nienburg (Weser)",
                "31582",
                today - timedelta(days=1),
            ),
            StandInOffer(
                "10000-2-S",
                "Minijob Küche, vormittags",
                "Küchenhelfer/in",
                "Marklohe",
                "31608",
                today,
                arbeitszeit="mj",
            ),
        ]
        page = staff_page
        login(page, DEMO_EMAIL, DEMO_LOGIN_PASSWORD, live_server.url)
        page.goto(f"{live_server.url}/staff/jobs/import")
        expect(page.locator("h1")).to_have_text("Stellen der Arbeitsagentur")
        expect(page.get_by_text("Noch nichts abgerufen.")).to_be_visible()
        assert_fits_the_phone(page)
        assert_accessible(page)

        page.get_by_label("Jeden Morgen abrufen").check()
        page.get_by_label("Ort oder Postleitzahl").fill("Nienburg (Weser)")
        page.get_by_label("Umkreis in km").fill("500")
        page.get_by_label("Suchwörter (durch Kommas getrennt, leer: alle Stellen)").fill("Küche")
        with page.expect_navigation():
            page.get_by_role("button", name="Speichern").click()
        expect(page.get_by_role("alert")).to_have_text(
            "Bitte prüfen Sie die markierten Felder. Es wurde nichts gespeichert."
        )
        expect(page.get_by_text("Der Umkreis ist eine Zahl von 0 bis 200 km.")).to_be_visible()
        expect(page.get_by_label("Ort oder Postleitzahl")).to_have_value("Nienburg (Weser)")
        assert_accessible(page)
        with runtime.db.connect() as conn:
            assert conn.execute(select(job_import_settings)).first() is None

        page.get_by_label("Umkreis in km").fill("20")
        with page.expect_navigation():
            page.get_by_role("button", name="Speichern").click()
        expect(page.get_by_role("status")).to_have_text("Die Einstellungen sind gespeichert.")
        expect(page.locator(".counts")).to_contain_text("Täglicher Abruf: eingeschaltet")

        with page.expect_navigation():
            page.get_by_role("button", name="Jetzt abrufen").click()
        expect(page.get_by_role("status")).to_have_text(
            "Abgerufen. Neu: 2, geändert: 0. Neue Angebote warten auf Ihre Prüfung."
        )
        table = page.locator("#imported ~ table, section[aria-labelledby=imported] table")
        expect(table).to_contain_text("Minijob Küche, vormittags")
        expect(table).to_contain_text("Minijob")
        expect(table).to_contain_text("wartet auf Prüfung")
        expect(table).to_contain_text("Marklohe")
        expect(table).to_contain_text("28.12.2026")  # four weeks after it was published
        assert_fits_the_phone(page)
        assert_accessible(page)
        shots = REPO_ROOT / "var"
        shots.mkdir(exist_ok=True)
        page.screenshot(path=str(shots / "staff-jobs-import.png"), full_page=True)

        ba.fail_next = [503, 503, 503]
        with page.expect_navigation():
            page.get_by_role("button", name="Jetzt abrufen").click()
        expect(page.get_by_role("status")).to_have_text(
            "Der Abruf hat nicht geklappt. Der Grund steht unten bei der Organisation."
        )
        expect(page.get_by_text("Beim letzten Abruf ging etwas schief")).to_contain_text(
            "Die Jobsuche der Arbeitsagentur hat einen Fehler gemeldet (503)."
        )
        assert_accessible(page)
    with runtime.db.connect() as conn:
        rows = conn.execute(select(job_offers.c.status, job_offers.c.source)).all()
        settings = conn.execute(
            select(job_import_settings).where(job_import_settings.c.organisation_id == org)
        ).one()
    assert sorted(rows) == [("review", "ba"), ("review", "ba")]
    assert (settings.place, settings.radius_km, settings.keywords) == (
        "Nienburg (Weser)",
        20,
        "Küche",
    )
