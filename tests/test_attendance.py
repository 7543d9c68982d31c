"""The attendance services on a known data set (``tests/auxil/attendance.py``): a session's
three lists, marking (only after the start, never for a cancelled session, correctable,
audited), scoping, the barrier report's numbers at the period's edges in the organisation's
time zone, and the dashboard's "tomorrow: help needed" with the frozen clock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient
from typer.testing import CliRunner

from bot.db.tables import attendance_marks, audit
from bot.erasure import Eraser
from bot.features.attendance.service import (
    AttendanceService,
    MarkingError,
    NotFoundError,
    Period,
    months_before,
)
from bot.runtime import Runtime
from bot.staff.principal import StaffUser
from bot.web.app import create_app
from scheduler.due import fire_due
from tests.auxil.attendance import DataSet, known_data
from tests.auxil.clock import FrozenClock
from tests.auxil.constants import TEST_SECRET
from tests.auxil.courses import course_with, person_of, reminder_payload, service_of
from tests.auxil.people import DEMO, organisation_id, principal
from tests.auxil.simulator import Simulator, onboard
from tests.auxil.staff import PASSWORD, add_staff, login_client


@pytest.fixture
def data(runtime: Runtime, clock: FrozenClock) -> DataSet:
    return known_data(runtime, clock())


def coordinator(runtime: Runtime, data: DataSet, clock: FrozenClock) -> StaffUser:
    return principal(runtime, "maria@vnb.example", {data.demo: "coordinator"}, clock())


def names(people: list) -> list[str]:  # type: ignore[type-arg]
    return [p.name for p in people]


def test_a_session_in_three_lists_with_reasons_and_marks(
    runtime: Runtime, clock: FrozenClock, data: DataSet
) -> None:
    service = AttendanceService(runtime.db, clock)
    view = service.session(coordinator(runtime, data, clock), data.s["s1"])
    assert names(view.coming) == ["Maria"]
    assert [(p.name, p.reason) for p in view.not_coming] == [
        ("Amina", "childcare"),
        ("Zahra", "transport"),
    ]
    assert names(view.no_answer) == ["Lena", "Olga", "Sara"]
    assert view.started and view.markable
    assert (view.present, view.absent, view.unmarked) == (2, 2, 2)
    assert [p.attend_help for p in view.not_coming] == [("childcare",), ("transport",)]


def test_marking_after_the_start_corrects_and_audits(
    runtime: Runtime, clock: FrozenClock, data: DataSet
) -> None:
    staff = coordinator(runtime, data, clock)
    service = AttendanceService(runtime.db, clock)
    s7, amina, sara = data.s["s7"], data.people["amina"], data.people["sara"]
    assert service.mark(staff, s7, amina, True).present is True
    assert service.mark(staff, s7, sara, True).present is True
    service.mark(staff, s7, sara, True)  # a double tap changes nothing
    assert service.mark(staff, s7, sara, False).present is False  # corrected
    view = service.session(staff, s7)
    assert (view.present, view.absent) == (1, 1)
    with runtime.db.connect() as conn:
        rows = conn.execute(
            select(attendance_marks).where(attendance_marks.c.session_id == s7)
        ).all()
        entries = conn.execute(
            select(audit).where(audit.c.action == "attendance.mark").order_by(audit.c.id)
        ).all()
    assert sorted((r.person_id, r.present, r.marked_by) for r in rows) == sorted(
        [(amina, True, staff.actor), (sara, False, staff.actor)]
    )
    assert [(e.details["people"], e.details["present"], e.details["before"]) for e in entries] == [
        ([amina], True, None),
        ([sara], True, None),
        ([sara], False, True),
    ]
    assert {e.organisation_id for e in entries} == {data.demo}
    assert {e.actor for e in entries} == {staff.actor}


def test_no_marking_before_the_start_or_for_a_cancelled_session(
    runtime: Runtime, clock: FrozenClock, data: DataSet
) -> None:
    staff = coordinator(runtime, data, clock)
    service = AttendanceService(runtime.db, clock)
    amina = data.people["amina"]
    with pytest.raises(MarkingError) as early:
        service.mark(staff, data.s["s4"], amina, True)
    assert early.value.code == "not_started"
    assert not service.session(staff, data.s["s4"]).markable
    with pytest.raises(MarkingError) as cancelled:
        service.mark(staff, data.s["s5"], amina, True)
    assert cancelled.value.code == "cancelled"
    # At the start, marking opens.
    clock.now = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    assert service.mark(staff, data.s["s4"], amina, True).present is True


def test_another_organisation_is_not_found(
    runtime: Runtime, clock: FrozenClock, data: DataSet
) -> None:
    service = AttendanceService(runtime.db, clock)
    ours = coordinator(runtime, data, clock)
    theirs = principal(runtime, "hoya@hilft.example", {data.other: "admin"}, clock())
    with pytest.raises(NotFoundError):
        service.session(theirs, data.s["s1"])
    with pytest.raises(NotFoundError):
        service.mark(theirs, data.s["s7"], data.people["amina"], True)
    with pytest.raises(NotFoundError):
        service.session(ours, data.s["s9"])
    with pytest.raises(NotFoundError):  # not enrolled in the course
        service.mark(ours, data.s["s7"], data.people["amira"], True)
    with pytest.raises(NotFoundError):
        service.barriers(ours, Period(date(2026, 9, 1), date(2026, 11, 30)), data.course_a + 999)
    assert service.session(theirs, data.s["s9"]).not_coming[0].name == "Amira"


def test_barrier_counts_on_the_known_data_set(
    runtime: Runtime, clock: FrozenClock, data: DataSet
) -> None:
    service = AttendanceService(runtime.db, clock)
    staff = coordinator(runtime, data, clock)
    report = service.barriers(staff, Period(date(2026, 9, 1), date(2026, 11, 30)))
    # s1, s2, s3 (1 Sep 00:30 in Berlin, 31 Aug in UTC) and s6; s5 was cancelled, s4 is
    # 1 Dec in Berlin (30 Nov in UTC); s7 is today but has no marks and no absences.
    assert report.sessions_held == 5
    assert report.said == {"childcare": 1, "transport": 2, "ill": 1, "other": 1, "skip": 2}
    assert report.marked == {"childcare": 1, "transport": 0, "ill": 0, "other": 0, "skip": 2}
    # Zahra said "transport" for s1 but was there: not an absence.
    assert report.absences == {"childcare": 1, "transport": 1, "ill": 1, "other": 1, "skip": 3}
    assert report.enrolled == 6
    assert report.asked_help == {"childcare": 3, "transport": 2}
    assert [c.session_id for c in report.childcare_sessions] == [data.s["s2"]]
    assert [(r.session_id, r.present, r.enrolled) for r in report.rates] == [
        (data.s["s1"], 2, 6),
        (data.s["s6"], 0, 1),
    ]
    assert (report.present, report.expected) == (2, 7)


def test_the_period_edges_are_the_organisations_dates(
    runtime: Runtime, clock: FrozenClock, data: DataSet
) -> None:
    service = AttendanceService(runtime.db, clock)
    staff = coordinator(runtime, data, clock)
    # From 2 September: s3 (1 September in Berlin) is out, though it is 31 August in UTC.
    later = service.barriers(staff, Period(date(2026, 9, 2), date(2026, 11, 30)))
    assert later.said["other"] == 0
    # To 31 August: s3 is out (its Berlin date is 1 September).
    august = service.barriers(staff, Period(date(2026, 8, 1), date(2026, 8, 31)))
    assert august.sessions_held == 0 and sum(august.said.values()) == 0
    # To 1 December: s4 (00:30 in Berlin) is in, with Maria's "childcare".
    december = service.barriers(staff, Period(date(2026, 9, 1), date(2026, 12, 1)))
    assert december.said["childcare"] == 2
    assert data.s["s4"] in [c.session_id for c in december.childcare_sessions]
    # One course only.
    b1 = service.barriers(staff, Period(date(2026, 9, 1), date(2026, 11, 30)), data.course_b)
    assert (b1.sessions_held, b1.said["skip"], b1.marked["skip"], b1.enrolled) == (1, 1, 1, 1)
    assert b1.asked_help == {"childcare": 1, "transport": 1}
    # The other organisation sees only its own.
    theirs = principal(runtime, "hoya@hilft.example", {data.other: "admin"}, clock())
    own = service.barriers(theirs, Period(date(2026, 9, 1), date(2026, 11, 30)))
    assert (own.said["childcare"], own.marked["childcare"], own.enrolled) == (1, 1, 1)


def test_the_default_period_is_the_last_three_months(
    runtime: Runtime, clock: FrozenClock, data: DataSet
) -> None:
    service = AttendanceService(runtime.db, clock)
    period = service.default_period(coordinator(runtime, data, clock))
    assert period == Period(date(2026, 8, 30), date(2026, 11, 30))
    assert months_before(date(2026, 5, 31), 3) == date(2026, 2, 28)
    assert months_before(date(2026, 1, 15), 3) == date(2025, 10, 15)


def test_tomorrow_help_needed_in_the_organisations_time_zone(
    runtime: Runtime, clock: FrozenClock, data: DataSet
) -> None:
    service = AttendanceService(runtime.db, clock)
    staff = coordinator(runtime, data, clock)
    # Monday 10:00 in Berlin: tomorrow is Tuesday 1 December, s4 at 00:30 (Monday in UTC).
    tomorrow = service.help_tomorrow(staff)
    p = data.people
    assert [(h.name, h.asked, h.said, h.session_id) for h in tomorrow.items] == [
        ("Amina", ("childcare",), None, data.s["s4"]),
        ("Lena", ("childcare", "transport"), None, data.s["s4"]),
        ("Maria", (), "childcare", data.s["s4"]),
        ("Zahra", ("transport",), None, data.s["s4"]),
    ]  # not Sara (asked for nothing), not Olga (opted out)
    assert tomorrow.total == 4 and tomorrow.items[0].childcare
    assert p["sara"] not in [h.person_id for h in tomorrow.items]
    # 00:10 on Tuesday in Berlin (still Monday in UTC): tomorrow is Wednesday, s8.
    clock.now = datetime(2026, 11, 30, 23, 10, tzinfo=UTC)
    assert {h.session_id for h in service.help_tomorrow(staff).items} == {data.s["s8"]}
    # The other organisation sees none of them.
    theirs = principal(runtime, "hoya@hilft.example", {data.other: "admin"}, clock())
    assert service.help_tomorrow(theirs).total == 0


# ---- the pages over HTTP ----------------------------------------------------------------------


@pytest.fixture
def web(sqlite_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(sqlite_runtime, background=False)) as client:
        yield client


def test_the_session_page_marks_with_htmx_and_without(
    sqlite_runtime: Runtime, clock: FrozenClock, web: TestClient
) -> None:
    data = known_data(sqlite_runtime, clock())
    token = login_client(web)
    s7, amina, sara = data.s["s7"], data.people["amina"], data.people["sara"]
    page = web.get(f"/staff/attendance/sessions/{s7}")
    assert page.status_code == 200
    assert f'href="/staff/courses/{data.course_a}"' in page.text
    assert "Fahrt / Verkehr" in page.text and 'aria-pressed="false"' in page.text
    # htmx: only her row comes back, with the counts out of band.
    row = web.post(
        f"/staff/attendance/sessions/{s7}/people/{amina}",
        data={"present": "yes", "csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert row.status_code == 200
    assert row.text.count('<li id="person-') == 1 and f'id="person-{amina}"' in row.text
    assert 'value="yes" aria-pressed="true"' in row.text
    assert 'hx-swap-oob="true"' in row.text and "<strong>1</strong> da" in row.text
    assert "<html" not in row.text
    # Without JavaScript: a normal POST, back to the page at her row.
    plain = web.post(
        f"/staff/attendance/sessions/{s7}/people/{sara}",
        data={"present": "no", "csrf_token": token},
        follow_redirects=False,
    )
    assert plain.status_code == 303
    assert plain.headers["location"] == f"/staff/attendance/sessions/{s7}#person-{sara}"
    view = AttendanceService(sqlite_runtime.db, clock).session(
        principal(sqlite_runtime, "x@vnb.example", {data.demo: "coordinator"}, clock()), s7
    )
    assert (view.present, view.absent) == (1, 1)
    # Without the CSRF token: refused before anything is stored.
    refused = web.post(f"/staff/attendance/sessions/{s7}/people/{amina}", data={"present": "no"})
    assert refused.status_code == 403
    # Nonsense is a clean 400.
    bad = web.post(
        f"/staff/attendance/sessions/{s7}/people/{amina}",
        data={"present": "maybe", "csrf_token": token},
    )
    assert bad.status_code == 400


def test_before_the_start_cancelled_and_other_organisations(
    sqlite_runtime: Runtime, clock: FrozenClock, web: TestClient
) -> None:
    data = known_data(sqlite_runtime, clock())
    token = login_client(web)
    future = web.get(f"/staff/attendance/sessions/{data.s['s4']}")
    assert "Der Termin hat noch nicht begonnen" in future.text
    assert "aria-pressed" not in future.text
    early = web.post(
        f"/staff/attendance/sessions/{data.s['s4']}/people/{data.people['amina']}",
        data={"present": "yes", "csrf_token": token},
    )
    assert early.status_code == 409 and "noch nicht begonnen" in early.text
    reload = web.post(
        f"/staff/attendance/sessions/{data.s['s5']}/people/{data.people['amina']}",
        data={"present": "yes", "csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert (reload.status_code, reload.headers["hx-refresh"]) == (409, "true")
    cancelled = web.get(f"/staff/attendance/sessions/{data.s['s5']}")
    assert "Dieser Termin ist abgesagt" in cancelled.text and "aria-pressed" not in cancelled.text
    for path in (
        f"/staff/attendance/sessions/{data.s['s9']}",
        "/staff/attendance/sessions/999999",
        f"/staff/barriers?course={data.course_a + 999}",
        "/staff/barriers?course=abc",
    ):
        assert web.get(path).status_code == 404, path
    theirs = web.post(
        f"/staff/attendance/sessions/{data.s['s9']}/people/{data.people['amira']}",
        data={"present": "yes", "csrf_token": token},
    )
    assert theirs.status_code == 404


def test_the_barrier_page_and_its_period(
    sqlite_runtime: Runtime, clock: FrozenClock, web: TestClient
) -> None:
    data = known_data(sqlite_runtime, clock())
    login_client(web)
    page = web.get("/staff/barriers")
    assert page.status_code == 200
    assert 'value="2026-08-30"' in page.text and 'value="2026-11-30"' in page.text
    assert "Amina" not in page.text  # counts only
    assert "Da waren 2 von 7 angemeldeten Personen (29" in page.text
    one = web.get(f"/staff/barriers?course={data.course_b}&from=2026-09-01&to=2026-11-30")
    assert "1 Person ist angemeldet." in one.text
    assert f'<option value="{data.course_b}" selected>' in one.text
    for query, message in (
        ("from=2026-12-01&to=2026-09-01", "liegt nach"),
        ("from=gestern&to=2026-09-01", "gültige Daten"),
        ("from=0202-01-01&to=2026-09-01", "zu lang"),
    ):
        answer = web.get(f"/staff/barriers?{query}")
        assert answer.status_code == 400 and message in answer.text, query
        assert "Gezeigt werden die letzten drei Monate." in answer.text


def test_the_dashboard_panel(sqlite_runtime: Runtime, clock: FrozenClock, web: TestClient) -> None:
    data = known_data(sqlite_runtime, clock())
    login_client(web)
    dashboard = web.get("/staff/")
    assert "Morgen: Hilfe nötig" in dashboard.text
    assert "4 Personen brauchen vielleicht Hilfe, um morgen zu kommen." in dashboard.text
    assert f'href="/staff/people/{data.people["maria"]}"' in dashboard.text
    assert "kommt nicht: Kinderbetreuung" in dashboard.text
    assert "mit Kinderbetreuung" in dashboard.text
    assert f'href="/staff/attendance/sessions/{data.s["s4"]}"' in dashboard.text
    # On Wednesday, tomorrow is Thursday: the demo course's session, with nobody enrolled.
    clock.now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # tomorrow: Thursday, no session
    assert "Morgen: Hilfe nötig" not in web.get("/staff/").text


# ---- her data ---------------------------------------------------------------------------------


def test_marks_are_in_her_data_and_go_with_her(
    runtime: Runtime, clock: FrozenClock, data: DataSet
) -> None:
    from bot.features.my_data.export import as_json, as_text
    from bot.features.my_data.gather import gather

    with runtime.db.connect() as conn:
        found = gather(conn, data.people["amina"], clock())
    assert found is not None
    assert [(m.session_id, m.present) for m in found.marks] == [(data.s["s1"], False)]
    document = as_json(found, clock())
    assert [m["present"] for m in document["attendance_marks"]] == [False]
    text = as_text(found, runtime.flow_engine, "de", clock())
    assert "✅ Waren Sie da? (vom Team eingetragen)\n• Donnerstag, 1. Oktober 2026" in text
    assert "Deutsch A2 Hoya: nicht da" in text
    staff = coordinator(runtime, data, clock)
    AttendanceService(runtime.db, clock).mark(staff, data.s["s7"], data.people["amina"], True)
    with runtime.db.begin() as conn:
        Eraser().erase(
            conn, data.people["amina"], now=clock(), actor=staff.actor, reason="request"
        )
    with runtime.db.connect() as conn:
        left = conn.execute(
            select(attendance_marks).where(attendance_marks.c.person_id == data.people["amina"])
        ).all()
        entries = conn.execute(select(audit).where(audit.c.action == "attendance.mark")).all()
    assert left == []
    assert [e.details["people"] for e in entries] == [[]]  # the entry stays, her id goes


# ---- the conversation -------------------------------------------------------------------------

#: What she reads after "I can't come: childcare", in Persian and Arabic.
HELP_REPLY = {
    "فارسی": "🙏 ممنون که به ما گفتید.\nجواب شما الان پیش تیم ماست.\nیک نفر از تیم آن را می‌خواند.\n"
    "اگر بتوانیم کمک کنیم، همین‌جا به شما پیام می‌دهیم.",
    "العربية": "🙏 شكرًا لأنكِ أخبرتِنا.\nجوابكِ الآن عند فريقنا.\nشخص من الفريق يقرؤه.\n"
    "إذا استطعنا المساعدة، نكتب لكِ هنا.",
}


@pytest.mark.parametrize("language", ["فارسی", "العربية"])
def test_childcare_answer_reaches_the_dashboard_with_an_honest_reply(
    runtime: Runtime, client: TestClient, clock: FrozenClock, language: str
) -> None:
    sim = Simulator(client, "leyla")
    onboard(sim, language=language, name="Leyla")
    person = person_of(runtime, "leyla")
    service = service_of(runtime, clock)
    course_with(service)
    service.enrol("a2-hoya", [person])
    session = service.add_session("a2-hoya", "2026-12-01 09:00", "2026-12-01 12:00", "VHS Hoya")
    clock.now = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # 17:00 in Berlin: the reminder
    assert fire_due(runtime.db, runtime.turns, clock) == 1
    sim.last = [reminder_payload(runtime, person)]
    sim.press(sim.labels()[1])  # ❌ I can't
    thanks = sim.press(sim.labels()[0])  # 👶 childcare
    assert thanks[-1]["text"] == HELP_REPLY[language]

    staff = principal(
        runtime, "ko@vnb.example", {organisation_id(runtime, DEMO): "admin"}, clock()
    )
    tomorrow = AttendanceService(runtime.db, clock).help_tomorrow(staff)
    assert [(h.person_id, h.said, h.session_id) for h in tomorrow.items] == [
        (person, "childcare", session["id"])
    ]
    with TestClient(create_app(runtime, background=False)) as web:
        add_staff(runtime, "ko@example.org")
        login_client(web, "ko@example.org", PASSWORD)
        dashboard = web.get("/staff/").text
        assert "Morgen: Hilfe nötig" in dashboard and "Leyla" in dashboard
        assert "kommt nicht: Kinderbetreuung" in dashboard
        page = web.get(f"/staff/attendance/sessions/{session['id']}").text
        assert "Leyla" in page and "Kinderbetreuung" in page


def test_the_demo_data_show_something_and_load_once(runtime: Runtime, clock: FrozenClock) -> None:
    from bot.demo import load_attendance_demo

    load_attendance_demo(runtime.db, TEST_SECRET, clock())
    load_attendance_demo(runtime.db, TEST_SECRET, clock())  # nothing twice
    staff = principal(
        runtime, "ko@vnb.example", {organisation_id(runtime, DEMO): "admin"}, clock()
    )
    service = AttendanceService(runtime.db, clock)
    tomorrow = service.help_tomorrow(staff)
    assert [(h.name, h.said) for h in tomorrow.items] == [
        ("Amina", None),
        ("Maryam", "childcare"),
        ("Zahra", None),
    ]
    report = service.barriers(staff, service.default_period(staff))
    assert (report.present, report.expected, report.enrolled) == (5, 10, 5)
    assert report.said == {"childcare": 1, "transport": 1, "ill": 1, "other": 0, "skip": 0}


def test_the_command_line(
    sqlite_url: str, sqlite_runtime: Runtime, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``twc attendance``: the same services, on the demo data of ``twc run --demo``."""
    from bot.cli import app
    from bot.demo import load_attendance_demo

    load_attendance_demo(sqlite_runtime.db, TEST_SECRET, clock())
    monkeypatch.setenv("TWC_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("TWC_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("TWC_ENVIRONMENT", "test")
    monkeypatch.setenv("TWC_CLOCK_START", "2026-11-30T10:00:00+01:00")
    runner = CliRunner()

    def twc(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, list(args))
        assert result.exit_code == code, result.output
        return result.output

    report = json.loads(twc("attendance", "barriers", "--json"))
    assert (report["present"], report["expected"], report["enrolled"]) == (5, 10, 5)
    assert report["absences"]["childcare"] == {"said": 1, "marked_absent": 1, "total": 1}
    session = report["sessions_with_childcare"][0]
    shown = json.loads(twc("attendance", "show", str(session), "--json"))
    ayse = next(row["person"] for row in shown if row["name"] == "Ayşe")
    assert next(row["present"] for row in shown if row["person"] == ayse) is True
    assert "1 marked absent" in twc("attendance", "mark", str(session), str(ayse), "--absent")
    shown = json.loads(twc("attendance", "show", str(session), "--json"))
    assert next(row["present"] for row in shown if row["person"] == ayse) is False
    assert "No session" in twc("attendance", "show", "999999", code=1)
    assert "No course" in twc("attendance", "barriers", "--course", "nope", code=1)
    assert "Attendance demo ready" in twc("demo", "attendance")  # loaded already: nothing twice
    again = json.loads(twc("attendance", "barriers", "--json"))
    assert (again["present"], again["expected"]) == (4, 10)  # Ayşe, corrected above
