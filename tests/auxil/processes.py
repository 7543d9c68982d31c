"""Real ``twc`` processes for end-to-end tests: a server on a free port, one-shot commands.

Every process gets an environment built from scratch for the test (its own SQLite file, port
and secret) so that a developer's ``TWC_*`` variables never leak in.  Under ``TWC_TEST_NOW``
each process also gets ``TWC_CLOCK_START``, the test's "now" at the instant it is started
(``tests.auxil.clock``), so process and test agree on the time.  Servers write their
output to log files in the test's directory (a pipe nobody reads could fill up and block them);
the log is attached to every failure.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from tests.auxil.clock import process_clock_environment

REPO_ROOT = Path(__file__).resolve().parents[2]

#: The secret of every test process (long enough for production too).
PROCESS_SECRET = "process-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"

#: How long a server may take to answer ``/healthz`` (migrations, demo data, flows).
START_TIMEOUT = 30.0

#: How long a one-shot command may run.
COMMAND_TIMEOUT = 60.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of the SQLite file at ``path``."""
    return f"sqlite:///{path}"


def bot_environment(database: Path, port: int | None = None, **overrides: str) -> dict[str, str]:
    """``os.environ`` without any ``TWC_*`` variable, plus the test's database, port and secret.

    ``TWC_ENVIRONMENT=development``: the tests talk to the bot through the simulator, which
    only development serves (a test of production sets ``environment="production"``).

    ``overrides`` are ``TWC_*`` names (without the prefix, any case) set last; an empty string
    removes the variable instead.
    """
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("TWC_")}
    env.update(
        TWC_DATABASE_URL=sqlite_url(database),
        TWC_SECRET_KEY=PROCESS_SECRET,
        TWC_ENVIRONMENT="development",
        PYTHONUTF8="1",  # emoji and Arabic on stdout whatever the machine's locale is
        PYTHONIOENCODING="utf-8",
    )
    if port is not None:
        env["TWC_PORT"] = str(port)
    for name, value in overrides.items():
        key = f"TWC_{name.upper()}"
        if value:
            env[key] = value
        else:
            env.pop(key, None)
    return env


def with_clock(env: dict[str, str]) -> dict[str, str]:
    """``env`` plus ``TWC_CLOCK_START`` = the test's "now" under ``TWC_TEST_NOW`` (unless the
    test set one itself); computed as the process starts, never when ``env`` was built."""
    if "TWC_CLOCK_START" in env:
        return env
    return {**env, **process_clock_environment()}


def twc_command(*args: str) -> list[str]:
    """The command line that runs ``twc ARGS`` with the interpreter running the tests."""
    return [sys.executable, "-m", "bot.cli", *args]


def run_twc(
    args: Sequence[str],
    env: dict[str, str],
    *,
    stdin: str | None = None,
    cwd: Path = REPO_ROOT,
    timeout: float = COMMAND_TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    """Run one ``twc`` command to its end and capture its output as text."""
    return subprocess.run(
        twc_command(*args),
        cwd=cwd,
        env=with_clock(env),
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
    )


def describe(result: subprocess.CompletedProcess[str]) -> str:
    """A command's exit code and output, for assertion messages."""
    return (
        f"exit code {result.returncode}\n--- stdout ---\n{result.stdout}\n"
        f"--- stderr ---\n{result.stderr}"
    )


class BotServer:
    """One ``twc run --demo`` process on a free port; use as a context manager.

    ``environment`` holds extra ``TWC_*`` settings (names without the prefix, any case).

    Leaving the ``with`` block always ends the process (SIGKILL if it is still running), so a
    failing test never leaves a server behind.
    """

    def __init__(
        self, database: Path, logs: Path, *args: str, environment: dict[str, str] | None = None
    ) -> None:
        self.database = database
        self.environment = dict(environment or {})
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = logs / f"twc-run-{self.port}.log"
        self.args = args or ("run", "--demo")
        self.process: subprocess.Popen[bytes] | None = None
        self.client: httpx.Client | None = None

    def __enter__(self) -> BotServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.kill()

    def start(self) -> None:
        """Start the process and return once ``/healthz`` answers."""
        env = bot_environment(self.database, self.port, **self.environment)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                twc_command(*self.args),
                cwd=REPO_ROOT,
                env=with_clock(env),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.client = httpx.Client(base_url=self.base_url, timeout=10.0)
        self._wait_until_healthy()

    def _wait_until_healthy(self) -> None:
        assert self.process is not None and self.client is not None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"twc exited with {self.process.returncode} before it served:\n{self.log()}"
                )
            try:
                if self.client.get("/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass  # not listening yet
            time.sleep(0.05)  # polling a server that is starting up, not waiting for time
        self.kill()
        raise AssertionError(f"twc did not answer /healthz in {START_TIMEOUT} s:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL the process (no shutdown code runs) and reap it; harmless if it is gone."""
        if self.client is not None:
            self.client.close()
            self.client = None
        if self.process is not None:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait(timeout=10)

    def log(self) -> str:
        """Everything the process printed so far."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return "(no log)"

    def http(self) -> httpx.Client:
        """The HTTP client talking to this server."""
        assert self.client is not None, "the server is not running"
        return self.client

    def post_message(self, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /simulator/api/messages``; fails the test unless it answers 200."""
        response = self.http().post("/simulator/api/messages", json=body)
        assert response.status_code == 200, f"{response.status_code} {response.text}\n{self.log()}"
        result: dict[str, Any] = response.json()
        return result

    def transcript(self, user: str) -> list[dict[str, Any]]:
        """Her whole simulated screen, oldest first (``GET /simulator/api/messages``)."""
        response = self.http().get("/simulator/api/messages", params={"user": user})
        assert response.status_code == 200, f"{response.status_code} {response.text}"
        messages: list[dict[str, Any]] = response.json()["messages"]
        return messages


class Phone:
    """A test user's phone talking to whichever :class:`BotServer` it is pointed at.

    It remembers the last replies with buttons across servers, so a test can press a button it
    saw before a restart, as a person would.
    """

    def __init__(self, server: BotServer, user: str) -> None:
        self.server = server
        self.user = user
        self.last: list[dict[str, Any]] = []

    def send(self, text: str) -> list[dict[str, Any]]:
        """Type and send ``text``."""
        return self._post({"user": self.user, "text": text})

    def button(self, label_or_id: str) -> dict[str, str]:
        """The button of the last replies with that label (or id)."""
        for reply in reversed(self.last):
            for choice in reply["choices"]:
                if label_or_id in (choice["label"], choice["id"]):
                    return dict(choice)
        raise AssertionError(f"no button {label_or_id!r} in {self.last}")

    def press(self, label_or_id: str) -> list[dict[str, Any]]:
        """Press a button of the last replies, by its label or its id."""
        return self._post({"user": self.user, "choice": self.button(label_or_id)["id"]})

    def labels(self) -> list[str]:
        """The labels of the buttons under the last reply."""
        return [c["label"] for c in self.last[-1]["choices"]] if self.last else []

    def text(self) -> str:
        """The text of the last replies."""
        return "\n".join(r["text"] for r in self.last)

    def _post(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        answer = self.server.post_message(body)
        replies: list[dict[str, Any]] = answer["replies"]
        if replies:
            self.last = replies
        return replies
