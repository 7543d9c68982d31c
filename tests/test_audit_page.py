"""The audit page over HTTP: an admin reads her organisation's log (never another's), filters
it by who, what and when (the organisation's time zone), pages through it and downloads it as
CSV; a coordinator has no way in.  And the writers: a staff reply in the inbox, a person
deleted, a quick reply saved, a staff member's password reset now name their organisation, so
they show up here.  (The browser test is ``test_audit_browser.py``.)
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update
from starlette.testclient import TestClient

from bot.db.tables import audit, staff
from bot.demo import COORDINATOR_EMAIL, ORG_NAME
from bot.features.audit_log.log import PAGE_SIZE
from bot.features.inbox.service import Inbox
from bot.runtime import Runtime
from bot.staff.audit import record
from bot.staff.principal import StaffUser
from bot.web.app import create_app
from tests.auxil.clock import FrozenClock
from tests.auxil.people import DEMO, OTHER, add_course, add_person, second_organisation
from tests.auxil.staff import (
    PASSWORD,
    accounts,
    add_staff,
    csrf_of,
    login_client,
    organisation_id,
)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass(frozen=True)
class Site:
    runtime: Runtime
    demo: int
    other: int
    admin: int
    """The demo admin (koordination@example.org)."""
    coordinator: int
    course: int
    session: int
    amina: int


@pytest.fixture
def site(sqlite_runtime: Runtime, clock: FrozenClock) -> Site:
    """Two organisations, both in Berlin time, with a known log.

    The demo organisation's entries, oldest first (UTC; Berlin is an hour ahead):
    28 Nov 23:30 (29 Nov 00:30 in Berlin) the admin creates a course; 29 Nov 12:00 the
    command line moves its session; 29 Nov 23:30 (30 Nov 00:30 in Berlin) the retention job
    erases somebody; 30 Nov 08:00 the coordinator sends a broadcast.  The other organisation
    has one entry, and there is one deployment-wide entry.
    """
    runtime, now = sqlite_runtime, clock()
    demo = organisation_id(runtime, DEMO)
    other = second_organisation(runtime, now)
    admin = accounts(runtime).id_of(COORDINATOR_EMAIL)
    assert admin is not None
    coordinator = add_staff(runtime, "ko@example.org", name="Kora Koordinatorin")
    add_staff(runtime, "hoya@example.org", organisation=OTHER, role="admin", name="Hoya Admin")
    course, (session,) = add_course(runtime, demo, "a2-hoya", "Deutsch A2", [now + timedelta(3)])
    amina = add_person(
        runtime, demo, "Amina", now, channels=[("whatsapp", "+4917611111111", "ok")]
    )
    with runtime.db.begin() as conn:
        conn.execute(delete(audit))  # the accounts' own entries: the log starts below
        for at, actor, action, details, org in (
            ("2026-11-28T23:30", f"staff:{admin}", "course.create", {"course": course}, demo),
            ("2026-11-29T12:00", "cli:root", "session.move", {"session": session}, demo),
            (
                "2026-11-29T23:30",
                "scheduler:retention",
                "person.erase",
                {"erasure": "e1e2", "reason": "retention"},
                demo,
            ),
            (
                "2026-11-30T08:00",
                f"staff:{coordinator}",
                "broadcast.send",
                {"broadcast": 7, "urgent": False},
                demo,
            ),
            ("2026-11-30T08:30", "staff:999", "course.create", {"code": "hoya-geheim"}, other),
            ("2026-11-30T08:45", "cli:root", "privacy.purge", {"silent": 3}, None),
        ):
            record(conn, utc(at), actor, action, details, organisation_id=org)
    return Site(runtime, demo, other, admin, coordinator, course, session, amina)


@pytest.fixture
def web(sqlite_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(sqlite_runtime, background=False)) as client:
        yield client


def titles(html: str) -> list[str]:
    """The entries' headings, in order."""
    block = html.split('<ol class="audit-log">', 1)
    if len(block) == 1:
        return []
    return re.findall(r"<li>\s*<strong>([^<]*)</strong>", block[1].split("</ol>", 1)[0])


def test_an_admin_reads_her_organisations_log_newest_first(site: Site, web: TestClient) -> None:
    login_client(web)
    page = web.get("/staff/audit")
    assert page.status_code == 200
    assert '<a href="/staff/audit" aria-current="page">Protokoll</a>' in page.text
    assert "Niemand kann Einträge ändern oder löschen" in page.text
    assert titles(page.text) == [
        "Nachricht gesendet",
        "Person gelöscht",
        "Termin verschoben",
        "Kurs angelegt",
    ]
    assert "4 Einträge" in page.text
    # Who, in plain words; the times in Berlin time.
    assert "Kora Koordinatorin (ko@example.org)" in page.text
    assert "Kommandozeile (root)" in page.text
    assert "System" in page.text
    assert "30.11.26, 09:00" in page.text  # 08:00 UTC
    # Ids link to their pages; nothing of another organisation or deployment-wide.
    assert f'href="/staff/courses/{site.course}"' in page.text
    assert '<a href="/staff/broadcasts/7">#7</a>' in page.text
    assert "hoya-geheim" not in page.text
    assert "Alte Daten gelöscht" not in page.text
    # Read only: no form that could change anything besides the filter and the shell's own.
    assert 'method="post"' not in page.text.split('<main id="main"', 1)[1].split("</main>")[0]


def test_the_other_organisations_admin_sees_only_hers(site: Site, web: TestClient) -> None:
    login_client(web, "hoya@example.org", PASSWORD)
    page = web.get("/staff/audit")
    assert titles(page.text) == ["Kurs angelegt"]
    assert "hoya-geheim" in page.text
    assert "Termin verschoben" not in page.text
    # Asking for the demo organisation by its id changes nothing.
    assert titles(web.get(f"/staff/audit?organisation={site.demo}").text) == []


def test_a_coordinator_has_no_nav_item_and_no_access(site: Site, web: TestClient) -> None:
    login_client(web, "ko@example.org", PASSWORD)
    dashboard = web.get("/staff/")
    assert dashboard.status_code == 200
    assert "/staff/audit" not in dashboard.text
    for path in ("/staff/audit", "/staff/audit/export"):
        refused = web.get(path)
        assert refused.status_code == 403
        assert "nur für Administratorinnen und Administratoren" in refused.text
        assert "Termin verschoben" not in refused.text


def test_filters_by_who_what_and_period_in_the_organisations_time_zone(
    site: Site, web: TestClient
) -> None:
    login_client(web)
    page = web.get("/staff/audit").text
    # The filter offers the people and kinds of actors in the log, and its actions by name.
    assert f'<option value="staff:{site.coordinator}">Kora Koordinatorin</option>' in page
    assert '<option value="cli">Kommandozeile</option>' in page
    assert '<option value="system">System</option>' in page
    assert '<option value="session.move">Termin verschoben</option>' in page

    def shown(query: str) -> list[str]:
        response = web.get(f"/staff/audit?{query}")
        assert response.status_code == 200
        return titles(response.text)

    assert shown(f"actor=staff:{site.coordinator}") == ["Nachricht gesendet"]
    assert shown("actor=cli") == ["Termin verschoben"]
    assert shown("actor=system") == ["Person gelöscht"]
    assert shown("action=course.create") == ["Kurs angelegt"]
    assert shown("actor=cli&action=course.create") == []
    # 29 November in Berlin: from 28 Nov 23:00 to 29 Nov 23:00 UTC.
    assert shown("since=2026-11-29&until=2026-11-29") == ["Termin verschoben", "Kurs angelegt"]
    assert shown("since=2026-11-30") == ["Nachricht gesendet", "Person gelöscht"]
    assert shown("until=2026-11-28") == []
    # Bad input is explained, never a 500.
    for query in (
        "since=gestern",
        "since=2026-11-30&until=2026-11-01",
        "page=x&actor=" + "a" * 999,
    ):
        response = web.get(f"/staff/audit?{query}")
        assert response.status_code == 200
    assert "Bitte wählen Sie ein gültiges Datum." in web.get("/staff/audit?since=gestern").text
    assert (
        "Der Zeitraum endet vor seinem Beginn."
        in web.get("/staff/audit?since=2026-11-30&until=2026-11-01").text
    )
    # htmx gets the results alone.
    partial = web.get("/staff/audit?actor=cli", headers={"HX-Request": "true"}).text
    assert "<h1>" not in partial and titles(partial) == ["Termin verschoben"]


def test_pages_of_fifty(site: Site, web: TestClient, clock: FrozenClock) -> None:
    with site.runtime.db.begin() as conn:
        for minute in range(PAGE_SIZE * 2):
            record(
                conn,
                utc("2026-11-25T08:00") + timedelta(minutes=minute),
                "cli:root",
                "inbox.note",
                {"thread": minute + 1},
                organisation_id=site.demo,
            )
    login_client(web)
    first = web.get("/staff/audit")
    assert "104 Einträge" in first.text and "Seite 1 von 3" in first.text
    assert len(titles(first.text)) == PAGE_SIZE
    assert titles(first.text)[:4] == [
        "Nachricht gesendet",
        "Person gelöscht",
        "Termin verschoben",
        "Kurs angelegt",
    ]
    assert 'href="/staff/audit?page=2"' in first.text
    last = web.get("/staff/audit?page=3")
    assert titles(last.text) == ["Notiz geschrieben"] * 4
    assert '<a href="/staff/inbox/1">#1</a>' in last.text  # the oldest
    assert "Ältere" not in last.text and "Neuere" in last.text
    # Filters stay in the page links.
    cli = web.get("/staff/audit?actor=cli&page=2")
    assert "Seite 2 von 3" in cli.text and "actor=cli&amp;page=3" in cli.text
    # A page past the end shows the last one.
    assert titles(web.get("/staff/audit?page=99").text) == titles(last.text)


def test_csv_export_of_the_filtered_list(site: Site, web: TestClient) -> None:
    # The coordinator moved the session too, and her name would be a spreadsheet formula.
    with site.runtime.db.begin() as conn:
        conn.execute(
            update(audit)
            .where(audit.c.action == "session.move")
            .values(actor=f"staff:{site.coordinator}")
        )
        conn.execute(
            update(staff).where(staff.c.id == site.coordinator).values(display_name="=cmd|x")
        )
    login_client(web)
    response = web.get(f"/staff/audit/export?actor=staff:{site.coordinator}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    assert response.text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0] == ["Zeit", "Organisation", "Wer", "Was", "Code", "Einzelheiten"]
    assert rows[1:] == [
        [
            "2026-11-30 09:00",
            ORG_NAME,
            "'=cmd|x <ko@example.org>",
            "Nachricht gesendet",
            "broadcast.send",
            "Nachricht: #7; dringend: ✗",
        ],
        [
            "2026-11-29 13:00",
            ORG_NAME,
            "'=cmd|x <ko@example.org>",
            "Termin verschoben",
            "session.move",
            f"Termin: #{site.session}",
        ],
    ]
    # The page links to the export of what it shows.
    page = web.get("/staff/audit?action=session.move").text
    assert 'href="/staff/audit/export?action=session.move"' in page
    # Bad input: a clean 400.
    assert web.get("/staff/audit/export?until=morgen").status_code == 400


def _admin(runtime: Runtime, staff_id: int) -> StaffUser:
    found = accounts(runtime).principal(staff_id)
    assert found is not None
    return found


def test_the_writers_name_the_organisation_so_her_admins_see_it(
    site: Site, web: TestClient
) -> None:
    runtime = site.runtime
    admin = _admin(runtime, site.admin)
    inbox = Inbox.from_runtime(runtime)
    thread = inbox.start_with(admin, site.amina)
    inbox.reply(admin, thread, "Hallo Amina, wir haben einen Platz für Sie.")
    inbox.save_quick_reply(admin, site.demo, "Danke", {"de": "Danke!"})
    accounts(runtime).reset_password(site.coordinator, admin.actor)
    login_client(web)
    # Delete her from her profile, as staff do.
    form = web.get(f"/staff/people/{site.amina}/delete")
    deleted = web.post(
        f"/staff/people/{site.amina}/delete",
        data={"confirm": "yes", "csrf_token": csrf_of(form.text)},
    )
    assert deleted.status_code == 200
    with runtime.db.connect() as conn:
        written = {
            row.action: row.organisation_id
            for row in conn.execute(
                select(audit.c.action, audit.c.organisation_id).where(
                    audit.c.at >= runtime.clock()
                )
            )
        }
    assert written == {
        "inbox.start": site.demo,
        "inbox.reply": site.demo,
        "inbox.quick_reply.save": site.demo,
        "staff.password_reset": site.demo,
        "person.erase": site.demo,
    }
    page = web.get("/staff/audit?since=2026-11-30").text
    for title in (
        "Person gelöscht",
        "Passwort zurückgesetzt",
        "Schnellantwort gespeichert",
        "Antwort gesendet",
        "Gespräch begonnen",
    ):
        assert title in titles(page)
    # Her id went from the inbox entries with her; her name was never there.
    assert "Amina" not in page
    assert f"/staff/people/{site.amina}" not in page
    assert f'<a href="/staff/inbox/{thread}">#{thread}</a>' in page
    assert f"<dt>Organisation</dt>\n      <dd>{ORG_NAME}</dd>" in page  # the saved answer's


def test_odd_details_are_shown_as_stored_never_a_500(site: Site, web: TestClient) -> None:
    with site.runtime.db.begin() as conn:
        for details in (
            {"organisation": [1, 2], "people": ["x", 3], "course": {"a": 1}, "session": "s"},
            {"thread": True, "broadcast": -4, "staff_id": 10**12, "note": "<b>fett</b>"},
        ):
            record(conn, utc("2026-11-30T08:50"), "?", "x.y", details, organisation_id=site.demo)
        conn.execute(  # not even an object
            audit.insert().values(
                at=utc("2026-11-30T08:50"),
                actor="?",
                action="x.y",
                details=["a", "b"],
                organisation_id=site.demo,
            )
        )
    login_client(web)
    page = web.get("/staff/audit?action=x.y")
    assert page.status_code == 200
    assert titles(page.text) == ["x.y"] * 3
    assert "&lt;b&gt;fett&lt;/b&gt;" in page.text and "<b>fett" not in page.text
    assert '{"a": 1}' in page.text.replace("&#34;", '"')
    assert web.get("/staff/audit/export?action=x.y").status_code == 200


def test_in_her_language(site: Site, web: TestClient) -> None:
    accounts(site.runtime).set_language(site.admin, "en")
    login_client(web)
    page = web.get("/staff/audit").text
    assert "<h1>Audit log</h1>" in page
    assert titles(page) == ["Message sent", "Person deleted", "Session moved", "Course created"]
    assert "Command line (root)" in page and "nothing heard from her for a long time" in page
    rows = list(csv.reader(io.StringIO(web.get("/staff/audit/export").text.lstrip("\ufeff"))))
    assert rows[0] == ["Time", "Organisation", "Who", "What", "Code", "Details"]


def test_an_admin_of_two_organisations_sees_both_and_can_choose(
    site: Site, web: TestClient
) -> None:
    accounts(site.runtime).set_role(site.admin, site.other, "admin", "test")
    login_client(web)
    page = web.get("/staff/audit").text
    assert '<select id="audit-organisation" name="organisation">' in page
    assert "hoya-geheim" in page and "Termin verschoben" in page
    assert "Hoya hilft e.V." in page  # each entry names its organisation
    only = web.get(f"/staff/audit?organisation={site.other}").text
    assert "hoya-geheim" in only and "Termin verschoben" not in only
    # Only where she is admin: as a coordinator there she sees none of its entries.
    accounts(site.runtime).set_role(site.admin, site.other, "coordinator", "test")
    assert "hoya-geheim" not in web.get("/staff/audit").text
    assert titles(web.get(f"/staff/audit?organisation={site.other}").text) == []


def test_a_course_code_links_to_its_course(site: Site, web: TestClient) -> None:
    with site.runtime.db.begin() as conn:
        record(
            conn,
            utc("2026-11-30T08:50"),
            f"staff:{site.admin}",
            "course.edit",
            {"id": site.course, "code": "a2-hoya", "title": {"de": "Deutsch A2"}},
            organisation_id=site.demo,
        )
    login_client(web)
    page = web.get("/staff/audit?action=course.edit").text
    assert titles(page) == ["Kurs geändert"]
    assert f'<a href="/staff/courses/{site.course}">a2-hoya</a>' in page


def test_moments_in_the_details_are_shown_in_local_time(site: Site, web: TestClient) -> None:
    with site.runtime.db.begin() as conn:
        record(
            conn,
            utc("2026-11-30T08:50"),
            "cli:root",
            "session.move",
            {"session": site.session, "from": "2026-12-03 08:00:00+00:00", "to": "gestern"},
            organisation_id=site.demo,
        )
    login_client(web)
    page = web.get("/staff/audit?since=2026-11-30&action=session.move").text
    assert "<dd>03.12.26, 09:00</dd>" in page and "<dd>gestern</dd>" in page
    assert f'<a href="/staff/attendance/sessions/{site.session}">#{site.session}</a>' in page


def test_an_empty_log_says_so(site: Site, web: TestClient) -> None:
    with site.runtime.db.begin() as conn:
        conn.execute(delete(audit))
    login_client(web)
    assert "Noch keine Einträge." in web.get("/staff/audit").text
    assert "Keine Einträge für diese Auswahl." in web.get("/staff/audit?actor=cli").text
