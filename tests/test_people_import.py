"""``twc people import``: good, bad and duplicate rows; idempotence; dry run; paper consent.

Runs on SQLite and PostgreSQL (``runtime``); time is a frozen clock.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.consent.checks import with_consent
from bot.db.models import (
    ChannelIdentity,
    ConsentRecord,
    Course,
    CourseSession,
    Enrolment,
    Nudge,
    OutboxMessage,
    Person,
)
from bot.features.courses.reminders import schedule_session
from bot.features.courses.service import CourseService
from bot.features.people_import.importer import PeopleImporter, parse_phone
from bot.identity import lookup_key
from bot.nudges.daily_cap import DAILY_CAP
from bot.nudges.quiet_hours import local_day
from bot.runtime import Runtime
from scheduler.due import fire_due
from tests.auxil.clock import FrozenClock
from tests.auxil.constants import TEST_SECRET

people = Person.__table__
identities = ChannelIdentity.__table__
consents = ConsentRecord.__table__
outbox = OutboxMessage.__table__
nudges = Nudge.__table__
enrolments = Enrolment.__table__
courses = Course.__table__
sessions = CourseSession.__table__

CSV = """name;language;town;whatsapp number;telegram chat id;date of consent given on paper;interests;course
Amina;ar;Hoya;0176 12345678;;20.11.2026;course, jobs;a2-hoya
Darya;fa;Nienburg (Weser);+49 151 2345 6789;556677;2026-11-21;;a2-hoya
Olga;Українська;Uchte;;889900;;meet;
Bad Phone;de;Hoya;12345;;20.11.2026;;
Klingon;tlh;Hoya;0176 99999999;;20.11.2026;;
Bad Date;de;Hoya;0176 88888888;;31.02.2026;;
No Course;de;Hoya;0176 77777777;;20.11.2026;;b1-nowhere
Nobody;de;Hoya;;;20.11.2026;;
Amina again;ar;Hoya;+4917612345678;;20.11.2026;;a2-hoya
Future;de;Hoya;0176 66666666;;24.12.2026;;
"""
PROBLEMS = [
    (5, "bad phone number"),
    (6, "unknown language"),
    (7, "bad consent date"),
    (8, "unknown course"),
    (9, "no channel at all"),
    (10, "duplicate of line 2"),
    (11, "in the future"),
]


def count(runtime: Runtime, table: Any, *where: Any) -> int:
    with runtime.db.connect() as conn:
        return int(
            conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()
        )


def person_by(runtime: Runtime, channel: str, address: str) -> dict[str, Any]:
    with runtime.db.connect() as conn:
        return dict(
            conn.execute(
                select(people)
                .join(identities, identities.c.person_id == people.c.id)
                .where(identities.c.lookup_key == lookup_key(TEST_SECRET, channel, address))
            )
            .mappings()
            .one()
        )


@pytest.fixture
def course(runtime: Runtime, clock: FrozenClock) -> int:
    service = CourseService(runtime.db, runtime.flow_engine.catalogs, clock, "test")
    service.create_course("vnb-nienburg", "a2-hoya", {"de": "Deutsch A2 in Hoya"})
    return int(service.add_session("a2-hoya", "2026-12-03 09:00", "2026-12-03 12:00", "VHS")["id"])


def importer(runtime: Runtime, clock: FrozenClock) -> PeopleImporter:
    return PeopleImporter(runtime.db, TEST_SECRET, runtime.flow_engine.catalogs.languages, clock)


def test_phone_numbers_become_e164() -> None:
    assert parse_phone("0176 12345678", "DE") == "+4917612345678"
    assert parse_phone("+39 312 345 6789", "DE") == "+393123456789"
    assert parse_phone("(0421) 123456", "DE") == "+49421123456"
    with pytest.raises(ValueError, match="bad phone"):
        parse_phone("12345", "DE")


def test_import_good_bad_and_duplicate_rows(
    runtime: Runtime, clock: FrozenClock, course: int, tmp_path: Path
) -> None:
    path = tmp_path / "people.csv"
    path.write_text(CSV, encoding="utf-8")
    seen: list[tuple[int, int]] = []
    before = count(runtime, people)

    report = importer(runtime, clock).run(
        path, "vnb-nienburg", progress=lambda d, t: seen.append((d, t))
    )

    assert [(p.line, r) for p, (_, r) in zip(report.problems, PROBLEMS, strict=True)] == [
        (line, r) for line, r in PROBLEMS
    ]
    for problem, (_, reason) in zip(report.problems, PROBLEMS, strict=True):
        assert reason in problem.reason
    assert (len(report.created), len(report.existing), report.enrolled) == (3, 0, 2)
    assert seen[-1] == (10, 10)
    assert count(runtime, people) == before + 3

    amina = person_by(runtime, "whatsapp", "whatsapp:+4917612345678")
    assert (amina["display_name"], amina["language"], amina["status"]) == ("Amina", "ar", "active")
    assert amina["interests"] == ["course", "jobs"]
    assert amina["consent_given_at"] == datetime(2026, 11, 20, 11, 0, tzinfo=UTC)  # noon in Berlin
    darya = person_by(runtime, "telegram", "556677")
    assert darya == person_by(runtime, "whatsapp", "whatsapp:+4915123456789")
    olga = person_by(runtime, "telegram", "889900")
    assert (olga["language"], olga["status"], olga["consent_given_at"]) == ("uk", "new", None)
    with runtime.db.connect() as conn:
        paper = conn.execute(select(consents).where(consents.c.person_id == amina["id"])).all()
    assert {(c.channel, c.wording_version, c.purpose) for c in paper} == {
        ("paper", "paper", "profile"),
        ("paper", "paper", "messages"),
    }
    assert count(runtime, consents, consents.c.person_id == olga["id"]) == 0
    # Enrolled and reminded like any enrolment: two reminders each for Amina and Darya.
    assert count(runtime, enrolments) == 2
    assert report.reminders == 4
    assert {r for r in _reminded(runtime)} == {amina["id"], darya["id"]}

    # Again: nothing new, the same problems.
    identities_before = count(runtime, identities)
    again = importer(runtime, clock).run(path, "vnb-nienburg")
    assert (len(again.created), sorted(again.existing), again.enrolled, again.reminders) == (
        0,
        sorted([amina["id"], darya["id"], olga["id"]]),
        0,
        0,
    )
    assert [p.line for p in again.problems] == [line for line, _ in PROBLEMS]
    assert count(runtime, people) == before + 3
    assert count(runtime, identities) == identities_before
    assert count(runtime, nudges) == 4


def _reminded(runtime: Runtime) -> set[int]:
    with runtime.db.connect() as conn:
        return set(conn.execute(select(nudges.c.person_id)).scalars())


def test_dry_run_changes_nothing(
    runtime: Runtime, clock: FrozenClock, course: int, tmp_path: Path
) -> None:
    path = tmp_path / "people.csv"
    path.write_text(CSV, encoding="utf-8")
    before = (count(runtime, people), count(runtime, identities), count(runtime, nudges))

    report = importer(runtime, clock).run(path, "vnb-nienburg", dry_run=True)

    assert len(report.created) == 3 and len(report.problems) == len(PROBLEMS)
    assert (count(runtime, people), count(runtime, identities), count(runtime, nudges)) == before


def test_people_without_consent_are_never_reminded(
    runtime: Runtime, clock: FrozenClock, course: int, tmp_path: Path
) -> None:
    """Olga has no consent date: enrolled in the course, she still gets no reminder rows."""
    path = tmp_path / "people.csv"
    path.write_text(
        "name,language,whatsapp number,course\nOlga,uk,0176 12345678,a2-hoya\n", encoding="utf-8"
    )
    report = importer(runtime, clock).run(path, "vnb-nienburg")
    assert report.enrolled == 1 and report.reminders == 0
    olga = report.created[0]
    service = CourseService(runtime.db, runtime.flow_engine.catalogs, clock, "test")
    service.add_session("a2-hoya", "2026-12-04 09:00", "2026-12-04 12:00", "VHS")
    assert olga not in _reminded(runtime)
    clock.now = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)
    fire_due(runtime.db, runtime.turns, clock)
    from bot.db.models import OutboxMessage

    outbox = OutboxMessage.__table__
    assert count(runtime, outbox, outbox.c.person_id == olga) == 0


PURPOSES_CSV = """name;language;whatsapp number;date of consent given on paper;consent purposes;course
Amina;ar;0176 12345678;20.11.2026;messages, mentoring;a2-hoya
Darya;fa;0176 22222222;20.11.2026;;a2-hoya
Leyla;tr;0176 33333333;20.11.2026;newsletter;a2-hoya
Olga;uk;0176 44444444;;messages;a2-hoya
"""


def test_paper_consent_covers_the_purposes_the_file_names(
    runtime: Runtime, clock: FrozenClock, course: int, tmp_path: Path
) -> None:
    """Amina's form says messages and mentoring; Darya's nothing but the profile: only Amina
    is reminded.  An unknown purpose, or purposes without a date, are reported."""
    path = tmp_path / "people.csv"
    path.write_text(PURPOSES_CSV, encoding="utf-8")
    report = importer(runtime, clock).run(path, "vnb-nienburg")

    assert [(p.line, p.reason) for p in report.problems] == [
        (
            4,
            "unknown consent purpose 'newsletter' "
            "(known: profile, messages, mentoring, job_offers, contact_sharing)",
        ),
        (5, "consent purposes without the date of consent given on paper"),
    ]
    amina, darya = report.created
    with runtime.db.connect() as conn:
        paper = conn.execute(
            select(consents.c.person_id, consents.c.purpose).where(
                consents.c.person_id.in_([amina, darya])
            )
        ).all()
        assert with_consent(conn, [amina, darya], "messages") == {amina}
    assert {(r.person_id, r.purpose) for r in paper} == {
        (amina, "profile"),
        (amina, "messages"),
        (amina, "mentoring"),
        (darya, "profile"),
    }
    # Both enrolled, both planned: a reminder is checked when it fires, and only Amina's paper
    # covers messages.
    assert report.enrolled == 2 and _reminded(runtime) == {amina, darya}
    clock.now = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)
    fire_due(runtime.db, runtime.turns, clock)
    with runtime.db.connect() as conn:
        reminded = conn.execute(
            select(outbox.c.person_id).where(outbox.c.kind == "course_reminder")
        ).scalars()
        assert set(reminded) == {amina}


def test_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.cli import app

    monkeypatch.setenv("TWC_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.setenv("TWC_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("TWC_ENVIRONMENT", "test")
    runner = CliRunner()
    assert runner.invoke(app, ["demo", "load"]).exit_code == 0
    path = tmp_path / "people.csv"
    path.write_text(CSV.replace("a2-hoya", "deutsch-a2-nienburg"), encoding="utf-8")

    dry = runner.invoke(app, ["people", "import", str(path), "--dry-run"])
    assert dry.exit_code == 1, dry.output
    assert "line 5: bad phone number" in dry.output and "Dry run" in dry.output
    done = runner.invoke(app, ["people", "import", str(path), "--json"])
    assert json.loads(done.stdout)["created"] == 3
    again = runner.invoke(app, ["people", "import", str(path), "--json"])
    assert (json.loads(again.stdout)["created"], json.loads(again.stdout)["existing"]) == (0, 3)
    missing = runner.invoke(app, ["people", "import", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 2


def test_a_reminder_for_someone_who_opted_out_meanwhile_is_skipped(
    runtime: Runtime, clock: FrozenClock, course: int, tmp_path: Path
) -> None:
    path = tmp_path / "people.csv"
    path.write_text(
        "name,whatsapp number,date of consent given on paper,course\n"
        "Amina,0176 12345678,2026-11-20,a2-hoya\n",
        encoding="utf-8",
    )
    (amina,) = importer(runtime, clock).run(path, "vnb-nienburg").created
    with runtime.db.begin() as conn:
        conn.execute(people.update().where(people.c.id == amina).values(status="opted_out"))
    clock.now = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)
    assert fire_due(runtime.db, runtime.turns, clock) == 2
    with runtime.db.connect() as conn:
        assert set(conn.execute(select(nudges.c.status)).scalars()) == {"skipped"}


def _nudge_rows(conn: Any, names: dict[int, str]) -> set[tuple[Any, ...]]:
    """Every nudge as (her name, kind, key with her name for her id, due, status, payload):
    comparable between runs whatever ids the rows and people got."""
    found = set()
    for row in conn.execute(select(nudges)).mappings():
        name = names[row["person_id"]]
        key = row["idempotency_key"].replace(f":{row['person_id']}:", f":{name}:")
        payload = json.dumps(row["payload"], sort_keys=True)
        found.add((name, row["kind"], key, row["due_at"], row["status"], payload))
    return found


def test_a_large_import_schedules_the_same_reminders_as_one_session_after_the_other(
    runtime: Runtime, clock: FrozenClock, course: int, tmp_path: Path
) -> None:
    """Three hundred rows into a course with four sessions on one day (eight reminders a day,
    more than the daily cap) and one more: the reminders scheduled at once, each woman's days
    capped once, are exactly those of scheduling one session after the other and capping her
    days after each; some women were known already, with a check-in that has to move."""
    service = CourseService(runtime.db, runtime.flow_engine.catalogs, clock, "test")
    for start, end in [
        ("2026-12-03 12:00", "2026-12-03 13:00"),
        ("2026-12-03 15:00", "2026-12-03 16:00"),
        ("2026-12-03 17:30", "2026-12-03 18:30"),
        ("2026-12-07 09:00", "2026-12-07 12:00"),
    ]:
        service.add_session("a2-hoya", start, end, "VHS")
    header = "name,whatsapp number,date of consent given on paper,course\n"
    known = tmp_path / "known.csv"
    known.write_text(
        header + "".join(f"Known {i},0176 5000{i:04d},20.11.2026,\n" for i in range(40)),
        encoding="utf-8",
    )
    first = importer(runtime, clock).run(known, "vnb-nienburg")
    assert len(first.created) == 40
    now = clock()
    with runtime.db.begin() as conn:
        # A check-in for each known woman on the day the reminders crowd: it has to move.
        conn.execute(
            nudges.insert(),
            [
                {
                    "person_id": person_id,
                    "kind": "checkin",
                    "due_at": datetime(2026, 12, 2, 10, 0, tzinfo=UTC),
                    "payload": {},
                    "idempotency_key": f"checkin:test:{person_id}",
                    "status": "pending",
                    "created_at": now,
                }
                for person_id in first.created
            ],
        )
    # Five of them are in the course already (with their reminders).
    service.enrol("a2-hoya", first.created[:5])
    rows = [f"Known {i},0176 5000{i:04d},20.11.2026,a2-hoya" for i in range(30)]
    rows += [
        f"New {i},0176 6000{i:04d},{'' if i % 7 == 0 else '21.11.2026'},"
        f"{'' if i % 5 == 0 else 'a2-hoya'}"
        for i in range(260)
    ]
    rows += ["Bad,12345,20.11.2026,a2-hoya", "Again,0176 60000001,20.11.2026,a2-hoya"]
    path = tmp_path / "many.csv"
    path.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    with runtime.db.connect() as conn:
        before = {row.id: row for row in conn.execute(select(nudges))}

    report = importer(runtime, clock).run(path, "vnb-nienburg")

    assert (len(report.created), len(report.existing), len(report.problems)) == (260, 30, 2)
    assert report.enrolled == 25 + 208
    with runtime.db.connect() as conn:
        names = {row.id: row.display_name for row in conn.execute(select(people))}
        imported = _nudge_rows(conn, names)
        # Whom the import enrolled, in file order.
        enrolled_now = [*report.existing, *report.created]  # (file order; the others left out)
        coming = list(
            conn.execute(
                select(sessions.c.id).where(sessions.c.course_id == _course_id(conn))
            ).scalars()
        )
    assert len(coming) == 5
    # The reference: back to the nudges before the import, then each session after the other.
    with runtime.db.connect() as conn, conn.begin() as transaction:
        conn.execute(nudges.delete().where(nudges.c.id.not_in(list(before))))
        for row in before.values():
            conn.execute(
                nudges.update()
                .where(nudges.c.id == row.id)
                .values(due_at=row.due_at, status=row.status)
            )
        scheduled = sum(
            schedule_session(conn, session_id, now, enrolled_now) for session_id in coming
        )
        expected = _nudge_rows(conn, names)
        transaction.rollback()
    assert report.reminders == scheduled
    assert imported == expected
    # The cap bit, and holds: at most three a day, the rest capped, the check-ins moved on.
    statuses = [status for _n, kind, _k, _d, status, _p in imported if kind == "reminder"]
    assert statuses.count("capped") > 0 and statuses.count("pending") > 0
    per_day: dict[tuple[str, Any], int] = {}
    for name, _kind, _key, due, status, _payload in imported:
        if status == "pending":
            day = local_day(due, "Europe/Berlin")
            per_day[name, day] = per_day.get((name, day), 0) + 1
    assert max(per_day.values()) == DAILY_CAP
    checkins = {name: due for name, kind, _k, due, _s, _p in imported if kind == "checkin"}
    crowded = datetime(2026, 12, 2).date()
    assert all(local_day(checkins[f"Known {i}"], "Europe/Berlin") > crowded for i in range(30))
    assert all(
        local_day(checkins[f"Known {i}"], "Europe/Berlin") == crowded for i in range(30, 40)
    )


def _course_id(conn: Any) -> int:
    return int(conn.execute(select(courses.c.id).where(courses.c.code == "a2-hoya")).scalar_one())


def test_a_known_woman_in_two_rows_is_enrolled_once(
    runtime: Runtime, clock: FrozenClock, course: int, tmp_path: Path
) -> None:
    """Her number in one row, her Telegram id in another: both rows are her (not duplicates
    of each other), and she is enrolled and reminded once."""
    header = "name,whatsapp number,telegram chat id,date of consent given on paper,course\n"
    first = tmp_path / "first.csv"
    first.write_text(header + "Darya,+49 151 2345 6789,556677,20.11.2026,\n", encoding="utf-8")
    (darya,) = importer(runtime, clock).run(first, "vnb-nienburg").created
    again = tmp_path / "again.csv"
    again.write_text(
        header + "Darya,+49 151 2345 6789,,20.11.2026,a2-hoya\nDarya,,556677,,a2-hoya\n",
        encoding="utf-8",
    )

    report = importer(runtime, clock).run(again, "vnb-nienburg")

    assert (report.existing, report.problems, report.enrolled) == ([darya, darya], [], 1)
    assert count(runtime, enrolments, enrolments.c.person_id == darya) == 1
    assert report.reminders == 2 == count(runtime, nudges, nudges.c.person_id == darya)
