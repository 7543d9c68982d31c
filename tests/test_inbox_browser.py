"""The inbox in a real browser (Debian's Chromium, 360 px wide) against a live server whose
dispatcher runs: a participant writes through the simulator, the coordinator logs in, sees
her, replies, and the reply appears on her simulator screen; closing hands her back to the
bot; a WhatsApp participant outside the 24-hour window gets the ``team_reply`` template
(Prism); a coordinator of another organisation gets 404; axe-core on every inbox page."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from sqlalchemy import update

from bot.db.tables import identities
from bot.demo import ORG_NAME
from bot.web.app import create_app
from tests.auxil.browser import LiveServer, assert_accessible, login, main_menu, serve_in_thread
from tests.auxil.clock import FrozenClock
from tests.auxil.courses import person_of
from tests.auxil.inbox import second_organisation, threads_of
from tests.auxil.person import WhatsAppPerson
from tests.auxil.person import onboard as onboard_anywhere
from tests.auxil.simulator import Simulator, onboard
from tests.auxil.staff import DEMO_EMAIL, DEMO_LOGIN_PASSWORD, PASSWORD, add_staff
from tests.auxil.twilio import TwilioStandIn
from tests.auxil.whatsapp import TEAM_REPLY, WhatsAppPhone, whatsapp_runtime

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.slow

QUESTION = "Kann ich mein Kind zum Kurs mitbringen?"
ANSWER = "Ja, es gibt eine Kinderbetreuung."
#: Longest wait for the dispatcher (a thread of the live server) to deliver.
DELIVERY_TIMEOUT = 10.0


def wait_for(found: Callable[[], Any], timeout: float = DELIVERY_TIMEOUT) -> Any:
    """Poll until ``found()`` is truthy (the live server's dispatcher works in its thread)."""
    deadline = time.monotonic() + timeout
    while True:
        value = found()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("not delivered in time")
        time.sleep(0.02)


def screen(http: httpx.Client, user: str) -> list[str]:
    answer = http.get("/simulator/api/messages", params={"user": user})
    return [m["text"] for m in answer.json()["messages"] if m["direction"] == "out"]


def test_a_coordinator_answers_her_and_hands_her_back_to_the_bot(
    staff_page: Page, live_server: LiveServer
) -> None:
    from playwright.sync_api import expect

    with httpx.Client(base_url=live_server.url) as http:
        sim = Simulator(http, "amina")  # type: ignore[arg-type]  # httpx speaks the same API
        onboard(sim)
        sim.press("main.menu:person")  # 🙋 ask the team
        sim.send(QUESTION)
        [thread] = threads_of(live_server.runtime, person_of(live_server.runtime, "amina"))

        login(staff_page, DEMO_EMAIL, DEMO_LOGIN_PASSWORD, live_server.url)
        main_menu(staff_page).get_by_role("link", name="Posteingang").click()
        expect(staff_page.locator("h1")).to_have_text("Posteingang")
        row = staff_page.locator(".inbox-row").first
        expect(row).to_contain_text("Amina")
        expect(row).to_contain_text("Hoya")
        expect(row).to_contain_text("Simulator")
        expect(row).to_contain_text("wartet seit")
        assert_accessible(staff_page)

        row.locator("a").click()
        expect(staff_page.locator("h1")).to_have_text("Gespräch mit Amina")
        expect(staff_page.locator("#entries")).to_contain_text(QUESTION)
        assert_accessible(staff_page)
        staff_page.click("text=Mir zuweisen")
        staff_page.fill("#reply-text", ANSWER)
        started = time.perf_counter()
        staff_page.click("form[action$='/reply'] button[type=submit]")
        text = f"💬 {ORG_NAME}:\n{ANSWER}"
        wait_for(lambda: text in screen(http, "amina"))
        took = time.perf_counter() - started
        print(f"\na reply's way from 'send' to her simulator screen: {took * 1000:.0f} ms")
        expect(staff_page.locator("#entries")).to_contain_text(ANSWER)
        staff_page.fill("#note-text", "Tochter 4 Jahre")
        staff_page.click("text=Notiz speichern")
        expect(staff_page.locator("#entries")).to_contain_text("Tochter 4 Jahre")
        assert "Tochter 4 Jahre" not in "\n".join(screen(http, "amina"))

        assert sim.send("Danke!") == []  # with the team: no bot reply
        staff_page.reload()
        expect(staff_page.locator("#entries")).to_contain_text("Danke!")

        staff_page.fill("#close-note", "geklärt")
        staff_page.click("form[action$='/close'] button[type=submit]")
        expect(staff_page.locator("h1")).to_have_text("Posteingang")
        expect(staff_page.locator("#threads")).to_contain_text("Keine Gespräche.")
        wait_for(lambda: any(t.startswith("🤖") for t in screen(http, "amina")))
        assert screen(http, "amina")[-1].startswith("🏠")  # and the menu
        assert sim.send("4")[0]["text"].startswith("🙋")  # the bot answers again (4: the team)
        assert (
            threads_of(live_server.runtime, person_of(live_server.runtime, "amina"))[0]["status"]
            == "closed"
        )
        staff_page.goto(f"{live_server.url}/staff/inbox/quick-replies")
        assert_accessible(staff_page)
        staff_page.goto(f"{live_server.url}/staff/inbox/{thread['id']}")
        assert_accessible(staff_page)


def test_another_organisation_cannot_open_it_even_by_guessing(
    staff_page: Page, live_server: LiveServer
) -> None:
    runtime = live_server.runtime
    with httpx.Client(base_url=live_server.url) as http:
        sim = Simulator(http, "amina")  # type: ignore[arg-type]
        onboard(sim)
        sim.press("main.menu:person")
        sim.send(QUESTION)
    [thread] = threads_of(runtime, person_of(runtime, "amina"))
    second_organisation(runtime)
    add_staff(runtime, "eleni@larnaca.example", organisation="cyprus-larnaca", language="el")
    login(staff_page, "eleni@larnaca.example", PASSWORD, live_server.url)
    answer = staff_page.goto(f"{live_server.url}/staff/inbox")
    assert answer is not None and answer.status == 200
    assert "Amina" not in staff_page.content()
    for guessed in (thread["id"], thread["id"] + 1, 999_999):
        answer = staff_page.goto(f"{live_server.url}/staff/inbox/{guessed}")
        assert answer is not None and answer.status == 404
    assert_accessible(staff_page)


# ---- WhatsApp outside the 24-hour window -------------------------------------------------


def test_outside_the_window_she_gets_the_template_then_the_reply(
    staff_page: Page,
    sqlite_url: str,
    clock: FrozenClock,
    tmp_path: Path,
    twilio_stand_in: TwilioStandIn,
) -> None:
    from playwright.sync_api import expect
    from starlette.testclient import TestClient

    runtime = whatsapp_runtime(sqlite_url, clock, tmp_path, twilio_stand_in.url)
    number = "+4915112345601"
    address = f"whatsapp:{number}"
    try:

        def asks_the_team() -> None:
            with TestClient(create_app(runtime, background=False)) as client:
                amina = WhatsAppPerson(WhatsAppPhone(client, runtime, twilio_stand_in, number))
                onboard_anywhere(amina)
                amina.press("🙋 Team fragen")
                amina.say(QUESTION)

        # In a thread of its own: the phone runs the dispatcher with asyncio, and
        # Playwright's event loop owns this one.
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asks_the_team).result()
        with runtime.db.begin() as conn:  # her last message was two days ago
            conn.execute(update(identities).values(last_inbound_at=clock() - _days(2)))
        before = len(twilio_stand_in.to(address))
        with serve_in_thread(create_app(runtime, background=True)) as url:
            login(staff_page, DEMO_EMAIL, DEMO_LOGIN_PASSWORD, url)
            staff_page.goto(f"{url}/staff/inbox")
            staff_page.locator(".inbox-row a").first.click()
            expect(staff_page.locator("#entries")).to_contain_text(QUESTION)
            staff_page.fill("#reply-text", ANSWER)
            staff_page.click("form[action$='/reply'] button[type=submit]")
            sent = wait_for(lambda: twilio_stand_in.to(address)[before:])
            assert sent[0].form["ContentSid"] == TEAM_REPLY["de"]
            assert sent[0].variables == {"1": ORG_NAME}
            assert "Body" not in sent[0].form
            expect(staff_page.locator("#entries")).to_contain_text("wartet, bis sie schreibt")
            assert_accessible(staff_page)
    finally:
        runtime.close()


def _days(n: int) -> Any:
    from datetime import timedelta

    return timedelta(days=n)
