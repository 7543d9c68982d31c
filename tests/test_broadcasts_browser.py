"""A broadcast in a real browser (Debian's Chromium, 360 px wide, axe-core): a coordinator
opens "Nachrichten", writes a German and an Arabic text, chooses "Arabic speakers in Hoya",
watches the preview and the counts change as she types and ticks, sees that WhatsApp is not
set up here, sends, and watches the progress view reach "Gesendet" while the test runs the
runtime's real dispatcher (to the simulator) and the scheduler's broadcast job, as
``test_broadcasts.py`` does, on the frozen clock."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from bot.db.tables import broadcasts
from bot.features.broadcasts.service import BroadcastService, channel_rates
from bot.runtime import Runtime
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
from tests.auxil.constants import TEST_SECRET
from tests.auxil.crowd import Member, add_people
from tests.auxil.processes import REPO_ROOT
from tests.auxil.staff import DEMO_EMAIL, DEMO_LOGIN_PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Page

PEOPLE = [
    Member("ar-hoya-1", "ar", name="Amina", town="Hoya"),
    Member("ar-hoya-2", "ar", name="Layla", town="Hoya"),
    Member("ar-nienburg", "ar", name="Nour", town="Nienburg (Weser)"),
    Member("uk-hoya", "uk", name="Olena", town="Hoya"),
    Member("+4917611111111", "ar", name="Hala", town="Hoya", channel="whatsapp"),
]
SCREENSHOTS = REPO_ROOT / "var"
#: The progress view looks every 3 s.
SENT_TIMEOUT_MS = 20_000


@pytest.fixture
def quiet_server(sqlite_runtime: Runtime, clock: FrozenClock) -> Iterator[LiveServer]:
    """The app on a real port without its background dispatcher and scheduler: the test
    runs them itself, so the frozen clock decides and nothing races."""
    with serve_in_thread(create_app(sqlite_runtime, background=False)) as url:
        yield LiveServer(url, sqlite_runtime, clock)


def screenshot(page: Page, name: str) -> None:
    """A phone-width picture to look at, in the repository's ignored var/."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"broadcasts-{name}.png"), full_page=True)


def deliver(runtime: Runtime) -> None:
    """The real dispatcher until nothing is left, then the scheduler's broadcast job (which
    marks a finished broadcast sent).  In a thread: Playwright owns this thread's loop."""

    def work() -> None:
        while asyncio.run(runtime.dispatcher.dispatch()):
            pass
        BroadcastService(
            runtime.db,
            runtime.flow_engine.catalogs,
            runtime.clock,
            "scheduler",
            runtime.reach_rules(),
            channel_rates(runtime.settings),
            frozenset(runtime.channels),
        ).tick()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(work).result()


def test_a_coordinator_sends_a_broadcast_to_a_segment_and_watches_it_go(
    staff_page: Page, quiet_server: LiveServer
) -> None:
    live_server = quiet_server
    from playwright.sync_api import expect

    add_people(live_server.runtime.db, TEST_SECRET, PEOPLE, live_server.clock())
    page = staff_page
    login(page, DEMO_EMAIL, DEMO_LOGIN_PASSWORD, live_server.url)
    with page.expect_navigation():
        main_menu(page).get_by_role("link", name="Nachrichten").click()
    expect(page.locator("h1")).to_have_text("Nachrichten")
    with page.expect_navigation():
        page.get_by_role("button", name="Neue Nachricht").click()
    expect(page.locator("h1")).to_have_text("Neue Nachricht")
    assert_fits_the_phone(page)
    assert_accessible(page)

    page.fill("#title", "Neuer Kurs in Hoya")
    page.fill("#text_de", "Hallo {name}! *Neuer Kurs* in Hoya. Ihr Team von {org}.")
    expect(page.locator("[data-preview=whatsapp-de]")).to_contain_text(
        "Hallo Amina! Neuer Kurs in Hoya."
    )
    expect(page.locator("[data-preview=whatsapp-de] strong")).to_have_text("Neuer Kurs")
    expect(page.locator("[data-preview=telegram-de]")).to_contain_text("*Neuer Kurs*")
    page.get_by_text("Texte in weiteren Sprachen (freiwillig)").click()
    page.fill("#text_ar", "مرحبا {nmae}")
    expect(page.locator("#live")).to_contain_text("Unbekannter Platzhalter {nmae}")
    page.fill("#text_ar", "مرحبا {name}! دورة جديدة في هويا.")
    expect(page.locator("[data-preview=telegram-ar]")).to_contain_text("مرحبا Amina!")

    page.get_by_label("Arabisch", exact=True).check()
    expect(page.locator("[data-count=recipients]")).to_have_text(
        "3 Personen bekommen die Nachricht."
    )
    page.locator("input[name=towns][value=Hoya]").check()
    expect(page.locator("[data-count=recipients]")).to_have_text(
        "4 Personen bekommen die Nachricht."  # Arabic OR in Hoya
    )
    page.get_by_label("in jeder gewählten Art von Gruppe", exact=False).check()
    expect(page.locator("[data-count=recipients]")).to_have_text(
        "2 Personen bekommen die Nachricht."  # Arabic AND in Hoya
    )
    expect(page.locator("[data-warning=not-configured]")).to_contain_text(
        "WhatsApp ist in dieser Installation nicht eingerichtet: 1 Person"
    )
    screenshot(page, "composer")
    assert_fits_the_phone(page)
    assert_accessible(page)

    with page.expect_navigation():
        page.get_by_role("button", name="Weiter: prüfen und senden").click()
    expect(page.locator("h1")).to_contain_text("Prüfen und senden")
    expect(page.locator("[data-count=recipients]")).to_have_text(
        "2 Personen bekommen die Nachricht."
    )
    assert_fits_the_phone(page)
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Senden", exact=True).click()
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "sending")
    expect(page.locator("[data-total=queued]")).to_have_text("2")
    deliver(live_server.runtime)

    expect(page.locator("[data-status]")).to_have_attribute(
        "data-status", "sent", timeout=SENT_TIMEOUT_MS
    )
    expect(page.locator("[data-total=sent]")).to_have_text("2")
    expect(page.locator("[data-total=queued]")).to_have_text("0")
    expect(page.locator("main")).to_contain_text("Kanal nicht eingerichtet: 1")
    screenshot(page, "report")
    assert_fits_the_phone(page)
    assert_accessible(page)
    for user in ("ar-hoya-1", "ar-hoya-2"):
        shown = [m["text"] for m in live_server.runtime.screen.transcript(user)]
        assert any("دورة جديدة في هويا" in text for text in shown), shown
    assert not live_server.runtime.screen.transcript("ar-nienburg")
    with live_server.runtime.db.connect() as conn:
        assert conn.execute(select(broadcasts.c.status)).scalars().all() == ["sent"]
