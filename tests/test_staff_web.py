"""The staff shell over ASGI: login, sessions in cookies, CSRF, the dashboard, logout, pages
that need a login, static files."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select
from starlette.testclient import TestClient

from bot.db.tables import staff, staff_sessions
from bot.runtime import Runtime
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
