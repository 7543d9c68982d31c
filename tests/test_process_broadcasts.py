"""Exactly once across ``kill -9``, with real processes.

``twc broadcast create`` and ``twc broadcast send --no-wait`` queue a broadcast to 400 people
(simulator channel, four languages, no Persian text); ``twc run`` sends it and is killed with
SIGKILL while it is half-way; a second ``twc run`` finishes it.  Every recipient's screen then
shows exactly one broadcast message, except that a message in flight at the instant of the kill
may have reached her or not: its row is ``in_doubt``, reported, never resent.  A second
scenario kills ``twc broadcast send`` itself while it writes the rows: the server's tick writes
the rest.  Nothing sleeps for time: the loops poll the database while the servers work.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot.db.connect import make_engine
from bot.db.migrate import upgrade
from bot.db.models import Organisation, OutboxMessage, SimulatorMessage
from bot.db.types import configure_cipher
from bot.demo import load_demo
from tests.auxil.clock import wall_now
from tests.auxil.crowd import Member, add_people
from tests.auxil.processes import (
    PROCESS_SECRET,
    REPO_ROOT,
    BotServer,
    bot_environment,
    describe,
    run_twc,
    sqlite_url,
    twc_command,
    with_clock,
)

pytestmark = pytest.mark.slow

outbox = OutboxMessage.__table__
screen = SimulatorMessage.__table__
organisations = Organisation.__table__
LANGUAGES = ("de", "ar", "uk", "fa")
PEOPLE = 400
GREETING = {"de": "📢 Hallo", "ar": "📢 مرحبا", "uk": "📢 Привіт", "fa": "📢 Hallo"}
ANNOUNCEMENT = """\
title: Neuer Kurs in Hoya
texts:
  de: "📢 Hallo {name}! Ab Montag gibt es einen neuen Kurs in Hoya."
  ar: "📢 مرحبا {name}! دورة جديدة في هويا من يوم الاثنين."
  uk: "📢 Привіт, {name}! З понеділка новий курс у Хої."
audience:
  languages: [de, ar, uk, fa]
"""
SETTLE_TIMEOUT = 60.0


def prepare(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A database with the demo data, 400 participants and no quiet hours (it may be night)."""
    database = tmp_path / "bot.sqlite3"
    url = sqlite_url(database)
    upgrade(url)
    configure_cipher(PROCESS_SECRET)
    engine = make_engine(url)
    load_demo(engine, PROCESS_SECRET, wall_now())
    members = [
        Member(f"w{n:03d}", LANGUAGES[n % 4], name=f"Frau{n}", town="Hoya") for n in range(PEOPLE)
    ]
    add_people(engine, PROCESS_SECRET, members, wall_now())
    with engine.begin() as conn:
        conn.execute(
            update(organisations).values(quiet_hours_start="00:00", quiet_hours_end="00:00")
        )
    engine.dispose()
    (tmp_path / "announcement.yaml").write_text(ANNOUNCEMENT, encoding="utf-8")
    return database, bot_environment(database)


def create(tmp_path: Path, env: dict[str, str]) -> int:
    done = run_twc(
        ["broadcast", "create", "--file", str(tmp_path / "announcement.yaml"), "--json"], env
    )
    assert done.returncode == 0, describe(done)
    created = json.loads(done.stdout)
    assert created["missing"]["fa"] == {"people": 100, "get": {"de": 100}}
    return int(created["id"])


def counts(database: Path) -> Counter[str]:
    engine = make_engine(sqlite_url(database))
    with engine.connect() as conn:
        found = Counter(
            dict(
                conn.execute(
                    select(outbox.c.status, func.count())
                    .where(outbox.c.kind == "broadcast")
                    .group_by(outbox.c.status)
                ).all()
            )
        )
    engine.dispose()
    return found


def screens(database: Path) -> dict[str, list[str]]:
    """What each woman's simulated phone shows from the bot."""
    engine = make_engine(sqlite_url(database))
    with engine.connect() as conn:
        rows = conn.execute(
            select(screen.c.user, screen.c.text).where(screen.c.direction == "out")
        ).all()
    engine.dispose()
    shown: dict[str, list[str]] = {}
    for user, text in rows:
        shown.setdefault(user, []).append(text)
    return shown


def settle(database: Path, server: BotServer) -> Counter[str]:
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while time.monotonic() < deadline:
        found = counts(database)
        waiting = found["pending"] + found["claimed"] + found["sending"]
        if sum(found.values()) >= PEOPLE + 1 and not waiting:
            return found
        time.sleep(0.1)  # polling the running server's database
    raise AssertionError(f"not finished: {counts(database)}\n{server.log()}")


def status(env: dict[str, str], broadcast: int) -> dict[str, object]:
    done = run_twc(["broadcast", "status", str(broadcast), "--json"], env)
    assert done.returncode == 0, describe(done)
    report: dict[str, object] = json.loads(done.stdout)
    return report


def check_exactly_once(database: Path) -> Counter[str]:
    """Every woman has one message in her language; only in-doubt rows may have none."""
    shown = screens(database)
    found = counts(database)
    missing = [f"w{n:03d}" for n in range(PEOPLE) if f"w{n:03d}" not in shown]
    assert len(missing) <= found["in_doubt"], (missing, found)
    for n in range(PEOPLE):
        got = shown.get(f"w{n:03d}", [])
        assert len(got) <= 1, (n, got)  # never twice
        if got:
            assert got[0].startswith(GREETING[LANGUAGES[n % 4]]) and f"Frau{n}!" in got[0]
    return found


def test_kill_9_mid_broadcast_then_restart_finishes_it_exactly_once(tmp_path: Path) -> None:
    database, env = prepare(tmp_path)
    broadcast = create(tmp_path, env)
    done = run_twc(["broadcast", "send", str(broadcast), "--no-wait"], env)
    assert done.returncode == 0, describe(done)
    assert "401 messages queued" in done.stdout  # 400 women and the German demo mentor

    with BotServer(database, tmp_path, "run") as first:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and counts(database)["sent"] < 40:
            time.sleep(0.005)  # polling the running server's database, not waiting for time
        first.kill()
    at_kill = counts(database)
    print("\nat the kill:", dict(at_kill))
    assert at_kill["sent"] >= 40 and at_kill["pending"] > 0, at_kill  # really half-way

    with BotServer(database, tmp_path, "run") as second:
        final = settle(database, second)
        deadline = time.monotonic() + 20  # the scheduler's tick marks it sent (every 5 s)
        while time.monotonic() < deadline and status(env, broadcast)["status"] != "sent":
            time.sleep(0.2)
        report = status(env, broadcast)
    print("after the restart:", dict(final))
    assert final["sent"] + final["in_doubt"] == PEOPLE + 1
    # Exactly the rows handed to the platform when it died are in doubt (never resent); how
    # many that is depends on how busy the machine was (answers are written back every
    # moment), so the bound is a few seconds of sending, not one batch.
    assert final["in_doubt"] == at_kill["sending"]
    assert final["in_doubt"] <= 120
    found = check_exactly_once(database)
    assert report["status"] == "sent"
    totals = report["totals"]
    assert isinstance(totals, dict)
    assert totals["in_doubt"] == found["in_doubt"] and totals["queued"] == 0
    shown = run_twc(["broadcast", "status", str(broadcast)], env)
    print(shown.stdout)


def test_kill_9_while_send_writes_the_rows_the_server_writes_the_rest(tmp_path: Path) -> None:
    database, env = prepare(tmp_path)
    broadcast = create(tmp_path, env)
    sending = subprocess.Popen(
        twc_command("broadcast", "send", str(broadcast), "--no-wait"),
        cwd=REPO_ROOT,
        env=with_clock(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and sending.poll() is None and not counts(database):
        time.sleep(0.001)  # polling the database while the command writes
    sending.kill()
    sending.wait(timeout=10)
    print("\nwhen send was killed:", dict(counts(database)))

    with BotServer(database, tmp_path, "run") as server:
        final = settle(database, server)
    assert final["sent"] + final["in_doubt"] == PEOPLE + 1, final
    check_exactly_once(database)


def test_send_follows_the_running_server_with_a_progress_bar(tmp_path: Path) -> None:
    database, env = prepare(tmp_path)
    broadcast = create(tmp_path, env)
    with BotServer(database, tmp_path, "run"):
        done = run_twc(["broadcast", "send", str(broadcast)], env)  # waits until all are out
        assert done.returncode == 0, describe(done)
        assert "401 messages queued" in done.stdout
        assert f"Done: twc broadcast status {broadcast}" in done.stdout
        assert "sent 401" in done.stdout and "left 0" in done.stdout
        assert counts(database) == Counter({"sent": PEOPLE + 1})
    check_exactly_once(database)
