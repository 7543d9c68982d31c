"""The account and team pages over ASGI: language, password change (and the forced one after
a reset), the second factor at login, admins' actions scoped to their organisations, the
lock-out message, and the audit log."""

from __future__ import annotations

import re

import pyotp
from httpx import Response
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.db.tables import audit
from bot.runtime import Runtime
from tests.auxil.clock import FrozenClock
from tests.auxil.staff import (
    DEMO_EMAIL,
    PASSWORD,
    add_organisation,
    add_staff,
    csrf_of,
    login_client,
)

SECRET = re.compile(r'<code id="totp-secret">([A-Z2-7 ]+)</code>')
ONE_TIME = re.compile(r'<code id="one-time-password">([^<]+)</code>')


def audit_actions(runtime: Runtime) -> list[tuple[str, str]]:
    with runtime.db.connect() as conn:
        return [tuple(r) for r in conn.execute(select(audit.c.actor, audit.c.action))]


def post_login(client: TestClient, email: str, password: str) -> Response:
    page = client.get("/staff/login")
    return client.post(
        "/staff/login",
        data={"email": email, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )


def test_pages_speak_her_language(sqlite_client: TestClient, sqlite_runtime: Runtime) -> None:
    add_staff(sqlite_runtime, "greek@example.org", language="el")
    login_client(sqlite_client, "greek@example.org", PASSWORD)
    page = sqlite_client.get("/staff/")
    assert '<html lang="el">' in page.text
    assert "Επισκόπηση" in page.text and "Αποσύνδεση" in page.text
    csrf = csrf_of(page.text)
    sqlite_client.post("/staff/account/language", data={"language": "it", "csrf_token": csrf})
    assert "Panoramica" in sqlite_client.get("/staff/").text
    refused = sqlite_client.post(
        "/staff/account/language", data={"language": "xx", "csrf_token": csrf}
    )
    assert refused.status_code == 400 and "Lingua sconosciuta." in refused.text


def test_the_login_page_follows_the_browser(sqlite_client: TestClient) -> None:
    page = sqlite_client.get("/staff/login", headers={"accept-language": "pt-PT,pt;q=0.9"})
    assert '<html lang="pt">' in page.text and "Iniciar sessão" in page.text
    assert '<html lang="en">' in sqlite_client.get("/staff/login?lang=en").text
    assert '<html lang="de">' in sqlite_client.get("/staff/login?lang=zz").text


def test_change_password(sqlite_client: TestClient, sqlite_runtime: Runtime) -> None:
    add_staff(sqlite_runtime, "pw@example.org")
    csrf = login_client(sqlite_client, "pw@example.org", PASSWORD)
    form = {"csrf_token": csrf, "current": PASSWORD, "new": "neu-und-lang-1", "repeat": "x"}
    differs = sqlite_client.post("/staff/account/password", data=form)
    assert differs.status_code == 400
    assert "Die beiden neuen Passwörter sind verschieden." in differs.text
    form["repeat"] = form["new"]
    form["current"] = "falsch"
    wrong = sqlite_client.post("/staff/account/password", data=form)
    assert "Das bisherige Passwort stimmt nicht." in wrong.text
    form["current"] = PASSWORD
    done = sqlite_client.post("/staff/account/password", data=form)
    assert "Ihr Passwort ist geändert." in done.text
    fresh = TestClient(sqlite_client.app)
    assert post_login(fresh, "pw@example.org", "neu-und-lang-1").status_code == 303


def test_a_reset_password_must_be_changed_first(
    sqlite_client: TestClient, sqlite_runtime: Runtime
) -> None:
    target = add_staff(sqlite_runtime, "reset@example.org")
    csrf = login_client(sqlite_client)  # the demo admin
    page = sqlite_client.post(f"/staff/team/{target}/reset-password", data={"csrf_token": csrf})
    assert page.status_code == 200
    one_time = ONE_TIME.search(page.text)
    assert one_time
    assert ("staff:1", "staff.password_reset") in audit_actions(sqlite_runtime)

    other = TestClient(sqlite_client.app)
    assert post_login(other, "reset@example.org", PASSWORD).status_code == 400
    assert post_login(other, "reset@example.org", one_time.group(1)).status_code == 303
    forced = other.get("/staff/", follow_redirects=False)
    assert forced.status_code == 303 and forced.headers["location"] == "/staff/account/password"
    form_page = other.get("/staff/account/password")
    assert "Ihr Passwort wurde zurückgesetzt" in form_page.text
    other.post(
        "/staff/account/password",
        data={
            "csrf_token": csrf_of(form_page.text),
            "current": one_time.group(1),
            "new": "jetzt-mein-eigenes",
            "repeat": "jetzt-mein-eigenes",
        },
    )
    assert other.get("/staff/", follow_redirects=False).status_code == 200


def test_login_with_a_second_factor(
    sqlite_client: TestClient, sqlite_runtime: Runtime, clock: FrozenClock
) -> None:
    add_staff(sqlite_runtime, "totp@example.org")
    csrf = login_client(sqlite_client, "totp@example.org", PASSWORD)
    setup = sqlite_client.get("/staff/account/second-factor")
    assert "<svg" in setup.text
    found = SECRET.search(setup.text)
    assert found
    secret = found.group(1).replace(" ", "")
    wrong = sqlite_client.post(
        "/staff/account/second-factor", data={"csrf_token": csrf, "code": "12345"}
    )
    assert wrong.status_code == 400
    done = sqlite_client.post(
        "/staff/account/second-factor",
        data={"csrf_token": csrf, "code": pyotp.TOTP(secret).at(clock.now)},
    )
    assert "Die Zwei-Faktor-Anmeldung ist eingeschaltet." in done.text

    other = TestClient(sqlite_client.app)
    answer = post_login(other, "totp@example.org", PASSWORD)
    assert answer.headers["location"] == "/staff/login/code?next=/staff/"
    # Password alone: nothing but the code page.
    assert other.get("/staff/", follow_redirects=False).status_code == 303
    code_page = other.get("/staff/login/code")
    refused = other.post(
        "/staff/login/code",
        data={"csrf_token": csrf_of(code_page.text), "code": "000000", "next": "/staff/"},
    )
    assert refused.status_code == 400 and "Der Code stimmt nicht." in refused.text
    clock.advance(seconds=31)
    passed = other.post(
        "/staff/login/code",
        data={
            "csrf_token": csrf_of(code_page.text),
            "code": pyotp.TOTP(secret).at(clock.now),
            "next": "/staff/account",
        },
        follow_redirects=False,
    )
    assert passed.status_code == 303 and passed.headers["location"] == "/staff/account"
    assert other.get("/staff/", follow_redirects=False).status_code == 200


def test_admins_manage_only_their_organisations_staff(
    sqlite_client: TestClient, sqlite_runtime: Runtime
) -> None:
    add_organisation(sqlite_runtime, "lisboa", "Associação Lisboa")
    outsider = add_staff(sqlite_runtime, "lisboa@example.org", organisation="lisboa")
    colleague = add_staff(sqlite_runtime, "kollegin@example.org")
    csrf = login_client(sqlite_client)
    team = sqlite_client.get("/staff/team")
    assert "kollegin@example.org" in team.text and "lisboa@example.org" not in team.text
    for action in ("reset-password", "reset-second-factor", "active"):
        guessed = sqlite_client.post(
            f"/staff/team/{outsider}/{action}", data={"csrf_token": csrf, "active": "0"}
        )
        assert guessed.status_code == 404, action
        assert (
            sqlite_client.post(
                f"/staff/team/99999/{action}", data={"csrf_token": csrf}
            ).status_code
            == 404
        )
    deactivated = sqlite_client.post(
        f"/staff/team/{colleague}/active", data={"csrf_token": csrf, "active": "0"}
    )
    assert deactivated.status_code == 200
    assert "deaktiviert" in deactivated.text
    assert ("staff:1", "staff.deactivate") in audit_actions(sqlite_runtime)
    assert (
        post_login(TestClient(sqlite_client.app), "kollegin@example.org", PASSWORD).status_code
        == 400
    )


def test_coordinators_do_not_see_the_team_page(
    sqlite_client: TestClient, sqlite_runtime: Runtime
) -> None:
    add_staff(sqlite_runtime, "coord@example.org")
    csrf = login_client(sqlite_client, "coord@example.org", PASSWORD)
    page = sqlite_client.get("/staff/team")
    assert page.status_code == 403
    assert 'href="/staff/team"' not in sqlite_client.get("/staff/").text
    posted = sqlite_client.post("/staff/team", data={"csrf_token": csrf, "email": "x@y.org"})
    assert posted.status_code == 403


def test_an_admin_adds_a_member_who_gets_a_one_time_password(
    sqlite_client: TestClient, sqlite_runtime: Runtime
) -> None:
    csrf = login_client(sqlite_client)
    org = sqlite_client.get("/staff/team")
    org_id = re.search(r'<option value="(\d+)"', org.text)
    assert org_id
    added = sqlite_client.post(
        "/staff/team",
        data={
            "csrf_token": csrf,
            "email": "Neu@Example.org",
            "name": "Neue Kollegin",
            "organisation": org_id.group(1),
            "role": "coordinator",
            "language": "pt",
        },
    )
    assert added.status_code == 200
    one_time = ONE_TIME.search(added.text)
    assert one_time and "neu@example.org" in added.text
    again = sqlite_client.post(
        "/staff/team",
        data={"csrf_token": csrf, "email": "x@y.org", "organisation": "424242"},
    )
    assert again.status_code == 400 and "Bitte wählen Sie eine Organisation." in again.text
    assert ("staff:1", "staff.create") in audit_actions(sqlite_runtime)
    fresh = TestClient(sqlite_client.app)
    assert post_login(fresh, "neu@example.org", one_time.group(1)).status_code == 303


def test_the_lock_out_is_explained(sqlite_client: TestClient, sqlite_runtime: Runtime) -> None:
    for _ in range(4):
        answer = post_login(sqlite_client, DEMO_EMAIL, "falsch-falsch")
        assert answer.status_code == 400
    locked = post_login(sqlite_client, DEMO_EMAIL, "falsch-falsch")
    assert locked.status_code == 429
    # 09:00 UTC on the test clock + 15 minutes, shown in Berlin time.
    assert "Anmeldung bis 10:15 Uhr gesperrt" in locked.text
