"""The retention purge keeps the privacy notice's promise, on a frozen clock.

Before: nothing was ever deleted on a schedule.  Now a person silent for her organisation's
retention period (default 183 days) is erased with everything about her, a newcomer who never
consented after 7 days; outbox rows go 30 days after their final state, inbound message ids
and simulator transcripts after 7 days; she is warned 14 days before the deletion for silence.
``twc privacy purge --dry-run`` shows what would go.  SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Table, func, insert, select
from starlette.testclient import TestClient
from typer.testing import CliRunner

from bot.db.tables import audit, identities, inbound_ids, outbox, people
from bot.db.tables import simulator_screens as transcripts
from bot.features import registry
from bot.features.retention import FEATURE
from bot.features.retention.service import daily_retention, purge_for, set_retention
from bot.identity import lookup_key
from bot.runtime import Runtime
from scheduler.due import fire_due
from tests.auxil.clock import DEFAULT_START, FrozenClock
from tests.auxil.constants import TEST_SECRET
from tests.auxil.leftovers import bytes_containing, rows_about
from tests.auxil.simulator import Simulator, onboard

T0 = DEFAULT_START
SARA = "Sarasilentmarker"


def person_of(runtime: Runtime, user: str) -> int:
    key = lookup_key(TEST_SECRET, "simulator", user)
    with runtime.db.connect() as conn:
        return int(
            conn.execute(
                select(identities.c.person_id).where(identities.c.lookup_key == key)
            ).scalar_one()
        )


def mentors(runtime: Runtime) -> list[int]:
    """The demo's mentors: created at T0, never wrote (silent like anyone)."""
    with runtime.db.connect() as conn:
        return list(conn.execute(select(people.c.id).where(people.c.role == "mentor")).scalars())


def count(runtime: Runtime, table: Table) -> int:
    with runtime.db.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def imported(runtime: Runtime, consent_days_after_t0: int) -> int:
    """Someone imported from a list: consent on paper, an identity, never wrote."""
    with runtime.db.begin() as conn:
        org = conn.execute(select(people.c.organisation_id).limit(1)).scalar_one()
        person = conn.execute(
            insert(people)
            .values(
                organisation_id=org,
                role="participant",
                language="de",
                display_name="Paper",
                interests=[],
                attend_help=[],
                status="active",
                consent_given_at=T0 + timedelta(days=consent_days_after_t0),
                created_at=T0,
            )
            .returning(people.c.id)
        ).scalar_one()
        conn.execute(
            insert(identities).values(
                person_id=person,
                channel="whatsapp",
                lookup_key=lookup_key(TEST_SECRET, "whatsapp", "+4915199999999"),
                address="+4915199999999",
                status="ok",
                created_at=T0,
            )
        )
    return int(person)


def test_six_months_of_silence_erase_her_with_everything(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    onboard(Simulator(client, "sara"), name=SARA)
    onboard(Simulator(client, "active"), name="Aktiv")
    sara, active = person_of(runtime, "sara"), person_of(runtime, "active")
    paper = imported(runtime, consent_days_after_t0=30)
    clock.now = T0 + timedelta(days=100)
    Simulator(client, "active").send("Hallo")

    clock.now = T0 + timedelta(days=183) - timedelta(minutes=1)
    assert purge_for(runtime).plan().silent == []
    clock.now = T0 + timedelta(days=183, minutes=1)
    plan = purge_for(runtime).plan()
    assert plan.silent == sorted([sara, *mentors(runtime)])
    assert paper not in plan.silent  # silent counts from her consent on paper

    done = purge_for(runtime).run("scheduler:retention")
    assert done.silent == plan.silent
    assert rows_about(runtime.db, sara, [SARA, "sara"]) == []
    if runtime.db.dialect.name == "sqlite":  # nor in the files (secure_delete, checkpoint)
        assert bytes_containing(runtime.settings.database_url, [SARA]) == []
    with runtime.db.connect() as conn:
        left = set(conn.execute(select(people.c.id)).scalars())
        reasons = conn.execute(
            select(audit.c.details["reason"].as_string()).where(audit.c.action == "person.erase")
        ).scalars()
        assert set(reasons) == {"retention"}
        (summary,) = conn.execute(
            select(audit.c.details).where(audit.c.action == "privacy.purge")
        ).scalars()
    assert {active, paper} <= left and sara not in left
    assert summary["silent"] == len(plan.silent)
    assert purge_for(runtime).plan().silent == []  # nothing left to do

    clock.now = T0 + timedelta(days=30 + 183, minutes=1)
    assert purge_for(runtime).plan().silent == [paper]


def test_a_newcomer_who_never_consented_goes_after_seven_days(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    sim = Simulator(client, "undecided")
    sim.send("/start")
    sim.press("Deutsch")  # then she never answers the consent question
    person = person_of(runtime, "undecided")
    clock.now = T0 + timedelta(days=7) - timedelta(minutes=1)
    assert purge_for(runtime).plan().never_consented == []
    clock.now = T0 + timedelta(days=7, minutes=1)
    assert purge_for(runtime).plan().never_consented == [person]
    done = purge_for(runtime).run("cli:test")
    assert done.never_consented == [person] and done.silent == []
    assert rows_about(runtime.db, person, ["undecided"]) == []
    with runtime.db.connect() as conn:
        (reason,) = conn.execute(
            select(audit.c.details["reason"].as_string()).where(audit.c.action == "person.erase")
        ).scalars()
    assert reason == "no_consent"


def test_message_ids_transcripts_and_old_outbox_rows_go_on_time(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    onboard(Simulator(client, "stays"), name="Bleibt")
    sent = count(runtime, outbox)
    ids, screen = count(runtime, inbound_ids), count(runtime, transcripts)
    assert sent and ids and screen

    clock.now = T0 + timedelta(days=7, minutes=1)
    plan = purge_for(runtime).plan()
    assert (plan.inbound_ids, plan.transcripts, plan.outbox) == (ids, screen, 0)
    clock.now = T0 + timedelta(days=30, minutes=1)
    replies = Simulator(client, "stays").send("Hallo")  # she is not silent: she stays
    done = purge_for(runtime).run("cli:test")
    assert (done.outbox, done.inbound_ids, done.transcripts) == (sent, ids, screen)
    assert done.silent == [] and done.never_consented == []
    assert count(runtime, outbox) == len(replies)  # today's replies stay
    assert count(runtime, inbound_ids) == 1
    assert count(runtime, transcripts) == 1 + len(replies)


def warnings_to(runtime: Runtime, person: int) -> list[str]:
    with runtime.db.connect() as conn:
        payloads = conn.execute(
            select(outbox.c.payload)
            .where(outbox.c.person_id == person, outbox.c.kind == "nudge")
            .order_by(outbox.c.id)
        ).scalars()
        return [p["text"] for p in payloads if "⏳" in p["text"]]


def test_she_is_warned_fourteen_days_before_and_stays_when_she_writes(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    """In her language, with the date; once per silence; her answer keeps her."""
    onboard(Simulator(client, "warned"), name="Warnung")
    olena = Simulator(client, "olena")
    onboard(olena, language="Українська", name="Олена")
    warned, ukrainian = person_of(runtime, "warned"), person_of(runtime, "olena")
    clock.now = T0 + timedelta(days=169) - timedelta(minutes=1)
    assert daily_retention(runtime, "scheduler:retention")[1] == 0
    clock.now = T0 + timedelta(days=169, minutes=1)
    assert daily_retention(runtime, "scheduler:retention")[1] == 2 + len(mentors(runtime))
    assert daily_retention(runtime, "scheduler:retention")[1] == 0  # once
    fire_due(runtime.db, runtime.turns, clock)
    assert warnings_to(runtime, warned) == [
        "⏳ Wir haben lange nichts von Ihnen gehört.\n"
        "Am Dienstag, 1. Juni 2027 löschen wir Ihre Daten bei uns.\n"
        "Sie möchten bleiben? Dann schreiben Sie uns einfach etwas."
    ]
    (in_ukrainian,) = warnings_to(runtime, ukrainian)
    assert "Ми видалимо ваші дані вівторок, 1 червня 2027" in in_ukrainian

    clock.now = T0 + timedelta(days=170)
    olena.send("Я тут")
    clock.now = T0 + timedelta(days=183, minutes=1)
    silent = purge_for(runtime).plan().silent
    assert warned in silent and ukrainian not in silent


def test_each_organisation_sets_its_period(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    onboard(Simulator(client, "short"), name="Kurz")
    person = person_of(runtime, "short")
    assert set_retention(runtime, "vnb-nienburg", 30, "cli:test") == 183
    clock.now = T0 + timedelta(days=30, minutes=1)
    assert person in purge_for(runtime).plan().silent


def test_the_purge_runs_daily_from_the_registry(runtime: Runtime, clock: FrozenClock) -> None:
    (job,) = FEATURE.periodic_jobs
    assert job in registry.periodic_jobs() and job.trigger == "cron"
    clock.now = T0 + timedelta(days=400)
    assert job.run(runtime) is False
    assert mentors(runtime) == []  # the demo's silent mentors went


def test_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``twc privacy purge --dry-run`` lists ids and counts and changes nothing; ``twc privacy
    retention`` shows and sets the period (refusing nonsense); ``purge`` does it."""
    from bot.cli import app

    monkeypatch.setenv("TWC_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.setenv("TWC_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("TWC_ENVIRONMENT", "test")
    runner = CliRunner()
    monkeypatch.setenv("TWC_CLOCK_START", T0.isoformat())
    assert runner.invoke(app, ["demo", "load"]).exit_code == 0
    shown = runner.invoke(app, ["privacy", "retention"])
    assert "vnb-nienburg: deleted after 183 days" in shown.output
    refused = runner.invoke(app, ["privacy", "retention", "--days", "3"])
    assert refused.exit_code == 2 and "7 to 730 days" in refused.output
    changed = runner.invoke(app, ["privacy", "retention", "--days", "90"])
    assert changed.exit_code == 0 and "(was 183)" in changed.output

    monkeypatch.setenv("TWC_CLOCK_START", (T0 + timedelta(days=91)).isoformat())
    dry = runner.invoke(app, ["privacy", "purge", "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    planned = json.loads(dry.stdout)
    assert planned["dry_run"] is True and len(planned["silent"]) == 2  # the demo's mentors
    again = runner.invoke(app, ["privacy", "purge", "--dry-run"])
    assert "Would delete: 2 people silent past the retention period" in again.output
    assert f"person ids {', '.join(map(str, planned['silent']))}" in again.output
    done = runner.invoke(app, ["privacy", "purge"])
    assert "Deleted: 2 people silent" in done.output
    after = runner.invoke(app, ["privacy", "purge", "--dry-run", "--json"])
    assert json.loads(after.stdout)["silent"] == []
