"""Urgent inbox threads (she reported a problem, e.g. with her mentor: ``to_team(...,
urgent=True)``): first in the list, marked "urgent" in words in the list and the thread, and
the staff notification says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import insert
from starlette.testclient import TestClient

from bot.db.tables import inbox_threads
from bot.features.inbox.notify import NewThread, notification
from bot.runtime import Runtime
from tests.auxil.browser import LiveServer, assert_accessible, assert_fits_the_phone, login
from tests.auxil.inbox import inbox_of
from tests.auxil.mentoring_staff import add_woman
from tests.auxil.people import principal
from tests.auxil.staff import (
    DEMO_EMAIL,
    DEMO_LOGIN_PASSWORD,
    add_staff,
    login_client,
    organisation_id,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page


def _thread(runtime: Runtime, org: int, person: int, at: datetime, urgent: bool) -> int:
    with runtime.db.begin() as conn:
        return int(
            conn.execute(
                insert(inbox_threads)
                .values(
                    organisation_id=org,
                    person_id=person,
                    status="open",
                    reason="request",
                    language="uk",
                    channel="simulator",
                    opened_at=at,
                    waiting_since=at,
                    last_message_at=at,
                    urgent=urgent,
                )
                .returning(inbox_threads.c.id)
            ).scalar_one()
        )


def test_urgent_threads_come_first_and_are_marked(client: TestClient, runtime: Runtime) -> None:
    org = organisation_id(runtime)
    now = runtime.clock()
    older = _thread(
        runtime, org, add_woman(runtime.db, org, "Olena", now), now - timedelta(hours=5), True
    )
    newer = _thread(
        runtime, org, add_woman(runtime.db, org, "Maria", now), now - timedelta(hours=1), False
    )
    oldest = _thread(
        runtime, org, add_woman(runtime.db, org, "Huda", now), now - timedelta(hours=9), False
    )
    who = principal(runtime, "k@example.org", {org: "coordinator"}, now)
    inbox = inbox_of(runtime)
    assert [t.id for t in inbox.threads(who)] == [older, newer, oldest]
    assert [t.id for t in inbox.threads(who, order="waiting")] == [older, oldest, newer]
    assert [t.urgent for t in inbox.threads(who)] == [True, False, False]

    login_client(client)
    html = client.get("/staff/inbox").text
    assert html.count(">dringend</strong>") == 1
    assert html.index("dringend") < html.index("Olena") < html.index("Maria")
    thread = client.get(f"/staff/inbox/{older}").text
    assert "Sie hat ein Problem gemeldet" in thread
    assert "Sie hat ein Problem gemeldet" not in client.get(f"/staff/inbox/{newer}").text

    add_staff(runtime, "en@example.org", language="en")
    english = TestClient(client.app)
    login_client(english, "en@example.org", "ein-gutes-passwort-42")
    assert ">urgent</strong>" in english.get("/staff/inbox").text


def test_the_notification_says_it_is_urgent() -> None:
    at = datetime(2026, 12, 1, 8, 12, tzinfo=UTC)
    thread = NewThread(7, 1, "uk", at, "Europe/Berlin", "de", True, None, urgent=True)
    subject, body = notification(thread, "en", "https://bot.example.org")
    assert subject == "Urgent: request in the inbox"
    assert body.startswith("Urgent: a woman has reported a problem.")
    assert "language uk, waiting since 09:12" in body
    subject, _body = notification(thread, "de", "https://bot.example.org")
    assert subject == "Dringend: Anfrage im Posteingang"
    plain = NewThread(7, 1, "uk", at, "Europe/Berlin", "de", True, None)
    assert notification(plain, "en", "https://x")[0] == "New request in the inbox"


def test_an_urgent_thread_on_a_phone(staff_page: Page, live_server: LiveServer) -> None:
    from playwright.sync_api import expect

    runtime = live_server.runtime
    org = organisation_id(runtime)
    now = live_server.clock()
    _thread(runtime, org, add_woman(runtime.db, org, "Maria", now), now, False)
    urgent = _thread(
        runtime, org, add_woman(runtime.db, org, "Olena", now), now - timedelta(hours=3), True
    )
    page = staff_page
    login(page, DEMO_EMAIL, DEMO_LOGIN_PASSWORD, live_server.url)
    page.goto(f"{live_server.url}/staff/inbox")
    first = page.locator(".inbox-list li").first
    expect(first).to_contain_text("dringend")
    expect(first).to_contain_text("Olena")
    assert_fits_the_phone(page)
    assert_accessible(page)
    page.goto(f"{live_server.url}/staff/inbox/{urgent}")
    expect(page.locator(".urgent-mark")).to_contain_text("Sie hat ein Problem gemeldet")
    assert_fits_the_phone(page)
    assert_accessible(page)
