"""Courses, session reminders, quiet hours, the daily cap, move/cancel, attendance, the CLI.

Time is a frozen clock (no sleeping).  The database tests run on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from bot.db.models import AuditEntry, Nudge, OutboxMessage
from bot.features.courses.reminders import due_time, planned_reminders, rule_moment
from bot.features.courses.service import CourseError
from bot.localtime import LocalTimeError, parse_local
from bot.nudges.daily_cap import OrgTimes
from bot.nudges.quiet_hours import is_quiet, outside_quiet_hours
from bot.runtime import Runtime
from scheduler.due import fire_due
from tests.auxil.clock import FrozenClock
from tests.auxil.constants import TEST_SECRET
from tests.auxil.courses import (
    course_with,
    enrolled_amina,
    person_of,
    reminder_payload,
    rows,
    service_of,
)
from tests.auxil.inbox import add_staff, inbox_of, messages_of, organisation_id, threads_of
from tests.auxil.simulator import Simulator, onboard

BERLIN = OrgTimes("Europe/Berlin", "20:00", "08:00")
nudges = Nudge.__table__
outbox = OutboxMessage.__table__


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# ---- pure: rules, daylight saving, quiet hours ---------------------------------------------------


def test_reminders_for_the_monday_after_the_spring_clock_change() -> None:
    """Clocks go forward on Sunday 29 March 2026: the day before at 17:00 is 15:00 UTC, not 16:00."""
    start = parse_local("2026-03-30 09:00", "Europe/Berlin")
    assert start == utc(2026, 3, 30, 7, 0)
    now = utc(2026, 3, 1, 9, 0)
    assert due_time("1d@17:00", start, BERLIN, now) == utc(2026, 3, 29, 15, 0)
    # Two hours before is 07:00 local: quiet, so the morning at 08:00 local (06:00 UTC).
    assert rule_moment("2h", start, "Europe/Berlin") == utc(2026, 3, 30, 5, 0)
    assert due_time("2h", start, BERLIN, now) == utc(2026, 3, 30, 6, 0)


def test_reminders_for_the_monday_after_the_autumn_clock_change() -> None:
    """Clocks go back on Sunday 25 October 2026: 17:00 local is then 16:00 UTC."""
    start = parse_local("2026-10-26 09:00", "Europe/Berlin")
    assert start == utc(2026, 10, 26, 8, 0)
    now = utc(2026, 10, 1, 9, 0)
    assert due_time("1d@17:00", start, BERLIN, now) == utc(2026, 10, 25, 16, 0)
    assert due_time("2h", start, BERLIN, now) == utc(2026, 10, 26, 7, 0)  # 08:00 local
    # A session on the Saturday before still has summer time for both.
    saturday = parse_local("2026-10-24 10:00", "Europe/Berlin")
    assert due_time("1d@17:00", saturday, BERLIN, now) == utc(2026, 10, 23, 15, 0)


def test_quiet_hours_move_a_nudge_to_the_morning_or_the_evening_before() -> None:
    tz = "Europe/Berlin"
    assert is_quiet(utc(2026, 12, 1, 19, 30), tz, "20:00", "08:00")  # 20:30 local
    assert not is_quiet(utc(2026, 12, 1, 7, 0), tz, "20:00", "08:00")  # 08:00 local
    # 23:00 local → 08:00 local next morning.
    assert outside_quiet_hours(utc(2026, 12, 1, 22, 0), tz, "20:00", "08:00") == utc(
        2026, 12, 2, 7, 0
    )
    # A session at 07:30: two hours before is 05:30 (quiet) and the morning is too late,
    # so the reminder goes out the evening before, half an hour before the quiet hours.
    start = parse_local("2026-12-02 07:30", tz)
    assert due_time("2h", start, BERLIN, utc(2026, 11, 30, 9, 0)) == utc(2026, 12, 1, 18, 30)
    # Quiet hours are the organisation's: 22:00–06:00 lets 21:00 through.
    late = OrgTimes(tz, "22:00", "06:00")
    assert due_time("1d@21:00", start, late, utc(2026, 11, 30, 9, 0)) == utc(2026, 12, 1, 20, 0)


def test_reminders_that_quiet_hours_push_together_become_one() -> None:
    tz = "Europe/Berlin"
    before = utc(2026, 11, 30, 9, 0)
    # 07:30: "2 hours before" moves to 19:30 the evening before, 2½ hours after "17:00".
    early = parse_local("2026-12-02 07:30", tz)
    assert planned_reminders(["1d@17:00", "2h"], early, BERLIN, before) == [
        ("2h", utc(2026, 12, 1, 18, 30))
    ]
    # 10:00: 17:00 the day before and 08:00 on the day stay two reminders.
    later = parse_local("2026-12-02 10:00", tz)
    assert planned_reminders(["1d@17:00", "2h"], later, BERLIN, before) == [
        ("1d@17:00", utc(2026, 12, 1, 16, 0)),
        ("2h", utc(2026, 12, 2, 7, 0)),
    ]
    # Rules set close together on purpose both stay.
    assert [rule for rule, _ in planned_reminders(["2h", "1h"], later, BERLIN, before)] == [
        "2h",
        "1h",
    ]


def test_times_that_do_not_exist_or_are_malformed_are_refused() -> None:
    with pytest.raises(LocalTimeError, match="does not exist"):
        parse_local("2026-03-29 02:30", "Europe/Berlin")
    with pytest.raises(LocalTimeError, match="YYYY-MM-DD HH:MM"):
        parse_local("1.12.2026 9 Uhr", "Europe/Berlin")


# ---- with a database -------------------------------------------------------------------------


def test_session_reminders_go_to_consenting_people_only(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    onboard(Simulator(client, "amina"))
    Simulator(client, "stranger").send("/start")  # no consent yet
    quitter = Simulator(client, "quitter")
    onboard(quitter, name="Olga")
    quitter.send("/stop")  # opted out: her data stays, nothing is sent
    amina, stranger, olga = (person_of(runtime, u) for u in ("amina", "stranger", "quitter"))
    service = service_of(runtime, clock)
    course_with(service)
    assert service.enrol("a2-hoya", [amina, stranger, olga, 99999])["unknown"] == [99999]

    added = service.add_session(
        "a2-hoya", "2026-12-03 09:00", "2026-12-03 12:00", "VHS Hoya", "Bahnhofstr. 1"
    )

    assert added["start"] == "2026-12-03 09:00"
    pending = service.pending_nudges()
    assert {n["person"] for n in pending} == {amina}
    assert [(n["due"], n["rule"]) for n in pending] == [
        ("2026-12-02 17:00", "1d@17:00"),
        ("2026-12-03 08:00", "2h"),  # 07:00 is quiet: moved to the morning
    ]
    keys = sorted(r["idempotency_key"] for r in rows(runtime, nudges))
    assert keys[0].startswith(f"reminder:{added['id']}:{amina}:1d@17:00:")
    # Enrolling again or scheduling twice adds nothing.
    assert service.enrol("a2-hoya", [amina])["already"] == [amina]
    assert len(rows(runtime, nudges)) == 2
    actions = [r["action"] for r in rows(runtime, AuditEntry.__table__)]
    assert actions == ["course.create", "course.enrol", "session.add"]


@pytest.mark.parametrize(
    ("language", "coming", "cannot", "childcare", "expected"),
    [
        ("Deutsch", "✅ Ich komme", "❌ Ich kann nicht", "👶 Kinderbetreuung", "Donnerstag"),
        ("فارسی", "✅ می‌آیم", "❌ نمی‌توانم", "👶 نگهداری از بچه", "پنجشنبه"),
    ],
)
def test_reminder_and_answers_through_the_simulator(
    runtime: Runtime,
    client: TestClient,
    clock: FrozenClock,
    language: str,
    coming: str,
    cannot: str,
    childcare: str,
    expected: str,
) -> None:
    sim = Simulator(client, "leyla")
    onboard(sim, language=language, name="Leyla")
    person = person_of(runtime, "leyla")
    service = service_of(runtime, clock)
    course_with(service)
    service.enrol("a2-hoya", [person])
    first = service.add_session(
        "a2-hoya",
        "2026-12-03 09:00",
        "2026-12-03 12:00",
        "VHS Hoya",
        "Bahnhofstr. 1",
        "Bus 31 bis Haltestelle Bahnhof",
    )
    second = service.add_session("a2-hoya", "2026-12-10 09:00", "2026-12-10 12:00", "VHS Hoya")

    clock.now = utc(2026, 12, 2, 16, 0)  # 17:00 in Berlin
    assert fire_due(runtime.db, runtime.turns, clock) == 1
    sim.last = [reminder_payload(runtime, person)]
    text = sim.text()
    assert expected in text and "VHS Hoya, Bahnhofstr. 1" in text and "Bus 31" in text
    # What a WhatsApp template outside the 24-hour window is filled with.
    values = reminder_payload(runtime, person)["values"]
    assert values["name"] == "Leyla" and values["place"] == "VHS Hoya, Bahnhofstr. 1"
    assert expected in values["date"] and values["course"]
    assert sim.labels() == [coming, cannot]
    sim.press(cannot)
    assert len(sim.labels()) == 5
    thanks = sim.press(childcare)
    assert thanks and not thanks[-1]["choices"]
    assert [(r["intention"], r["reason"]) for r in service.attendance(first["id"])] == [
        ("not_coming", "childcare")
    ]
    # Childcare is something the team can help with: it lands in the inbox.
    [thread] = threads_of(runtime, person)
    assert thread["reason"] == "not_coming"
    [message] = messages_of(runtime, thread["id"])
    assert message["text"].startswith(childcare) and "A2" in message["text"]
    # The team answers and closes; her next reminder comes as before.
    coordinator = add_staff(runtime, "maria@vnb.example", organisation_id(runtime))
    inbox_of(runtime).close(coordinator, thread["id"])

    clock.now = utc(2026, 12, 9, 16, 0)
    fire_due(runtime.db, runtime.turns, clock)
    sim.last = [reminder_payload(runtime, person)]
    sim.press(coming)
    assert [r["intention"] for r in service.attendance(second["id"])] == ["coming"]
    assert [r["reason"] for r in service.attendance(first["id"])] == ["childcare"]


def test_a_reminder_whose_session_began_is_missed_not_sent_late(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    _person, service = enrolled_amina(runtime, client, clock)
    service.add_session("a2-hoya", "2026-12-03 09:00", "2026-12-03 12:00", "VHS Hoya")
    before = len(rows(runtime, outbox))

    clock.now = utc(2026, 12, 3, 8, 30)  # the process was down; the session began at 08:00 UTC
    assert fire_due(runtime.db, runtime.turns, clock) == 2
    assert sorted(r["status"] for r in rows(runtime, nudges)) == ["missed", "missed"]
    assert len(rows(runtime, outbox)) == before


def test_move_and_cancel_tell_everyone_and_reschedule(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    onboard(Simulator(client, "amina"))
    onboard(Simulator(client, "darya"), language="فارسی", name="Darya")
    amina, darya = person_of(runtime, "amina"), person_of(runtime, "darya")
    service = service_of(runtime, clock)
    course_with(service)
    service.enrol("a2-hoya", [amina, darya])
    session = service.add_session("a2-hoya", "2026-12-03 09:00", "2026-12-03 12:00", "VHS Hoya")
    old_keys = {r["idempotency_key"] for r in rows(runtime, nudges)}

    moved = service.move_session(session["id"], "2026-12-04 14:00")

    assert (moved["start"], moved["end"], moved["told"]) == (
        "2026-12-04 14:00",
        "2026-12-04 17:00",
        2,
    )
    notices = {r["person_id"]: r for r in rows(runtime, outbox, outbox.c.kind == "course")}
    assert "Donnerstag, 3. Dezember 2026" in notices[amina]["payload"]["text"]
    assert "Freitag, 4. Dezember 2026" in notices[amina]["payload"]["text"]
    assert notices[darya]["payload"]["language"] == "fa" and notices[darya]["payload"]["rtl"]
    assert "جمعه" in notices[darya]["payload"]["text"]
    pending = service.pending_nudges(amina)
    assert [n["due"] for n in pending] == ["2026-12-03 17:00", "2026-12-04 12:00"]
    assert not old_keys & {r["idempotency_key"] for r in rows(runtime, nudges)}

    cancelled = service.cancel_session(session["id"], "Lehrerin krank")

    assert cancelled["status"] == "cancelled" and cancelled["told"] == 2
    assert service.pending_nudges() == []
    # (a message already on her screen keeps no text in the outbox: only pending ones)
    waiting = rows(runtime, outbox, outbox.c.person_id == amina, outbox.c.status == "pending")
    texts = [r["payload"]["text"] for r in waiting]
    assert any("fällt aus" in t for t in texts)
    with pytest.raises(CourseError, match="cancelled already"):
        service.cancel_session(session["id"], "again")


def test_at_most_three_nudges_a_day_and_the_nearest_session_wins(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    person, service = enrolled_amina(runtime, client, clock)
    ids = {}
    for hour in (16, 14, 12, 10):  # the latest first: the cap must still favour the nearest
        ids[hour] = service.add_session(
            "a2-hoya", f"2026-12-03 {hour}:00", f"2026-12-03 {hour + 1}:00", "VHS Hoya"
        )["id"]

    listed = service.pending_nudges(person)
    capped = [(n["session"], n["due"]) for n in listed if n["status"] == "capped"]
    assert capped == [(ids[16], "2026-12-02 17:00"), (ids[16], "2026-12-03 14:00")]
    assert sum(n["status"] == "pending" for n in listed) == 6

    service.cancel_session(ids[10], "Raum belegt")  # frees a place on both days
    assert {n["status"] for n in service.pending_nudges(person)} == {"pending"}
    assert len(service.pending_nudges(person)) == 6

    clock.now = utc(2026, 12, 2, 16, 0)
    assert fire_due(runtime.db, runtime.turns, clock) == 3


def test_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.cli import app

    monkeypatch.setenv("TWC_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.setenv("TWC_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("TWC_ENVIRONMENT", "test")
    runner = CliRunner()

    def twc(*args: str) -> str:
        result = runner.invoke(app, list(args))
        assert result.exit_code == 0, result.output
        return result.output

    twc("demo", "load")
    twc(
        "courses",
        "create",
        "nahen-2027",
        "--title",
        "de=Nähen",
        "--title",
        "en=Sewing",
        "--reminder",
        "1d@18:00",
        "--reminder",
        "3h",
    )
    courses = json.loads(twc("courses", "list", "--json"))
    sewing = next(c for c in courses if c["code"] == "nahen-2027")
    assert sewing["title"] == {"de": "Nähen", "en": "Sewing"}
    assert sewing["reminders"] == ["1d@18:00", "3h"]
    assert "Session" in twc(
        "sessions",
        "add",
        "nahen-2027",
        "--start",
        "2027-03-29 09:00",
        "--end",
        "2027-03-29 11:00",
        "--place",
        "Treff Hoya",
        "--directions",
        "Bus 31",
        "--childcare",
    )
    (session,) = json.loads(twc("sessions", "list", "nahen-2027", "--json"))
    assert (session["start"], session["childcare"]) == ("2027-03-29 09:00", True)
    assert "place" in twc(
        "sessions", "edit", str(session["id"]), "--transit-line", "Bus 31", "--place", "Rathaus"
    )
    assert (
        json.loads(twc("sessions", "preview", str(session["id"]), "cancel", "--json")) == []
    )  # nobody is enrolled
    # Refusals are a plain sentence and exit code 1, never a traceback.
    past = runner.invoke(
        app,
        [
            "sessions",
            "add",
            "nahen-2027",
            "--start",
            "2020-03-02 09:00",
            "--end",
            "2020-03-02 11:00",
            "--place",
            "x",
        ],
    )
    assert past.exit_code == 1 and "in the past" in past.output
    assert "Traceback" not in past.output
    into_the_past = runner.invoke(
        app, ["sessions", "move", str(session["id"]), "--start", "2020-03-02 09:00"]
    )
    assert into_the_past.exit_code == 1 and "in the past" in into_the_past.output
    no_title = runner.invoke(app, ["courses", "create", "x-2027", "--title", "en=Sewing"])
    assert no_title.exit_code == 1 and "default language" in no_title.output
    twc("sessions", "move", str(session["id"]), "--start", "2027-03-30 10:00")
    assert json.loads(twc("sessions", "attendance", str(session["id"]), "--json")) == []
    assert json.loads(twc("nudges", "list", "--json")) == []
    out = tmp_path / "attendance.csv"
    twc("courses", "export-attendance", "nahen-2027", "--out", str(out))
    with out.open(encoding="utf-8") as handle:
        assert next(csv.reader(handle))[:3] == ["session", "start", "place"]
    twc("sessions", "cancel", str(session["id"]), "--reason", "Feiertag")
    bad = runner.invoke(
        app,
        [
            "sessions",
            "add",
            "nahen-2027",
            "--start",
            "2027-03-28 02:30",
            "--end",
            "2027-03-28 04:00",
            "--place",
            "x",
        ],
    )
    assert bad.exit_code == 1 and "does not exist" in bad.output
    assert runner.invoke(app, ["enrol", "nahen-2027", "424242"]).exit_code == 1
