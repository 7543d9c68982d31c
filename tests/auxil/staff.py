"""Staff accounts and logins for tests: make a member, log a test client in, read the CSRF
token of a page."""

from __future__ import annotations

import re

from sqlalchemy import insert, select
from starlette.testclient import TestClient

from bot.db.tables import organisations
from bot.demo import COORDINATOR_EMAIL, DEMO_PASSWORD, ORG_SLUG
from bot.runtime import Runtime
from bot.staff.accounts import StaffAccounts

#: The demo admin of the demo organisation (``bot.demo``), present in every test runtime.
DEMO_EMAIL = COORDINATOR_EMAIL
DEMO_LOGIN_PASSWORD = DEMO_PASSWORD
PASSWORD = "ein-gutes-passwort-42"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def accounts(runtime: Runtime) -> StaffAccounts:
    return StaffAccounts(runtime.db, runtime.clock, runtime.settings.secret_key)


def organisation_id(runtime: Runtime, slug: str = ORG_SLUG) -> int:
    with runtime.db.connect() as conn:
        found = conn.execute(
            select(organisations.c.id).where(organisations.c.slug == slug)
        ).scalar_one()
    return int(found)


def add_organisation(runtime: Runtime, slug: str, name: str = "") -> int:
    """Another organisation (the demo one is ``vnb-nienburg``)."""
    with runtime.db.begin() as conn:
        found = conn.execute(
            insert(organisations)
            .values(slug=slug, name=name or slug, created_at=runtime.clock())
            .returning(organisations.c.id)
        ).scalar_one()
    return int(found)


def add_staff(
    runtime: Runtime,
    email: str,
    *,
    role: str = "coordinator",
    organisation: str = ORG_SLUG,
    password: str = PASSWORD,
    language: str = "de",
    name: str = "",
) -> int:
    """A new active staff member of ``organisation`` (slug) with ``role``."""
    return accounts(runtime).create(
        email,
        password,
        organisation_id=organisation_id(runtime, organisation),
        role=role,
        actor="test",
        display_name=name or email.split("@")[0],
        language=language,
    )


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = CSRF.search(html)
    assert found, "the page has no form with a csrf_token"
    return found.group(1)


def login_client(
    client: TestClient, email: str = DEMO_EMAIL, password: str = DEMO_LOGIN_PASSWORD
) -> str:
    """Log the test client in through ``/staff/login``; returns the session's CSRF token."""
    page = client.get("/staff/login")
    response = client.post(
        "/staff/login",
        data={"email": email, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/staff/account").text)


__all__ = [
    "DEMO_EMAIL",
    "DEMO_LOGIN_PASSWORD",
    "PASSWORD",
    "accounts",
    "add_organisation",
    "add_staff",
    "csrf_of",
    "login_client",
    "organisation_id",
]
