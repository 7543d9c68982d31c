"""End to end with real processes: ``twc run`` survives ``kill -9``; ``twc chat``; other commands.

Every test starts real ``twc`` processes (see ``tests/auxil/processes.py``) with its own SQLite
file and port, and talks to servers over real HTTP.  Nothing here waits for time to pass: the
only loop polls ``/healthz`` while a server starts.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.auxil.processes import (
    REPO_ROOT,
    BotServer,
    Phone,
    bot_environment,
    describe,
    run_twc,
)

pytestmark = pytest.mark.slow

CONSENT_QUESTION = "Sind Sie einverstanden?"
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


class RecordingPhone(Phone):
    """A phone that also writes down what her screen must show: each message once, in order."""

    def __init__(self, server: BotServer, user: str) -> None:
        super().__init__(server, user)
        self.expected: list[tuple[str, str]] = []

    def send(self, text: str) -> list[dict[str, Any]]:
        self.expected.append(("in", text))
        return self._note(super().send(text))

    def press(self, label_or_id: str) -> list[dict[str, Any]]:
        self.expected.append(("in", self.button(label_or_id)["label"]))
        return self._note(super().press(label_or_id))

    def _note(self, replies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        self.expected.extend(("out", reply["text"]) for reply in replies)
        return replies


def screen(server: BotServer, user: str) -> list[tuple[str, str]]:
    """Her simulated screen as (direction, text) pairs."""
    return [(m["direction"], m["text"]) for m in server.transcript(user)]


def words(text: str) -> str:
    """``text`` with every run of white space made one space (the terminal wraps lines)."""
    return " ".join(text.split())


# ---- kill -9 and restart ------------------------------------------------------------------


def test_onboarding_continues_after_kill_9_without_losing_or_repeating_a_message(
    tmp_path: Path,
) -> None:
    """Protects the transactional outbox and stored state across a crash.

    Every committed turn (state, replies) is on disk when the response is sent, so a process
    killed with SIGKILL and started again on the same database continues at the open question:
    the town button she saw before the crash still works, and her screen shows each message
    exactly once, in order.
    """
    database = tmp_path / "bot.sqlite3"
    with BotServer(database, tmp_path) as first:
        phone = RecordingPhone(first, "amina-restart")
        phone.send("/start")
        phone.press("Deutsch")
        phone.press("✅ Ja, einverstanden")
        phone.send("Amina")
        assert "Hoya" in phone.labels()
        hoya = phone.button("Hoya")["id"]
        first.kill()  # SIGKILL: no shutdown code runs

    with BotServer(database, tmp_path) as second:
        phone.server = second
        replies = phone.press(hoya)  # the id from before the crash
        assert replies, "the town question was not the open question after the restart"
        assert "📚 Kurs" in phone.labels(), phone.text()
        phone.press("📚 Kurs")
        phone.press("➡️ Fertig")  # interests
        phone.press("➡️ Fertig")  # support to reach the course
        phone.press("🔔 Ja, gerne")  # messages
        assert "Amina" in phone.text()
        assert "Willkommen" in phone.text()
        assert phone.labels() == MENU
        assert screen(second, "amina-restart") == phone.expected


def test_a_message_redelivered_after_kill_9_is_answered_once(tmp_path: Path) -> None:
    """Protects exactly-once handling of inbound messages across a crash.

    A message with an explicit id that is delivered again after the process died (as a
    platform retrying a webhook would) is recognised from the database as a duplicate: no new
    reply, and her screen shows the bot's answer to it only once.
    """
    database = tmp_path / "bot.sqlite3"
    body = {"user": "redelivered", "text": "Hallo", "id": "m-1"}
    with BotServer(database, tmp_path) as first:
        answer = first.post_message(body)
        assert answer["replies"] and answer["duplicate"] is False
        first.kill()

    with BotServer(database, tmp_path) as second:
        assert second.post_message(body) == {"replies": [], "duplicate": True}
        messages = screen(second, "redelivered")
        replies = [text for direction, text in messages if direction == "out"]
        assert replies == [answer["replies"][0]["text"]], messages
        assert messages[0] == ("in", "Hallo")
        assert messages[1] == ("out", answer["replies"][0]["text"])


# ---- twc chat -----------------------------------------------------------------------------


def test_terminal_chat_and_web_simulator_share_the_conversation(tmp_path: Path) -> None:
    """Protects ``twc chat``: numbers press buttons, text is sent, the web simulator agrees.

    The terminal is one more simulator phone: what she did there is on her web screen, message
    for message, and the web simulator continues the same conversation at the open question.
    """
    database = tmp_path / "bot.sqlite3"
    env = bot_environment(database)
    loaded = run_twc(["demo", "load"], env)
    assert loaded.returncode == 0, describe(loaded)

    chat = run_twc(["chat", "--user", "terminal-test"], env, stdin="1\n1\nAmina\n\n")
    assert chat.returncode == 0, describe(chat)
    assert CONSENT_QUESTION in chat.stdout, describe(chat)
    assert "Amina" in chat.stdout, describe(chat)
    assert "Traceback" not in chat.stdout + chat.stderr, describe(chat)

    with BotServer(database, tmp_path) as server:
        messages = server.transcript("terminal-test")
        assert [m["direction"] for m in messages] == ["in", "out"] * 4, messages
        typed = [m["text"] for m in messages if m["direction"] == "in"]
        assert typed == ["/start", "Deutsch", "✅ Ja, einverstanden", "Amina"]
        said = [m["text"] for m in messages if m["direction"] == "out"]
        assert CONSENT_QUESTION in said[1]
        assert "Amina" in said[3]
        terminal = words(chat.stdout)
        position = 0
        for text in said:  # every reply was printed in the terminal, in this order
            found = terminal.find(words(text), position)
            assert found >= 0, f"{text!r} not in the terminal output after {position}:\n{terminal}"
            position = found + len(words(text))

        phone = Phone(server, "terminal-test")
        phone.last = [messages[-1]]  # the town question she saw in the terminal
        phone.press("Hoya")
        assert "📚 Kurs" in phone.labels(), phone.text()


def test_terminal_chat_prints_text_literally(tmp_path: Path) -> None:
    """Protects ``twc chat`` from treating what people type as Rich markup.

    Her name is echoed back ("Schön, Sie kennenzulernen, …"); square brackets in it must be
    printed as typed, not interpreted (or crash the chat).  The help line promises that
    ``[n]`` presses button n and must show those brackets.
    """
    database = tmp_path / "bot.sqlite3"
    env = bot_environment(database)
    loaded = run_twc(["demo", "load"], env)
    assert loaded.returncode == 0, describe(loaded)

    chat = run_twc(["chat", "--user", "brackets"], env, stdin="1\n1\nAmina [/cyan] [b]\n\n")
    assert chat.returncode == 0, describe(chat)
    assert "Traceback" not in chat.stdout + chat.stderr, describe(chat)
    assert "[n] presses button n" in chat.stdout, describe(chat)
    assert "Amina [/cyan] [b]" in chat.stdout, describe(chat)


def test_terminal_chat_without_an_organisation_says_what_to_do(tmp_path: Path) -> None:
    """Protects the first thing a new developer tries: ``twc chat`` before ``twc demo load``.

    The command must fail with a short message naming ``twc demo load``, not a traceback.
    """
    env = bot_environment(tmp_path / "empty.sqlite3")
    chat = run_twc(["chat", "--user", "nobody"], env, stdin="\n")
    output = chat.stdout + chat.stderr
    assert chat.returncode != 0, describe(chat)
    assert "twc demo load" in output, describe(chat)
    assert "Traceback" not in output, describe(chat)


# ---- flows and database commands ----------------------------------------------------------


def test_flows_check_passes(tmp_path: Path) -> None:
    """Protects the shipped flows and catalogs: ``twc flows check`` (run in CI) exits 0."""
    result = run_twc(["flows", "check"], bot_environment(tmp_path / "unused.sqlite3"))
    assert result.returncode == 0, describe(result)
    assert "flows valid" in result.stdout, describe(result)


def test_flows_draw_prints_a_mermaid_state_diagram(tmp_path: Path) -> None:
    """Protects ``twc flows draw``: its output pastes straight into a Mermaid renderer."""
    result = run_twc(["flows", "draw", "onboarding"], bot_environment(tmp_path / "unused.sqlite3"))
    assert result.returncode == 0, describe(result)
    assert result.stdout.startswith("stateDiagram-v2"), describe(result)
    assert "[*] -->" in result.stdout


def test_flows_draw_of_an_unknown_flow_names_the_known_ones(tmp_path: Path) -> None:
    """Protects the error for a mistyped flow name: non-zero exit, known flows, no traceback."""
    result = run_twc(
        ["flows", "draw", "nonexistent"], bot_environment(tmp_path / "unused.sqlite3")
    )
    assert result.returncode != 0, describe(result)
    output = result.stdout + result.stderr
    assert "nonexistent" in output, describe(result)
    assert "onboarding" in output, describe(result)
    assert "Traceback" not in output, describe(result)


def test_db_upgrade_creates_a_fresh_sqlite_database(tmp_path: Path) -> None:
    """Protects first-time setup: ``twc db upgrade`` creates the file (and its folder)."""
    database = tmp_path / "new" / "folder" / "fresh.sqlite3"
    result = run_twc(["db", "upgrade"], bot_environment(database))
    assert result.returncode == 0, describe(result)
    assert database.is_file()
    with sqlite3.connect(database) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert {"alembic_version", "people", "outbox"} <= tables


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    """Protects production from the development secret (names would be readable by anyone).

    The refusal is a short configuration error naming ``TWC_SECRET_KEY``, not a traceback, and
    nothing is migrated.  It runs outside the repository so a developer's ``.env`` cannot
    supply a key.
    """
    database = tmp_path / "prod.sqlite3"
    env = bot_environment(database, environment="production", secret_key="")
    env["PYTHONPATH"] = str(REPO_ROOT)
    result = run_twc(["db", "upgrade"], env, cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode != 0, describe(result)
    assert "TWC_SECRET_KEY" in output, describe(result)
    assert "Traceback" not in output, describe(result)
    assert not database.exists()
