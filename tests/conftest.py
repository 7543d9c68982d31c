"""Shared fixtures: a frozen clock, a migrated database with demo data, the app, a simulator client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from bot.db.migrate import upgrade
from bot.demo import load_demo
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from bot.web.app import create_app
from tests.auxil.clock import FrozenClock, restart_wall_clock
from tests.auxil.databases import fresh_database

TEST_SECRET = "test-secret-key-that-is-long-enough-for-tests-0123456789"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite the golden transcripts")


@pytest.fixture(autouse=True)
def _wall_clock_starts_with_the_test() -> None:
    """Under ``TWC_TEST_NOW`` every test begins at that moment (``tests.auxil.clock``)."""
    restart_wall_clock()


@pytest.fixture
def clock() -> FrozenClock:
    """A frozen clock at a fixed Monday morning (``tests.auxil.clock.DEFAULT_START``)."""
    return FrozenClock()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database; every test using it runs on SQLite and on PostgreSQL."""
    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    """An empty SQLite database, for tests that are about something else than storage."""
    with fresh_database("sqlite", tmp_path) as url:
        yield url


def make_runtime(url: str, clock: FrozenClock, show_at_once: bool = True) -> Runtime:
    """A runtime on ``url`` with the demo data.  ``show_at_once=False``: simulator replies wait
    in the outbox for a dispatcher like any channel's (the dispatcher's own tests)."""
    settings = Settings(database_url=url, environment="test", secret_key=TEST_SECRET)
    upgrade(url)
    runtime = build_runtime(settings, clock=clock, show_at_once=show_at_once)
    load_demo(runtime.db, TEST_SECRET, clock())
    return runtime


@pytest.fixture
def runtime(database_url: str, clock: FrozenClock) -> Iterator[Runtime]:
    rt = make_runtime(database_url, clock)
    yield rt
    rt.close()


@pytest.fixture
def sqlite_runtime(sqlite_url: str, clock: FrozenClock) -> Iterator[Runtime]:
    rt = make_runtime(sqlite_url, clock)
    yield rt
    rt.close()


class Simulator:
    """A test user's phone, talking to the simulator API over HTTP (ASGI)."""

    def __init__(self, client: TestClient, user: str) -> None:
        self.client = client
        self.user = user
        self.last: list[dict[str, Any]] = []

    def send(self, text: str) -> list[dict[str, Any]]:
        return self._post({"user": self.user, "text": text})

    def press(self, label_or_id: str) -> list[dict[str, Any]]:
        """Press a button of the last reply that had buttons, by its label (or its id)."""
        for reply in reversed(self.last):
            for choice in reply["choices"]:
                if label_or_id in (choice["label"], choice["id"]):
                    return self._post({"user": self.user, "choice": choice["id"]})
        raise AssertionError(f"no button {label_or_id!r} in {self.last}")

    def _post(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        response = self.client.post("/simulator/api/messages", json=body)
        assert response.status_code == 200, response.text
        replies = response.json()["replies"]
        if replies:
            self.last = replies
        return replies

    def labels(self) -> list[str]:
        return [c["label"] for c in self.last[-1]["choices"]] if self.last else []

    def text(self) -> str:
        return "\n".join(r["text"] for r in self.last)


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime, background=False)) as test_client:
        yield test_client


@pytest.fixture
def sqlite_client(sqlite_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(sqlite_runtime, background=False)) as test_client:
        yield test_client
