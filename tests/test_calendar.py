""" "Add to calendar": the .ics route, its unguessable token, and the link in reminders."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.testclient import TestClient

from bot.features.courses.calendar import session_from_token, session_token
from bot.ics import escape_text, fold
from bot.runtime import Runtime
from scheduler.due import fire_due
from tests.auxil.clock import FrozenClock
from tests.auxil.constants import TEST_SECRET
from tests.auxil.courses import course_with, person_of, reminder_payload, service_of
from tests.auxil.simulator import Simulator, onboard


def unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_tokens_are_unguessable_and_checked() -> None:
    token = session_token(TEST_SECRET, 42)
    assert token.startswith("42-") and len(token) == 3 + 32
    assert session_from_token(TEST_SECRET, token) == 42
    assert session_from_token(TEST_SECRET, "43" + token[2:]) is None
    assert session_from_token("another-secret-key-of-enough-length-000000", token) is None
    assert session_from_token(TEST_SECRET, "x-y") is None


def test_text_is_escaped_and_long_lines_folded_in_whole_characters() -> None:
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    line = "SUMMARY:" + "آلمانی " * 30
    folded = fold(line)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line


def test_the_calendar_file_of_a_session(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    service = service_of(runtime, clock)
    course_with(service)
    session = service.add_session(
        "a2-hoya",
        "2026-12-03 09:00",
        "2026-12-03 12:00",
        "VHS Hoya",
        "Bahnhofstr. 1, Hoya",
        "Bus 31; Haltestelle Bahnhof",
    )
    url = f"/calendar/session/{session_token(TEST_SECRET, session['id'])}.ics"

    response = client.get(url, params={"lang": "fa"})

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and body.endswith(
        "END:VCALENDAR\r\n"
    )
    lines = unfold(body)
    assert "DTSTART:20261203T080000Z" in lines and "DTEND:20261203T110000Z" in lines
    assert "SUMMARY:آلمانی A2 در هویا" in lines
    assert "LOCATION:VHS Hoya\\, Bahnhofstr. 1\\, Hoya" in lines
    assert "DESCRIPTION:Bus 31\\; Haltestelle Bahnhof" in lines
    assert "STATUS:CONFIRMED" in lines
    assert "SUMMARY:Deutsch A2 in Hoya" in unfold(client.get(url).text)
    service.cancel_session(session["id"], "krank")
    assert "STATUS:CANCELLED" in unfold(client.get(url).text)
    assert client.get(f"/calendar/session/{session['id']}-{'0' * 32}.ics").status_code == 404
    assert client.get("/calendar/session/999999.ics").status_code == 404


def test_reminders_carry_the_calendar_link(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    onboard(Simulator(client, "darya"), language="فارسی", name="Darya")
    person = person_of(runtime, "darya")
    service = service_of(runtime, clock)
    course_with(service)
    service.enrol("a2-hoya", [person])
    session = service.add_session("a2-hoya", "2026-12-03 09:00", "2026-12-03 12:00", "VHS Hoya")
    clock.now = datetime(2026, 12, 2, 16, 0, tzinfo=UTC)
    fire_due(runtime.db, runtime.turns, clock, link_base="https://twc.example.org")
    text = reminder_payload(runtime, person)["text"]
    link = (
        f"https://twc.example.org/calendar/session/{session_token(TEST_SECRET, session['id'])}"
        ".ics?lang=fa"
    )
    assert f"افزودن به تقویم: {link}" in text
    path = link.removeprefix("https://twc.example.org")
    assert "SUMMARY:آلمانی A2 در هویا" in unfold(client.get(path).text)
