"""The staff shell over ASGI: login, sessions in cookies, CSRF, the dashboard, logout, pages
that need a login, static files."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from bot.db.migrate import upgrade
from bot.db.tables import staff, staff_sessions
from bot.demo import load_demo
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from bot.web.app import create_app
from tests.auxil.clock import FrozenClock
from tests.auxil.constants import TEST_SECRET
from tests.auxil.processes import BotServer
from tests.auxil.staff import (
    DEMO_EMAIL,
    DEMO_LOGIN_PASSWORD,
    csrf_of,
    login_client,
)


def sessions_in(runtime: Runtime) -> int:
    with runtime.db.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(staff_sessions)).scalar_one())


def test_a_page_without_login_goes_to_the_login_page(sqlite_client: TestClient) -> None:
    response = sqlite_client.get("/staff/account?x=1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/login?next=/staff/account%3Fx%3D1"


def test_login_sets_an_httponly_lax_cookie_and_stores_only_its_hash(
    sqlite_client: TestClient, sqlite_runtime: Runtime
) -> None:
    page = sqlite_client.get("/staff/login")
    assert page.status_code == 200
    assert 'name="email"' in page.text and 'name="password"' in page.text
    response = sqlite_client.post(
        "/staff/login",
        data={
            "email": DEMO_EMAIL.upper(),
            "password": DEMO_LOGIN_PASSWORD,
            "csrf_token": csrf_of(page.text),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("twc_staff="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    token = cookie.split(";")[0].split("=", 1)[1]
    with sqlite_runtime.db.connect() as conn:
        stored = conn.execute(select(staff_sessions.c.token_hash)).scalars().all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    dashboard = sqlite_client.get("/staff/")
    assert "Übersicht" in dashboard.text
    assert "Koordination Nienburg" in dashboard.text
    assert 'hx-headers=\'{"X-CSRF-Token": "' in dashboard.text


def test_the_dashboard_says_when_there_is_nothing_to_show(sqlite_client: TestClient) -> None:
    login_client(sqlite_client)
    page = sqlite_client.get("/staff/")
    assert "Im Moment gibt es hier nichts zu tun" in page.text


def test_a_wrong_password_is_refused_with_a_message(sqlite_client: TestClient) -> None:
    page = sqlite_client.get("/staff/login")
    response = sqlite_client.post(
        "/staff/login",
        data={"email": DEMO_EMAIL, "password": "falsch-falsch", "csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 400
    assert "E-Mail-Adresse oder Passwort stimmt nicht." in response.text
    assert sqlite_client.get("/staff/", follow_redirects=False).status_code == 303


def test_a_login_without_the_form_token_is_refused(sqlite_client: TestClient) -> None:
    sqlite_client.get("/staff/login")
    response = sqlite_client.post(
        "/staff/login", data={"email": DEMO_EMAIL, "password": DEMO_LOGIN_PASSWORD}
    )
    assert response.status_code == 403
    assert "aus Sicherheitsgründen abgelehnt" in response.text


def test_a_post_without_the_session_token_is_refused(
    sqlite_client: TestClient, sqlite_runtime: Runtime
) -> None:
    csrf = login_client(sqlite_client)
    assert sqlite_client.post("/staff/logout", follow_redirects=False).status_code == 403
    wrong = sqlite_client.post(
        "/staff/logout", data={"csrf_token": "x" + csrf}, follow_redirects=False
    )
    assert wrong.status_code == 403
    assert sessions_in(sqlite_runtime) == 1
    by_header = sqlite_client.post(
        "/staff/account/language",
        data={"language": "en"},
        headers={"X-CSRF-Token": csrf},
        follow_redirects=False,
    )
    assert by_header.status_code == 303
    with sqlite_runtime.db.connect() as conn:
        assert conn.execute(select(staff.c.language)).scalars().all() == ["en"]


def test_logout_deletes_the_session(sqlite_client: TestClient, sqlite_runtime: Runtime) -> None:
    csrf = login_client(sqlite_client)
    assert sessions_in(sqlite_runtime) == 1
    response = sqlite_client.post(
        "/staff/logout", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/login"
    assert sessions_in(sqlite_runtime) == 0
    assert sqlite_client.get("/staff/", follow_redirects=False).status_code == 303


def test_static_files_are_served_without_login(sqlite_client: TestClient) -> None:
    css = sqlite_client.get("/staff/static/pico.classless.min.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    js = sqlite_client.get("/staff/static/htmx.min.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]


def test_the_secure_cookie_on_https(sqlite_url: str, clock: FrozenClock) -> None:
    """Behind an https public URL the cookie is Secure and ``__Host-`` prefixed."""
    upgrade(sqlite_url)
    settings = Settings(
        _env_file=None,
        database_url=sqlite_url,
        secret_key=TEST_SECRET,
        public_url="https://bot.example.org",
    )
    runtime = build_runtime(settings, clock=clock)
    load_demo(runtime.db, TEST_SECRET, clock())
    with TestClient(create_app(runtime, background=False), base_url="https://testserver") as c:
        page = c.get("/staff/login")
        login_cookie = page.headers["set-cookie"]
        assert login_cookie.startswith("__Host-twc_staff_login=") and "Secure" in login_cookie
        answer = c.post(
            "/staff/login",
            data={
                "email": DEMO_EMAIL,
                "password": DEMO_LOGIN_PASSWORD,
                "csrf_token": csrf_of(page.text),
            },
            follow_redirects=False,
        )
        session_cookie = next(
            v for v in answer.headers.get_list("set-cookie") if v.startswith("__Host-twc_staff=")
        )
        assert "Secure" in session_cookie and "HttpOnly" in session_cookie
        assert "Path=/" in session_cookie and "Domain" not in session_cookie
        assert c.get("/staff/").status_code == 200
    runtime.close()


@pytest.mark.slow
def test_twc_run_demo_prints_a_login_that_works(tmp_path: Path) -> None:
    """``make run`` (``twc run --demo``) prints the staff login, and it logs in."""
    with BotServer(tmp_path / "demo.sqlite3", tmp_path) as server:
        printed = server.log()
        assert f"Staff login (demo): {server.base_url}/staff/login" in printed
        found = re.search(r"email (\S+)  password (\S+)", printed)
        assert found
        http = server.http()
        page = http.get("/staff/login")
        answer = http.post(
            "/staff/login",
            data={
                "email": found.group(1),
                "password": found.group(2),
                "csrf_token": csrf_of(page.text),
            },
        )
        assert answer.status_code == 303 and answer.headers["location"] == "/staff/"
        dashboard = http.get("/staff/")
        assert dashboard.status_code == 200 and "Übersicht" in dashboard.text


def test_htmx_without_a_login_is_told_to_load_the_login_page(sqlite_client: TestClient) -> None:
    answer = sqlite_client.get("/staff/account", headers={"HX-Request": "true"})
    assert answer.status_code == 401
    assert answer.headers["hx-redirect"] == "/staff/login?next=/staff/account"


def test_next_never_leaves_the_staff_app(sqlite_client: TestClient) -> None:
    page = sqlite_client.get("/staff/login?next=//evil.example/staff")
    answer = sqlite_client.post(
        "/staff/login",
        data={
            "email": DEMO_EMAIL,
            "password": DEMO_LOGIN_PASSWORD,
            "csrf_token": csrf_of(page.text),
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/staff/"
