"""Restart safety of nudges with real processes: ``twc run`` killed with SIGKILL while
reminders are due; on restart each due reminder is sent exactly once, and a reminder whose
session already began is recorded ``missed``, never sent.

The server runs on the test's clock (the real time, or ``TWC_TEST_NOW`` as ``TWC_CLOCK_START``),
so the test plans sessions relative to that "now", at noon in Berlin on their local days: then
neither reminder ("the day before at 17:00", "2 hours before") falls in the quiet hours
(20:00–08:00) whatever the time of day the test runs at, and none is merged or moved.  It then
turns the organisation's quiet hours off and moves the reminders' due times into the past
directly in the database.  Nothing waits for time to pass: the loops poll the database while a
server works (its sweep runs every five seconds).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from bot.db.connect import make_engine
from bot.db.models import CourseSession, Nudge, Organisation, OutboxMessage
from bot.db.types import configure_cipher
from tests.auxil.clock import wall_now
from tests.auxil.processes import (
    PROCESS_SECRET,
    BotServer,
    Phone,
    bot_environment,
    describe,
    run_twc,
    sqlite_url,
)

pytestmark = pytest.mark.slow

nudges = Nudge.__table__
outbox = OutboxMessage.__table__
sessions = CourseSession.__table__
organisations = Organisation.__table__
USERS = [f"restart-{n}" for n in range(5)]
REMINDER = "📅 Erinnerung"
BERLIN = ZoneInfo("Europe/Berlin")  # the demo organisation's time zone
#: How long a restarted server may take to fire and send everything (sweep every 5 s).
SETTLE_TIMEOUT = 40.0


def onboard(server: BotServer, user: str) -> None:
    phone = Phone(server, user)
    phone.send("/start")
    phone.press("Deutsch")
    phone.press("✅ Ja, einverstanden")
    phone.send(user)
    phone.press("Hoya")
    phone.press("📚 Kurs")
    phone.press("➡️ Fertig")
    phone.press("➡️ Fertig")
    phone.press("🔔 Ja, gerne")
    assert "Willkommen" in phone.text(), phone.text()


def noon_in_berlin(now: datetime, days_later: int) -> datetime:
    """12:00 local time, ``days_later`` local days after ``now``'s, as aware UTC."""
    day = now.astimezone(BERLIN).date() + timedelta(days=days_later)
    return datetime.combine(day, time_of_day(12, 0), BERLIN).astimezone(UTC)


def local(moment: datetime) -> str:
    return moment.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M")


def statuses(database: Path) -> dict[str, int]:
    engine = make_engine(sqlite_url(database))
    with engine.connect() as conn:
        found = dict(
            conn.execute(
                select(nudges.c.status, func.count())
                .where(nudges.c.kind == "reminder")
                .group_by(nudges.c.status)
            ).all()
        )
        found["unsent"] = conn.execute(
            select(func.count())
            .select_from(outbox)
            .where(
                outbox.c.kind.in_(("nudge", "course_reminder")),
                outbox.c.status.not_in(("sent", "in_doubt")),
            )
        ).scalar_one()
    engine.dispose()
    return found


def test_due_reminders_are_sent_exactly_once_across_kill_9(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    env = bot_environment(database)
    with BotServer(database, tmp_path) as first:
        for user in USERS:
            onboard(first, user)
        people = {u: first.transcript(u) for u in USERS}
        first.kill()
    assert all(people.values())

    # A course with a session the day after tomorrow and one that will have begun, both at
    # noon local time: their reminders (the day before at 17:00, 10:00 on the day) are never
    # in the quiet hours, so each session has exactly two, at any time of day.
    now = wall_now()
    coming = noon_in_berlin(now, days_later=2)
    began = noon_in_berlin(now, days_later=4)
    for args in (
        ["courses", "create", "restart-test", "--title", "de=Deutsch A2"],
        [
            "sessions",
            "add",
            "restart-test",
            "--start",
            local(coming),
            "--end",
            local(coming + timedelta(hours=2)),
            "--place",
            "VHS Hoya",
        ],
        [
            "sessions",
            "add",
            "restart-test",
            "--start",
            local(began),
            "--end",
            local(began + timedelta(hours=2)),
            "--place",
            "VHS Hoya",
        ],
    ):
        done = run_twc(args, env)
        assert done.returncode == 0, describe(done)
    configure_cipher(PROCESS_SECRET)
    person_ids = _people(database)
    done = run_twc(["enrol", "restart-test", *map(str, person_ids)], env)
    assert done.returncode == 0, describe(done)
    engine = make_engine(sqlite_url(database))
    with engine.begin() as conn:
        conn.execute(
            update(organisations).values(quiet_hours_start="00:00", quiet_hours_end="00:00")
        )
        conn.execute(update(nudges).values(due_at=now - timedelta(minutes=1)))
        second = conn.execute(select(func.max(sessions.c.id))).scalar_one()
        conn.execute(
            update(sessions)
            .where(sessions.c.id == second)
            .values(starts_at=now - timedelta(minutes=10), ends_at=now + timedelta(hours=2))
        )
    engine.dispose()
    assert statuses(database) == {"pending": 4 * len(USERS), "unsent": 0}

    # Kill -9 right before the first sweep (it runs five seconds after the start) …
    with BotServer(database, tmp_path) as early:
        early.kill()
    assert statuses(database) == {"pending": 4 * len(USERS), "unsent": 0}

    # … and at the first sign of the sweep.  A sweep claims, fires and commits a batch in one
    # transaction, so the kill lands while the dispatcher sends the reminders: a message
    # handed to the channel at that instant becomes ``in_doubt`` (reported, never resent).
    with BotServer(database, tmp_path) as crashing:
        deadline = time.monotonic() + 10
        while statuses(database).get("pending") == 4 * len(USERS) and time.monotonic() < deadline:
            time.sleep(0.01)  # polling the running server's database, not waiting for time
        crashing.kill()
    after_crash = statuses(database)
    print("after the crash:", after_crash)
    # Handed to the channel when the process died: sends in flight, and answers not yet
    # written back (the dispatcher writes them every settle interval).
    sending_at_kill = reminders_with_status(database, "sending")

    with BotServer(database, tmp_path) as restarted:
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while time.monotonic() < deadline:
            found = statuses(database)
            if not found.get("pending") and not found.get("firing") and not found["unsent"]:
                break
            time.sleep(0.1)  # polling the running server's database
        final = statuses(database)
        assert final == {"done": 2 * len(USERS), "missed": 2 * len(USERS), "unsent": 0}, (
            after_crash,
            final,
            restarted.log(),
        )
        doubtful = in_doubt_by_person(database)
        # Exactly what was handed to the channel at the kill: reported, never resent; every
        # row only claimed (waiting its turn) was sent after the restart.
        assert sum(doubtful.values()) == sending_at_kill, (doubtful, sending_at_kill)
        for person, user in zip(_people(database), USERS, strict=True):
            reminders = [
                m["text"]
                for m in restarted.transcript(user)
                if m["direction"] == "out" and REMINDER in m["text"]
            ]
            # The day before and 2 h before: each delivered once, or reported in doubt.
            assert 2 - doubtful.get(person, 0) <= len(reminders) <= 2, (user, reminders)
            assert len(set(reminders)) <= 1  # both about the coming session
            assert all("/calendar/session/" in text for text in reminders)


def reminders_with_status(database: Path, status: str) -> int:
    """How many reminder messages have this outbox status."""
    engine = make_engine(sqlite_url(database))
    with engine.connect() as conn:
        found = conn.execute(
            select(func.count()).where(
                outbox.c.kind == "course_reminder", outbox.c.status == status
            )
        ).scalar_one()
    engine.dispose()
    return int(found)


def in_doubt_by_person(database: Path) -> dict[int, int]:
    """Reminder messages in flight at the kill, per person."""
    engine = make_engine(sqlite_url(database))
    with engine.connect() as conn:
        found = dict(
            conn.execute(
                select(outbox.c.person_id, func.count())
                .where(outbox.c.kind == "course_reminder", outbox.c.status == "in_doubt")
                .group_by(outbox.c.person_id)
            ).all()
        )
    engine.dispose()
    return found


def _people(database: Path) -> list[int]:
    from bot.db.models import Person

    people = Person.__table__
    engine = make_engine(sqlite_url(database))
    with engine.connect() as conn:
        found = list(
            conn.execute(
                select(people.c.id).where(people.c.role == "participant").order_by(people.c.id)
            ).scalars()
        )
    engine.dispose()
    return found
