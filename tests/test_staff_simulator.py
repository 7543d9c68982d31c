"""The simulator outside development: switched on, it is for logged-in staff only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from bot.db.migrate import upgrade
from bot.demo import load_demo
from bot.runtime import build_runtime
from bot.settings import Settings
from bot.web.app import create_app
from tests.auxil.clock import FrozenClock
from tests.auxil.constants import TEST_SECRET
from tests.auxil.staff import login_client


@pytest.fixture
def test_env_client(sqlite_url: str, clock: FrozenClock) -> Iterator[TestClient]:
    """The app in environment "test" with the simulator switched on."""
    upgrade(sqlite_url)
    settings = Settings(
        _env_file=None,
        database_url=sqlite_url,
        environment="test",
        secret_key=TEST_SECRET,
        simulator_enabled=True,
    )
    runtime = build_runtime(settings, clock=clock)
    load_demo(runtime.db, TEST_SECRET, clock())
    with TestClient(create_app(runtime, background=False)) as client:
        yield client
    runtime.close()


def test_without_a_login_the_simulator_is_closed(test_env_client: TestClient) -> None:
    page = test_env_client.get("/simulator", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/staff/login?next=/simulator"
    assert test_env_client.get("/simulator/api/users").status_code == 401
    posted = test_env_client.post("/simulator/api/messages", json={"user": "a", "text": "hi"})
    assert posted.status_code == 401
    script = test_env_client.get("/simulator/simulator.js", follow_redirects=False)
    assert script.status_code == 303


def test_logged_in_staff_use_the_simulator(test_env_client: TestClient) -> None:
    login_client(test_env_client)
    assert test_env_client.get("/simulator").status_code == 200
    posted = test_env_client.post(
        "/simulator/api/messages", json={"user": "staff-test", "text": "hallo"}
    )
    assert posted.status_code == 200, posted.text
    assert posted.json()["replies"]
    assert "staff-test" in str(test_env_client.get("/simulator/api/users").json())


def test_after_login_she_comes_back_to_the_simulator(test_env_client: TestClient) -> None:
    from tests.auxil.staff import DEMO_EMAIL, DEMO_LOGIN_PASSWORD, csrf_of

    page = test_env_client.get("/staff/login?next=/simulator")
    answer = test_env_client.post(
        "/staff/login?next=/simulator",
        data={
            "email": DEMO_EMAIL,
            "password": DEMO_LOGIN_PASSWORD,
            "csrf_token": csrf_of(page.text),
            "next": "/simulator",
        },
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/simulator"
