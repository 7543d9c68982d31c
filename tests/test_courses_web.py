"""The course pages over HTTP: the list, creating and editing a course (the default language's
title required, reminder rules as checkboxes that re-plan the reminders), adding a session in
local time, and move / cancel / change with the confirmation page that shows who is told and
the message in each language.  Refusals ("in the past", "over") are friendly messages on the
form; another organisation's course or session is a 404; every POST needs the CSRF token.
(The browser tests are in ``test_courses_browser.py``.)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.db.tables import audit, courses, nudges, outbox
from bot.runtime import Runtime
from bot.web.app import create_app
from tests.auxil.clock import FrozenClock
from tests.auxil.course_pages import Class, a_class
from tests.auxil.people import OTHER, second_organisation
from tests.auxil.staff import PASSWORD, add_staff, login_client


@pytest.fixture
def group(sqlite_runtime: Runtime, clock: FrozenClock) -> Class:
    made = a_class(sqlite_runtime, clock())
    add_staff(sqlite_runtime, "ko@example.org")
    return made


@pytest.fixture
def web(sqlite_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(sqlite_runtime, background=False)) as client:
        yield client


def text_of(html: str) -> str:
    """The page's visible text, roughly (tags dropped, spaces joined)."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def session_data(**changes: str) -> dict[str, str]:
    data = {
        "date": "2026-12-03",
        "start_time": "09:00",
        "end_time": "12:00",
        "place": "Treff Hoya",
        "address": "Lange Str. 5",
        "directions": "Eingang im Hof",
        "transit_line": "Bus 31",
        "transit_stop": "Hoya, Bahnhof",
        "childcare": "on",
    }
    data.update(changes)
    return data


def test_create_a_course_and_add_a_session(
    group: Class, web: TestClient, sqlite_runtime: Runtime
) -> None:
    csrf = login_client(web, "ko@example.org", PASSWORD)
    page = web.get("/staff/courses/new")
    assert page.status_code == 200
    assert 'name="title_de"' in page.text and 'name="title_ar"' in page.text
    assert "am Tag vorher um 17:00 Uhr" in page.text

    # Without the default language's title: a message, nothing stored.
    refused = web.post(
        "/staff/courses/new",
        data={"title_ar": "خياطة", "reminders": ["2h"], "csrf_token": csrf},
    )
    assert refused.status_code == 400
    assert "mindestens den Titel in der Standardsprache" in refused.text
    created = web.post(
        "/staff/courses/new",
        data={
            "title_de": "Deutsch A2",
            "title_uk": "Німецька A2",
            "description_de": "Für Anfängerinnen",
            "reminders": ["1d@09:00", "1h"],
            "csrf_token": csrf,
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    course_path = created.headers["location"].split("?")[0]
    course_id = int(course_path.rsplit("/", 1)[-1])
    with sqlite_runtime.db.connect() as conn:
        row = conn.execute(select(courses).where(courses.c.id == course_id)).mappings().one()
    assert row["title"] == {"de": "Deutsch A2", "uk": "Німецька A2"}
    assert row["reminders"] == ["1d@09:00", "1h"]

    added = web.post(f"{course_path}/sessions/new", data={**session_data(), "csrf_token": csrf})
    assert added.status_code == 200  # followed to the course page
    shown = text_of(added.text)
    assert "Der Termin ist eingetragen." in shown
    assert "Donnerstag, 3. Dezember 2026, 09:00–12:00" in shown
    assert "Bus 31" in shown and "mit Kinderbetreuung" in shown
    assert "/staff/attendance/sessions/" in added.text

    listing = text_of(web.get("/staff/courses").text)
    assert "Deutsch A2" in listing and "Nächster Termin: Donnerstag, 3. Dezember 2026" in listing


def test_a_session_in_the_past_is_refused_on_the_form(group: Class, web: TestClient) -> None:
    csrf = login_client(web, "ko@example.org", PASSWORD)
    refused = web.post(
        f"/staff/courses/{group.course}/sessions/new",
        data={**session_data(date="2026-11-29"), "csrf_token": csrf},
    )
    assert refused.status_code == 400
    assert "Dieser Zeitpunkt liegt in der Vergangenheit" in refused.text
    assert 'value="Treff Hoya"' in refused.text  # what she typed stays
    for data, message in (
        (session_data(start_time=""), "Datum und Uhrzeit vollständig"),
        (session_data(end_time="08:00"), "Das Ende muss nach dem Beginn liegen."),
        (session_data(place=""), "Bitte geben Sie einen Ort an"),
        (session_data(date="2027-03-28", start_time="02:30"), "Zeitumstellung"),
    ):
        answer = web.post(
            f"/staff/courses/{group.course}/sessions/new", data={**data, "csrf_token": csrf}
        )
        assert answer.status_code == 400 and message in answer.text
    assert group.service.list_sessions(group.course) == []


def test_move_shows_who_is_told_then_moves(
    group: Class, web: TestClient, sqlite_runtime: Runtime
) -> None:
    session = group.service.add_session(
        group.course, "2026-12-03 09:00", "2026-12-03 12:00", "Treff Hoya", childcare=True
    )["id"]
    csrf = login_client(web, "ko@example.org", PASSWORD)
    form = web.get(f"/staff/courses/sessions/{session}/move")
    assert form.status_code == 200 and 'value="2026-12-03"' in form.text

    preview = web.post(
        f"/staff/courses/sessions/{session}/move",
        data={
            "date": "2026-12-04",
            "start_time": "14:00",
            "end_time": "17:00",
            "csrf_token": csrf,
        },
    )
    assert preview.status_code == 200
    shown = text_of(preview.text)
    assert "2 Personen bekommen eine Nachricht." in shown
    assert "العربية , WhatsApp (1): Amina" in shown and "Українська , Telegram (1): Olena" in shown
    assert "Darya: möchte keine Nachrichten bekommen" in shown
    assert "Nora: hat sich abgemeldet" in shown
    assert "Lina: ist über keinen Kanal erreichbar" in shown
    assert "👶 Догляд за дітьми: так" in shown and "خياطة" in shown
    assert 'name="confirm" value="yes"' in preview.text
    with sqlite_runtime.db.connect() as conn:
        assert conn.execute(select(outbox).where(outbox.c.kind == "course")).first() is None

    done = web.post(
        f"/staff/courses/sessions/{session}/move",
        data={
            "date": "2026-12-04",
            "start_time": "14:00",
            "end_time": "17:00",
            "confirm": "yes",
            "csrf_token": csrf,
        },
    )
    assert "Der Termin ist verschoben. 2 Personen werden benachrichtigt." in text_of(done.text)
    assert group.service.session(session)["start"] == "2026-12-04 14:00"
    with sqlite_runtime.db.connect() as conn:
        entry = (
            conn.execute(select(audit).where(audit.c.action == "session.move")).mappings().one()
        )
    assert entry["actor"].startswith("staff:") and entry["organisation_id"] is not None


def test_cancel_needs_a_reason_and_a_session_that_is_over_is_refused(
    group: Class, web: TestClient, clock: FrozenClock
) -> None:
    session = group.service.add_session(
        group.course, "2026-12-03 09:00", "2026-12-03 12:00", "Treff Hoya"
    )["id"]
    csrf = login_client(web, "ko@example.org", PASSWORD)
    path = f"/staff/courses/sessions/{session}/cancel"
    no_reason = web.post(path, data={"reason": " ", "csrf_token": csrf})
    assert no_reason.status_code == 400 and "warum der Termin ausfällt" in no_reason.text
    preview = web.post(path, data={"reason": "Lehrerin krank", "csrf_token": csrf})
    assert "❌" in preview.text and "Ja, absagen" in preview.text

    clock.now = datetime(2026, 12, 3, 11, 30, tzinfo=UTC)  # it ended at 12:00 Berlin time
    csrf = login_client(web, "ko@example.org", PASSWORD)  # days later: a new login
    over = web.post(path, data={"reason": "x", "confirm": "yes", "csrf_token": csrf})
    assert over.status_code == 400
    assert "Dieser Termin ist schon vorbei." in over.text
    form = web.get(path)
    assert (
        form.status_code == 200
        and "schon vorbei" in form.text
        and '<form method="post" action="/staff/courses/sessions' not in form.text
    )
    assert group.service.session(session)["status"] == "planned"


def test_change_the_details_and_the_place(group: Class, web: TestClient) -> None:
    session = group.service.add_session(
        group.course, "2026-12-03 09:00", "2026-12-03 12:00", "Treff Hoya"
    )["id"]
    csrf = login_client(web, "ko@example.org", PASSWORD)
    path = f"/staff/courses/sessions/{session}/change"
    data = {
        "place": "Treff Hoya",
        "transit_line": "Bus 31",
        "childcare": "on",
        "csrf_token": csrf,
    }
    quiet = web.post(path, data=data)
    assert "Niemand wird benachrichtigt: Ort und Adresse bleiben gleich." in text_of(quiet.text)
    web.post(path, data={**data, "confirm": "yes"})
    view = group.service.session(session)
    assert (view["transit_line"], view["childcare"]) == ("Bus 31", True)

    moved = web.post(path, data={**data, "place": "Rathaus"})
    assert "📍 Нове: Rathaus" in moved.text
    done = web.post(path, data={**data, "place": "Rathaus", "confirm": "yes"})
    assert "2 Personen werden benachrichtigt." in text_of(done.text)


def test_edit_the_reminder_rules_replans_the_coming_sessions(
    group: Class, web: TestClient, sqlite_runtime: Runtime
) -> None:
    group.service.add_session(group.course, "2026-12-03 09:00", "2026-12-03 12:00", "Treff")
    csrf = login_client(web, "ko@example.org", PASSWORD)
    form = web.get(f"/staff/courses/{group.course}/edit")
    assert 'value="Nähen"' in form.text and 'value="2h" checked' in form.text
    none = web.post(
        f"/staff/courses/{group.course}/edit", data={"title_de": "Nähen", "csrf_token": csrf}
    )
    assert none.status_code == 400 and "mindestens eine Erinnerung" in none.text
    web.post(
        f"/staff/courses/{group.course}/edit",
        data={"title_de": "Nähen", "title_ar": "خياطة", "reminders": ["1h"], "csrf_token": csrf},
    )
    with sqlite_runtime.db.connect() as conn:
        rules = {
            r.payload["rule"]
            for r in conn.execute(select(nudges).where(nudges.c.status == "pending"))
        }
    assert rules == {"1h"}
    # Every language the organisation offers has its field: an emptied one has no title.
    assert group.service.course(group.course)["title"] == {"de": "Nähen", "ar": "خياطة"}


def test_another_organisations_course_is_404_and_posts_need_the_csrf_token(
    group: Class, web: TestClient, sqlite_runtime: Runtime, clock: FrozenClock
) -> None:
    session = group.service.add_session(
        group.course, "2026-12-03 09:00", "2026-12-03 12:00", "Treff"
    )["id"]
    second_organisation(sqlite_runtime, clock())
    add_staff(sqlite_runtime, "hoya@example.org", organisation=OTHER)
    csrf = login_client(web, "hoya@example.org", PASSWORD)
    assert "Nähen" not in web.get("/staff/courses").text
    for path in (
        f"/staff/courses/{group.course}",
        f"/staff/courses/{group.course}/edit",
        f"/staff/courses/{group.course}/sessions/new",
        f"/staff/courses/sessions/{session}/move",
        f"/staff/courses/sessions/{session}/cancel",
        "/staff/courses/99999",
        "/staff/courses/99999999999",
    ):
        assert web.get(path).status_code == 404, path
    refused = web.post(
        f"/staff/courses/sessions/{session}/cancel",
        data={"reason": "x", "confirm": "yes", "csrf_token": csrf},
    )
    assert refused.status_code == 404
    assert group.service.session(session)["status"] == "planned"

    web.cookies.clear()
    login_client(web, "ko@example.org", PASSWORD)
    forged = web.post(
        f"/staff/courses/sessions/{session}/cancel", data={"reason": "x", "confirm": "yes"}
    )
    assert forged.status_code == 403
    assert group.service.session(session)["status"] == "planned"


def test_the_pages_speak_the_staff_members_language(
    group: Class, web: TestClient, sqlite_runtime: Runtime
) -> None:
    group.service.add_session(group.course, "2026-12-03 09:00", "2026-12-03 12:00", "Treff")
    add_staff(sqlite_runtime, "en@example.org", language="en")
    login_client(web, "en@example.org", PASSWORD)
    page = text_of(web.get(f"/staff/courses/{group.course}").text)
    assert "Thursday, 3 December 2026" in page or "Thursday, December 3, 2026" in page
    assert "Upcoming sessions" in page
