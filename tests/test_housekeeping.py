"""The daily housekeeping job: a check-in after 14 silent days, feedback after a session.

Runs on SQLite and PostgreSQL; time is a frozen clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from starlette.testclient import TestClient

from bot.db.models import Attendance, Nudge, OutboxMessage
from bot.features.checkins.housekeeping import run_housekeeping
from bot.runtime import Runtime
from scheduler.due import fire_due
from scheduler.runner import build_scheduler
from tests.auxil.clock import FrozenClock
from tests.auxil.courses import course_with, enrolled_amina, person_of, service_of
from tests.auxil.simulator import Simulator, onboard

nudges = Nudge.__table__
outbox = OutboxMessage.__table__
attendance = Attendance.__table__
#: The main menu: the features' entries first (jobs, mentoring), then the core's.
MENU = [
    "👭 Gruppen",
    "💼 Arbeit",
    "🤝 Mentorin",
    "🙋 Team fragen",
    "🌐 Sprache ändern",
    "🔒 Meine Daten",
    "🔕 Keine Nachrichten",
]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def nudges_of(runtime: Runtime, kind: str) -> list[dict[str, Any]]:
    with runtime.db.connect() as conn:
        query = select(nudges).where(nudges.c.kind == kind).order_by(nudges.c.id)
        return [dict(r) for r in conn.execute(query).mappings()]


def sent_to(runtime: Runtime, person: int) -> list[dict[str, Any]]:
    with runtime.db.connect() as conn:
        query = (
            select(outbox.c.payload)
            .where(outbox.c.person_id == person, outbox.c.kind.in_(("nudge", "course_reminder")))
            .order_by(outbox.c.id)
        )
        return list(conn.execute(query).scalars())


def test_a_check_in_after_fourteen_silent_days_once(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    onboard(Simulator(client, "amina"))
    Simulator(client, "stranger").send("/start")  # never consented
    quitter = Simulator(client, "quitter")
    onboard(quitter, name="Olga")
    quitter.send("/stop")
    amina = person_of(runtime, "amina")

    clock.advance(days=13, hours=23)
    assert run_housekeeping(runtime.db, clock)["checkin"] == 0
    clock.now = utc(2026, 12, 14, 19, 30)  # 20:30 in Berlin: quiet hours
    assert run_housekeeping(runtime.db, clock)["checkin"] == 1
    assert run_housekeeping(runtime.db, clock)["checkin"] == 0  # idempotent
    (checkin,) = nudges_of(runtime, "checkin")
    assert checkin["person_id"] == amina
    assert checkin["due_at"] == utc(2026, 12, 15, 7, 0)  # 08:00 the next morning

    assert fire_due(runtime.db, runtime.turns, clock) == 0  # not at night
    clock.now = utc(2026, 12, 15, 7, 0)
    assert fire_due(runtime.db, runtime.turns, clock) == 1
    hello, menu = sent_to(runtime, amina)[-2:]
    assert "Wir haben lange nichts von Ihnen gehört" in hello["text"]
    assert [c["label"] for c in menu["choices"]] == MENU

    # Not another one within 14 days, even though she still does not answer.
    clock.advance(days=13)
    assert run_housekeeping(runtime.db, clock)["checkin"] == 0
    clock.advance(days=1, hours=1)
    assert run_housekeeping(runtime.db, clock)["checkin"] == 1


def test_a_check_in_is_skipped_when_she_wrote_meanwhile(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    sim = Simulator(client, "amina")
    onboard(sim)
    clock.now = utc(2026, 12, 14, 21, 0)
    assert run_housekeeping(runtime.db, clock)["checkin"] == 1
    clock.now = utc(2026, 12, 15, 6, 0)
    sim.send("Menü")
    clock.now = utc(2026, 12, 15, 7, 0)
    assert fire_due(runtime.db, runtime.turns, clock) == 1
    assert [n["status"] for n in nudges_of(runtime, "checkin")] == ["skipped"]


def test_feedback_after_a_session_she_said_she_would_come_to(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    sim = Simulator(client, "amina")
    onboard(sim)
    darya = Simulator(client, "darya")
    onboard(darya, name="Darya")
    amina = person_of(runtime, "amina")
    service = service_of(runtime, clock)
    course_with(service)
    service.enrol("a2-hoya", [amina, person_of(runtime, "darya")])
    session = service.add_session("a2-hoya", "2026-12-03 09:00", "2026-12-03 12:00", "VHS Hoya")

    clock.now = utc(2026, 12, 2, 16, 0)
    assert fire_due(runtime.db, runtime.turns, clock) == 2
    sim.last = [sent_to(runtime, amina)[-1]]
    sim.press("✅ Ich komme")
    darya.last = [sent_to(runtime, person_of(runtime, "darya"))[-1]]
    darya.press("❌ Ich kann nicht")

    clock.now = utc(2026, 12, 3, 12, 0)  # the session ended at 11:00 UTC
    fire_due(runtime.db, runtime.turns, clock)
    assert run_housekeeping(runtime.db, clock)["feedback"] == 1
    assert run_housekeeping(runtime.db, clock)["feedback"] == 0
    (question,) = nudges_of(runtime, "feedback")
    assert (question["person_id"], question["due_at"]) == (amina, utc(2026, 12, 3, 12, 0))
    assert fire_due(runtime.db, runtime.turns, clock) == 1
    sim.last = [sent_to(runtime, amina)[-1]]
    assert "Wie war der Kurs am Donnerstag, 3. Dezember 2026?" in sim.text()
    assert sim.labels() == ["😞", "😐", "🙂", "😀"]
    thanks = sim.press("🙂")
    assert "Danke für Ihre Antwort" in thanks[-1]["text"]
    with runtime.db.connect() as conn:
        row = conn.execute(
            select(attendance.c.intention, attendance.c.feedback).where(
                attendance.c.session_id == session["id"], attendance.c.person_id == amina
            )
        ).one()
    assert tuple(row) == ("coming", 3)


def test_the_scheduler_runs_the_sweep_and_the_daily_housekeeping(runtime: Runtime) -> None:
    scheduler = build_scheduler(runtime, lambda: None)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {
        "fire_due_nudges",
        "broadcasts",
        "housekeeping",
        "retention",
        "inbox_notify",
        "wa_templates",
        "mentoring_auto_propose",
        "mentoring_intro",
        "jobs_ba_import",
        "jobs_digest",
        "groups_telegram_posts",
        "meetup_deadlines",
    }
    assert "cron" in str(jobs["housekeeping"].trigger)
    assert "cron" in str(jobs["jobs_ba_import"].trigger)
    assert "cron" in str(jobs["wa_templates"].trigger)
    assert "cron" in str(jobs["retention"].trigger)
    assert timedelta(seconds=5) == jobs["fire_due_nudges"].trigger.interval
    assert timedelta(hours=1) == jobs["mentoring_intro"].trigger.interval
    assert timedelta(seconds=30) == jobs["groups_telegram_posts"].trigger.interval


def test_a_check_in_counts_toward_the_daily_cap_and_waits_for_a_free_day(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    _amina, service = enrolled_amina(runtime, client, clock)
    # Fourteen silent days later, three sessions on 16 December: three reminders that morning
    # (two hours before each) fill her day.
    clock.now = utc(2026, 12, 14, 9, 0)
    for hour in (11, 13, 15):
        service.add_session(
            "a2-hoya", f"2026-12-16 {hour}:00", f"2026-12-16 {hour + 1}:00", "VHS Hoya"
        )
    clock.now = utc(2026, 12, 16, 7, 0)  # 08:00 in Berlin
    assert run_housekeeping(runtime.db, clock)["checkin"] == 1

    (checkin,) = nudges_of(runtime, "checkin")
    assert checkin["status"] == "pending"
    assert checkin["due_at"] == utc(2026, 12, 17, 7, 0)  # 16 December is full: the next morning
    on_the_16th = [
        n for n in nudges_of(runtime, "reminder") if n["due_at"].date().isoformat() == "2026-12-16"
    ]
    assert sorted(n["status"] for n in on_the_16th) == ["pending", "pending", "pending"]
