"""The WhatsApp templates page in a real browser (Debian's Chromium, 360 px wide, axe-core): a
coordinator opens it from the navigation, sees which messages lack a template in which
language and for how many people, asks Twilio for the status and sees it in plain words.

Twilio's Content API is our stand-in (``tests/auxil/wa_templates.py``), read through the real
twilio client: it can answer "rejected" with a reason, which Prism's static example cannot.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select, update

from bot.db.tables import audit, organisations
from bot.web.app import create_app
from tests.auxil.browser import (
    LiveServer,
    assert_accessible,
    assert_fits_the_phone,
    login,
    main_menu,
    serve_in_thread,
)
from tests.auxil.clock import FrozenClock
from tests.auxil.people import DEMO, add_person, organisation_id
from tests.auxil.processes import REPO_ROOT
from tests.auxil.runtimes import make_runtime
from tests.auxil.staff import DEMO_EMAIL, DEMO_LOGIN_PASSWORD
from tests.auxil.wa_templates import EXAMPLE_TEMPLATES, ApprovalStandIn

if TYPE_CHECKING:
    from playwright.sync_api import Page

SCREENSHOTS = REPO_ROOT / "var"
REMINDER_DE = "HX0000000000000000000000000000de01"
REMINDER_AR = "HX0000000000000000000000000000a001"


def screenshot(page: Page) -> None:
    """A phone-width picture to look at, in the repository's ignored var/."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "staff-templates.png"), full_page=True)


@pytest.fixture
def server(sqlite_url: str, clock: FrozenClock) -> Iterator[LiveServer]:
    """The app with Twilio credentials pointing at the stand-in, and a few women on WhatsApp."""
    answers = {
        REMINDER_DE: {"status": "approved", "name": "twc_course_reminder", "category": "UTILITY"},
        REMINDER_AR: {
            "status": "rejected",
            "name": "twc_course_reminder_ar",
            "category": "UTILITY",
            "rejection_reason": "Variable at the end of the text.",
        },
    }
    runtime = make_runtime(sqlite_url, clock)
    now = clock()
    demo = organisation_id(runtime, DEMO)
    with runtime.db.begin() as conn:
        conn.execute(
            update(organisations)
            .where(organisations.c.id == demo)
            .values(languages=["de", "ar", "fa"])
        )
    for index in range(2):
        add_person(
            runtime,
            demo,
            f"Amina {index}",
            now,
            language="ar",
            channels=[("whatsapp", f"+49176111{index}", "ok")],
        )
    add_person(
        runtime, demo, "Sara", now, language="fa", channels=[("whatsapp", "+4917622", "ok")]
    )
    try:
        with ApprovalStandIn(answers) as stand_in:
            runtime.settings = runtime.settings.model_copy(
                update={
                    "twilio_account_sid": "AC" + "a" * 32,
                    "twilio_auth_token": "test-token",
                    "twilio_api_url": stand_in.url,
                    "twilio_templates": EXAMPLE_TEMPLATES,
                }
            )
            with serve_in_thread(create_app(runtime, background=False)) as url:
                yield LiveServer(url, runtime, clock)
    finally:
        runtime.close()


def test_a_coordinator_sees_the_gaps_and_refreshes_the_status_on_a_phone(
    staff_page: Page, server: LiveServer
) -> None:
    from playwright.sync_api import expect

    page = staff_page
    login(page, DEMO_EMAIL, DEMO_LOGIN_PASSWORD, server.url)
    with page.expect_navigation():
        main_menu(page).get_by_role("link", name="WhatsApp-Vorlagen").click()
    expect(page.locator("h1")).to_have_text("WhatsApp-Vorlagen")
    gaps = page.locator(".template-gaps li")
    expect(gaps.filter(has_text="Kurs-Erinnerung auf Persisch")).to_contain_text(
        "1 Person betroffen. Sie bekommen stattdessen die Vorlage auf Deutsch."
    )
    expect(gaps.filter(has_text="Geplante Nachricht des Bots auf Arabisch")).to_contain_text(
        "2 Personen betroffen. Es gibt keine Ersatz-Vorlage"
    )
    arabic = page.locator("tr[data-kind=course_reminder][data-language=ar]")
    expect(arabic).to_contain_text(REMINDER_AR)
    expect(arabic).to_contain_text("Noch nicht geprüft")
    assert_fits_the_phone(page)
    assert_accessible(page)

    with page.expect_navigation():
        page.get_by_role("button", name="Status jetzt bei Twilio abfragen").click()
    expect(page.get_by_role("status").first).to_have_text(
        "Der Status ist aktuell: Twilio wurde eben gefragt."
    )
    expect(arabic).to_contain_text("Abgelehnt")
    expect(arabic).to_contain_text("Grund: Variable at the end of the text.")
    screenshot(page)
    german = page.locator("tr[data-kind=course_reminder][data-language=de]")
    expect(german).to_contain_text("Freigegeben")
    expect(german).to_contain_text("twc_course_reminder")
    assert_fits_the_phone(page)
    assert_accessible(page)
    with server.runtime.db.connect() as conn:
        entries = conn.execute(
            select(audit.c.action, audit.c.organisation_id).where(
                audit.c.action == "whatsapp_templates.refresh"
            )
        ).all()
    assert [tuple(e) for e in entries] == [
        ("whatsapp_templates.refresh", organisation_id(server.runtime, DEMO))
    ]
