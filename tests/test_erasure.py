"""Erasure is complete: in the chat ("delete everything", declining consent) and on request
(``twc people delete``), nothing about her is left in any row of any table, nor in SQLite's
files (``secure_delete`` and a WAL checkpoint), and her id is never given to somebody else.

Before: her simulator transcript (46 rows with her name and text) survived and was served,
deleted rows were readable in the WAL, and SQLite gave the next newcomer her id.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import String, event, insert, select, text, type_coerce
from starlette.testclient import TestClient
from typer.testing import CliRunner

from bot.channels.messages import Media
from bot.db.checkpoint import WalCheckpointer
from bot.db.connect import make_engine
from bot.db.migrate import upgrade
from bot.db.tables import audit, identities, inbox_messages, people, simulator_screens
from bot.demo import load_demo
from bot.erasure import Eraser
from bot.identity import lookup_key
from bot.inbound.media import record_media
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from bot.web.app import create_app
from tests.auxil.clock import FrozenClock
from tests.auxil.constants import TEST_SECRET
from tests.auxil.leftovers import bytes_containing, rows_about
from tests.auxil.person import on_channel
from tests.auxil.person import onboard as onboard_anywhere
from tests.auxil.simulator import Simulator, onboard

NAME = "Zuleikamarker"
QUESTION = "Mein Aufenthaltstitel Quokkamarker läuft bald ab"
MARKERS = (NAME, "Quokkamarker")
CONFIRM = "✅ Ja, alles löschen"


def person_id_of(runtime: Runtime, user: str) -> int:
    key = lookup_key(TEST_SECRET, "simulator", user)
    with runtime.db.connect() as conn:
        return int(
            conn.execute(
                select(identities.c.person_id).where(identities.c.lookup_key == key)
            ).scalar_one()
        )


def newest_person(runtime: Runtime) -> int:
    with runtime.db.connect() as conn:
        return int(
            conn.execute(select(people.c.id).order_by(people.c.id.desc())).scalars().first()
        )


def erasures(runtime: Runtime) -> list[dict[str, Any]]:
    with runtime.db.connect() as conn:
        return [
            dict(row.details) | {"actor": row.actor}
            for row in conn.execute(select(audit).where(audit.c.action == "person.erase"))
        ]


def everything_about(runtime: Runtime, client: TestClient, user: str) -> int:
    """She onboards with a marker name, asks the team a question with a marker, sends a
    photo; an old audit entry lists her.  Her person id."""
    sim = Simulator(client, user)
    onboard(sim, name=NAME)
    sim.press("🙋 Team fragen")
    sim.send(QUESTION)
    person = person_id_of(runtime, user)
    media = [Media("image", "image/jpeg", "https://platform.example/Quokkamarker.jpg")]
    assert record_media(runtime.db, person, "simulator", "m-1", media, runtime.clock()) == 1
    with runtime.db.begin() as conn:
        conn.execute(
            insert(audit).values(
                at=runtime.clock(),
                actor="cli:test",
                action="course.enrol",
                details={"course": "a2", "people": [person, 424242]},
            )
        )
    assert rows_about(runtime.db, person, MARKERS)  # the scan finds her before
    return person


def test_delete_everything_in_the_chat_leaves_nothing_about_her(
    client: TestClient, runtime: Runtime
) -> None:
    person = everything_about(runtime, client, "erase-me")
    sim = Simulator(client, "erase-me")
    sim.send("/delete")
    goodbye = sim.press(CONFIRM)
    assert "✅ Wir haben alles gelöscht." in goodbye[-1]["text"]  # she still sees the goodbye

    assert rows_about(runtime.db, person, [*MARKERS, "erase-me"]) == []
    transcript = client.get("/simulator/api/messages", params={"user": "erase-me"}).json()
    assert transcript["messages"] == []
    assert "erase-me" not in client.get("/simulator/api/users").json()["users"]
    with runtime.db.connect() as conn:
        listed = conn.execute(
            select(audit.c.details).where(audit.c.action == "course.enrol")
        ).scalar_one()
    assert listed["people"] == [424242]
    (erased,) = erasures(runtime)
    assert erased["reason"] == "chat" and erased["actor"] == "person"
    assert set(erased) == {"erasure", "reason", "actor"}  # no person id, no name
    assert len(erased["erasure"]) == 16

    Simulator(client, "newcomer").send("/start")
    assert newest_person(runtime) > person  # her id is never given to somebody else


@pytest.mark.slow
@pytest.mark.parametrize("channel", ["whatsapp", "telegram"])
def test_delete_everything_on_a_messenger_leaves_nothing(
    request: pytest.FixtureRequest,
    channel: str,
    database_url: str,
    tmp_path: Path,
    clock: FrozenClock,
) -> None:
    """WhatsApp (signed Twilio webhooks in, the real twilio client out) and Telegram (webhook
    in, the real Bot to the npm stand-in): after "delete everything" and the goodbye (sent,
    then its address cleared) no row holds her name, text or address."""
    prism_url = request.getfixturevalue("prism").url if channel == "whatsapp" else None
    with on_channel(channel, database_url, tmp_path, clock, prism_url) as line:
        her = line.person("Olena")
        onboard_anywhere(her, name=NAME)
        person = int(her.stored()["id"])
        her.press("🙋 Team fragen")
        her.say(QUESTION)
        assert rows_about(line.runtime.db, person, [*MARKERS, her.address])
        her.say("/delete")
        her.press(CONFIRM)
        assert "✅ Wir haben alles gelöscht." in her.last_texts()[-1]
        assert rows_about(line.runtime.db, person, [*MARKERS, her.address]) == []
        assert [e["reason"] for e in erasures(line.runtime)] == ["chat"]
        line.person("Next").say("Hallo")
        assert newest_person(line.runtime) > person


def test_declining_consent_leaves_nothing(client: TestClient, runtime: Runtime) -> None:
    sim = Simulator(client, "declines-quokkamarker")
    sim.send("/start")
    sim.press("Deutsch")
    person = person_id_of(runtime, "declines-quokkamarker")
    replies = sim.press("❌ Nein")
    assert "Wir haben nichts über Sie gespeichert." in replies[-1]["text"]
    assert rows_about(runtime.db, person, ["declines-quokkamarker"]) == []
    transcript = client.get("/simulator/api/messages", params={"user": "declines-quokkamarker"})
    assert transcript.json()["messages"] == []
    assert [e["reason"] for e in erasures(runtime)] == ["chat"]


def ciphertexts_of(runtime: Runtime, person: int) -> list[str]:
    """Her name, her question to the team and her simulator screen as stored (encrypted)."""
    raw = [
        type_coerce(people.c.display_name, String),
        type_coerce(inbox_messages.c.text, String),
    ]
    with runtime.db.connect() as conn:
        name = conn.execute(select(raw[0]).where(people.c.id == person)).scalar_one()
        question = conn.execute(
            select(raw[1]).where(inbox_messages.c.person_id == person)
        ).scalar_one()
        screen = conn.execute(
            select(type_coerce(simulator_screens.c.text, String))
            .where(simulator_screens.c.user == "bytes")
            .order_by(simulator_screens.c.id.desc())
            .limit(1)
        ).scalar_one()
    return [name, question, screen]


@pytest.mark.parametrize(
    ("secure_delete", "checkpoint"),
    [(True, True), (False, True), (True, False)],
    ids=["protected", "control-without-secure-delete", "control-without-checkpoint"],
)
def test_her_bytes_are_gone_from_the_sqlite_files(
    sqlite_url: str, clock: FrozenClock, secure_delete: bool, checkpoint: bool
) -> None:
    """Her name and text are in the files while she exists (the simulator's screen is plain
    text); after the erasure neither the main file nor the WAL holds them, and each of the
    two protections is needed (the controls switch one off and find her)."""
    upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    if not secure_delete:

        @event.listens_for(engine, "connect")
        def _insecure(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute("PRAGMA secure_delete=OFF")

    settings = Settings(database_url=sqlite_url, environment="development", secret_key=TEST_SECRET)
    runtime = build_runtime(settings, clock=clock, db=engine)
    runtime.turns.checkpoints.enabled = checkpoint
    load_demo(runtime.db, TEST_SECRET, clock())
    try:
        with TestClient(create_app(runtime, background=False)) as client:
            sim = Simulator(client, "bytes")
            onboard(sim, name=NAME)
            sim.press("🙋 Team fragen")
            sim.send(QUESTION)
            # Everything of hers is encrypted, so what must go is what is stored: the
            # ciphertexts of her name, her question and her screen (found in the files first).
            stored = ciphertexts_of(runtime, person_id_of(runtime, "bytes"))
            found = bytes_containing(sqlite_url, stored)
            assert all(any(f.endswith(value) for f in found) for value in stored)
            sim.send("/delete")
            sim.press(CONFIRM)
            assert runtime.turns.checkpoints.wait(timeout=30)
            left = bytes_containing(sqlite_url, stored)
    finally:
        runtime.close()
    if secure_delete and checkpoint:
        assert left == []
    else:
        assert left, "the control should find her: the test would not notice a regression"


def test_a_coordinator_deletes_her_on_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FrozenClock
) -> None:
    """``twc people delete ID``: asks first (no means nothing happens), then erases her with
    an anonymous audit entry; the files hold nothing of her afterwards."""
    from bot.cli import app

    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    settings = Settings(database_url=url, environment="development", secret_key=TEST_SECRET)
    upgrade(url)
    runtime = build_runtime(settings, clock=clock)
    load_demo(runtime.db, TEST_SECRET, clock())
    with TestClient(create_app(runtime, background=False)) as client:
        person = everything_about(runtime, client, "on-paper")
    runtime.close()

    monkeypatch.setenv("TWC_DATABASE_URL", url)
    monkeypatch.setenv("TWC_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("TWC_ENVIRONMENT", "test")
    runner = CliRunner()
    asked = runner.invoke(app, ["people", "delete", str(person)], input="n\n")
    assert asked.exit_code == 1 and "Nothing deleted" in asked.output
    assert f"Person {person}: organisation vnb-nienburg" in asked.output
    assert NAME not in asked.output
    done = runner.invoke(app, ["people", "delete", str(person), "--yes"])
    assert done.exit_code == 0, done.output
    assert f"Deleted person {person}" in done.output
    again = runner.invoke(app, ["people", "delete", str(person), "--yes"])
    assert again.exit_code == 1 and f"no person {person}" in again.output

    runtime = build_runtime(settings, clock=clock)
    try:
        assert rows_about(runtime.db, person, [*MARKERS, "on-paper"]) == []
        (erased,) = erasures(runtime)
        assert erased["reason"] == "request" and erased["actor"].startswith("cli")
        assert erased["erasure"] in done.output
        with TestClient(create_app(runtime, background=False)) as client:
            Simulator(client, "next").send("/start")
        assert newest_person(runtime) > person
    finally:
        runtime.close()
    assert bytes_containing(url, MARKERS) == []


def test_the_eraser_says_when_there_is_nobody(runtime: Runtime) -> None:
    with runtime.db.begin() as conn:
        assert (
            Eraser().erase(conn, 987654, now=runtime.clock(), actor="cli:x", reason="request")
            is None
        )
    assert erasures(runtime) == []


def test_ids_are_never_reused_after_an_upgrade_with_data(
    sqlite_url: str, clock: FrozenClock
) -> None:
    """Migration 0009 rebuilds the tables with AUTOINCREMENT without losing a row (foreign keys
    are off while it does: dropping ``people`` would otherwise cascade)."""
    upgrade(sqlite_url, "0007")
    engine = make_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO organisations (id, slug, name, timezone, default_language, towns, "
                "privacy_contact, office_hours, quiet_hours_start, quiet_hours_end, created_at) "
                "VALUES (1, 'o', 'O', 'Europe/Berlin', 'de', '[]', '', '', '20:00', '08:00', "
                "'2026-11-30 09:00:00.000000')"
            )
        )
        for person in (1, 2):
            conn.execute(
                text(
                    "INSERT INTO people (id, organisation_id, role, interests, attend_help, "
                    "status, created_at) VALUES (:id, 1, 'participant', '[]', '[]', 'active', "
                    "'2026-11-30 09:00:00.000000')"
                ),
                {"id": person},
            )
            conn.execute(
                text(
                    "INSERT INTO conversation_states (person_id, flow, node, visit, data, "
                    "updated_at) VALUES (:id, 'main', 'menu', 0, '{}', "
                    "'2026-11-30 09:00:00.000000')"
                ),
                {"id": person},
            )
    upgrade(sqlite_url)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM conversation_states")).scalar_one() == 2
        assert conn.execute(text("SELECT retention_days FROM organisations")).scalar_one() == 183
        schema = conn.execute(
            text("SELECT sql FROM sqlite_master WHERE name = 'people'")
        ).scalar_one()
        assert "AUTOINCREMENT" in schema
        conn.execute(text("DELETE FROM people WHERE id = 2"))
        conn.execute(
            text(
                "INSERT INTO people (organisation_id, role, interests, attend_help, status, "
                "created_at) VALUES (1, 'participant', '[]', '[]', 'new', "
                "'2026-11-30 09:00:00.000000')"
            )
        )
        assert conn.execute(text("SELECT max(id) FROM people")).scalar_one() == 3
    engine.dispose()


def test_erasures_close_together_share_one_checkpoint(sqlite_url: str) -> None:
    """At most one checkpoint per interval (off the hot path): a second erasure within it
    waits for the interval to pass, then one checkpoint covers it.  The interval is measured
    on a controllable clock, so no test waits for it."""
    upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    now = [1000.0]
    runs: list[bool] = []

    class Counted(WalCheckpointer):
        def _checkpoint(self, busy_ms: int) -> bool:
            runs.append(super()._checkpoint(busy_ms))
            return runs[-1]

    checkpoints = Counted(engine, min_interval=10.0, monotonic=lambda: now[0])
    try:
        checkpoints.request()
        assert checkpoints.wait(timeout=30) and runs == [True]
        checkpoints.request()
        checkpoints.request()
        assert not checkpoints.wait(timeout=0.2)  # within the interval: not yet
        now[0] += 10.0
        checkpoints.request()  # the clock moved: the waiting thread looks again
        assert checkpoints.wait(timeout=30) and runs == [True, True]
    finally:
        engine.dispose()
