"""Shared fixtures: a frozen clock, a migrated database with demo data, the app, a simulator client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from starlette.testclient import TestClient

from bot.db.migrate import upgrade
from bot.demo import load_demo
from bot.runtime import Runtime, build_runtime
from bot.staff import passwords
from bot.web.app import create_app
from tests.auxil.clock import FrozenClock, restart_wall_clock
from tests.auxil.constants import TEST_SECRET
from tests.auxil.databases import fresh_database
from tests.auxil.runtimes import make_runtime
from tests.auxil.telegram import webhook_settings
from tests.auxil.twilio import Prism

#: Browser fixtures (``chromium``, ``live_server``, ``staff_page``) for every module.
pytest_plugins = ["tests.auxil.browser", "tests.auxil.whatsapp_fixtures"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite the golden transcripts")


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashes() -> None:
    """argon2id with small parameters in the test process (staff logins: hundreds of them);
    the production parameters are tested in tests/test_staff_accounts.py."""
    passwords.use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


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


@pytest.fixture
def webhook_runtime(sqlite_url: str, clock: FrozenClock) -> Iterator[Runtime]:
    """A runtime with the Telegram channel in webhook mode (no Bot API reachable) and demo data."""
    upgrade(sqlite_url)
    runtime = build_runtime(webhook_settings(sqlite_url), clock=clock)
    load_demo(runtime.db, TEST_SECRET, clock())
    yield runtime
    runtime.close()


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime, background=False)) as test_client:
        yield test_client


@pytest.fixture
def sqlite_client(sqlite_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(sqlite_runtime, background=False)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prism]:
    """Prism serving Twilio's API description: the WhatsApp tests' Twilio (one per module)."""
    with Prism(tmp_path_factory.mktemp("prism")) as server:
        yield server
