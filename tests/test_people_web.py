"""The people pages over HTTP: the directory and its htmx results, a profile, the actions
(CSRF required, audited), the dashboard's panels, and a person of another organisation
answered with 404 however her id is reached.  (The browser tests are in
``test_people_browser.py``.)
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.db.tables import audit, enrolments, people
from bot.runtime import Runtime
from bot.web.app import create_app
from tests.auxil.clock import FrozenClock
from tests.auxil.people import (
    DEMO,
    OTHER,
    add_course,
    add_person,
    answer,
    enrol,
    organisation_id,
    second_organisation,
)
from tests.auxil.staff import PASSWORD, add_staff, login_client


@dataclass(frozen=True)
class Site:
    runtime: Runtime
    amina: int
    sara: int
    amira: int
    """Of the other organisation."""


@pytest.fixture
def site(sqlite_runtime: Runtime, clock: FrozenClock) -> Site:
    now = clock()
    demo = organisation_id(sqlite_runtime, DEMO)
    other = second_organisation(sqlite_runtime, now)
    amina = add_person(
        sqlite_runtime,
        demo,
        "Amina",
        now,
        town="Nienburg (Weser)",
        language="ar",
        channels=[("whatsapp", "+4917611111111", "ok")],
    )
    sara = add_person(
        sqlite_runtime,
        demo,
        "Sara",
        now,
        language="fa",
        channels=[("telegram", "445566", "unreachable")],
    )
    amira = add_person(
        sqlite_runtime, other, "Amira", now, channels=[("whatsapp", "+4917622222222", "ok")]
    )
    add_staff(sqlite_runtime, "hoya@example.org", organisation=OTHER)
    add_staff(sqlite_runtime, "ko@example.org")
    return Site(sqlite_runtime, amina, sara, amira)


@pytest.fixture
def web(sqlite_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(sqlite_runtime, background=False)) as client:
        yield client


def audit_actions(runtime: Runtime) -> list[tuple[str, str, dict[str, object]]]:
    with runtime.db.connect() as conn:
        return [
            (r.actor, r.action, r.details)
            for r in conn.execute(select(audit).order_by(audit.c.id))
            if r.action in ("course.enrol", "people.export", "person.erase")
        ]


def test_the_directory_lists_her_organisations_people_and_htmx_gets_the_results(
    site: Site, web: TestClient
) -> None:
    assert web.get("/staff/people", follow_redirects=False).status_code == 303  # login first
    login_client(web)
    page = web.get("/staff/people")
    assert page.status_code == 200
    assert "<bdi>Amina</bdi>" in page.text and "<bdi>Sara</bdi>" in page.text
    assert "Amira" not in page.text  # the other organisation's
    assert "+49176" not in page.text  # no address in a list
    assert 'href="/staff/people"' in page.text  # the navigation's link

    results = web.get("/staff/people?q=amna", headers={"HX-Request": "true"})
    assert "<html" not in results.text
    assert "1 Person gefunden" in results.text and "Amina" in results.text
    assert "Sara" not in results.text
    unreachable = web.get("/staff/people?status=unreachable", headers={"HX-Request": "true"})
    assert "Sara" in unreachable.text and "Amina" not in unreachable.text
    # Nonsense in the query is ignored, not an error.
    assert web.get("/staff/people?page=x&course=-1&status=<b>&organisation=9e9").status_code == 200


def test_a_person_of_another_organisation_is_404_also_by_guessing(
    site: Site, web: TestClient
) -> None:
    csrf = login_client(web, "hoya@example.org", PASSWORD)
    assert web.get(f"/staff/people/{site.amira}").status_code == 200
    for path in (
        f"/staff/people/{site.amina}",
        f"/staff/people/{site.amina}/delete",
        "/staff/people/999999",
        "/staff/people/99999999999999999999",
        "/staff/people/abc",
    ):
        assert web.get(path).status_code == 404, path
    for action, data in (
        ("enrol", {"course": "1"}),
        ("export", {}),
        ("delete", {"confirm": "yes"}),
    ):
        response = web.post(
            f"/staff/people/{site.amina}/{action}", data={**data, "csrf_token": csrf}
        )
        assert response.status_code == 404, action
    assert audit_actions(site.runtime) == []
    with site.runtime.db.connect() as conn:
        assert conn.execute(select(people.c.id).where(people.c.id == site.amina)).all()


def test_the_profile_and_who_sees_her_address(site: Site, web: TestClient) -> None:
    login_client(web, "ko@example.org", PASSWORD)  # a coordinator
    page = web.get(f"/staff/people/{site.amina}")
    assert page.status_code == 200
    assert "WhatsApp: erreichbar" in page.text
    assert "+4917611111111" not in page.text
    assert f'href="/staff/inbox/start/{site.amina}"' in page.text
    web.cookies.clear()
    login_client(web)  # the demo admin
    assert "+4917611111111" in web.get(f"/staff/people/{site.amina}").text


def test_actions_need_the_csrf_token_and_are_audited(
    site: Site, web: TestClient, clock: FrozenClock
) -> None:
    runtime = site.runtime
    course, _ = add_course(
        runtime,
        organisation_id(runtime, DEMO),
        "a2-hoya",
        "Deutsch A2 Hoya",
        [clock() + timedelta(days=2)],
    )
    csrf = login_client(web, "ko@example.org", PASSWORD)
    refused = web.post(f"/staff/people/{site.amina}/enrol", data={"course": str(course)})
    assert refused.status_code == 403
    done = web.post(
        f"/staff/people/{site.amina}/enrol",
        data={"course": str(course), "csrf_token": csrf},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert "Sie ist jetzt im Kurs angemeldet" in web.get(done.headers["location"]).text
    with runtime.db.connect() as conn:
        assert conn.execute(
            select(enrolments.c.course_id).where(enrolments.c.person_id == site.amina)
        ).scalars().all() == [course]
    bad = web.post(f"/staff/people/{site.amina}/enrol", data={"course": "abc", "csrf_token": csrf})
    assert bad.status_code == 400 and "Diesen Kurs gibt es" in bad.text

    download = web.post(
        f"/staff/people/{site.amina}/export", data={"language": "de", "csrf_token": csrf}
    )
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    assert (
        download.headers["content-disposition"]
        == f'attachment; filename="person-{site.amina}-2026-11-30.zip"'
    )
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        assert '"display_name": "Amina"' in archive.read("my-data.json").decode()

    actor = audit_actions(runtime)[0][0]
    assert actor.startswith("staff:")
    assert [(a, action) for a, action, _ in audit_actions(runtime)] == [
        (actor, "course.enrol"),
        (actor, "people.export"),
    ]


def test_delete_confirms_by_her_name_then_erases(site: Site, web: TestClient) -> None:
    csrf = login_client(web, "ko@example.org", PASSWORD)
    confirm = web.get(f"/staff/people/{site.sara}/delete")
    assert "Alle Daten von Sara löschen?" in confirm.text
    assert "Sie bekommt keine Nachricht vom Bot" in confirm.text
    unconfirmed = web.post(f"/staff/people/{site.sara}/delete", data={"csrf_token": csrf})
    assert unconfirmed.status_code == 400 and "Es wurde nichts gelöscht" in unconfirmed.text
    assert web.get(f"/staff/people/{site.sara}").status_code == 200

    done = web.post(
        f"/staff/people/{site.sara}/delete", data={"confirm": "yes", "csrf_token": csrf}
    )
    assert done.status_code == 200
    assert "Alle Daten von Sara sind gelöscht." in done.text
    assert web.get(f"/staff/people/{site.sara}").status_code == 404
    [(actor, action, details)] = audit_actions(site.runtime)
    assert action == "person.erase" and details["reason"] == "request"
    assert actor.startswith("staff:")


def test_the_dashboard_panels_count_and_link_to_profiles(
    site: Site, web: TestClient, clock: FrozenClock
) -> None:
    runtime = site.runtime
    now = clock()
    course, (thursday,) = add_course(
        runtime,
        organisation_id(runtime, DEMO),
        "a2-hoya",
        "Deutsch A2 Hoya",
        [now + timedelta(days=3)],
    )
    enrol(runtime, course, site.amina, now)
    answer(runtime, thursday, site.amina, "not_coming", "transport", now)
    login_client(web, "ko@example.org", PASSWORD)
    page = web.get("/staff/").text
    assert "1 Absage für kommende Termine" in page
    assert f'<a href="/staff/people/{site.amina}"><bdi>Amina</bdi></a>: Fahrt / Verkehr' in page
    assert "1 Person ist über keinen Kanal erreichbar" in page
    assert f'href="/staff/people/{site.sara}"' in page
    web.cookies.clear()
    login_client(web, "hoya@example.org", PASSWORD)
    other = web.get("/staff/").text
    assert "Absage" not in other and "Amina" not in other  # no box for an empty list


@pytest.mark.parametrize(
    ("language", "heading", "shared"),
    [
        ("en", "People", "What she told us"),
        ("it", "Persone", "Cosa ci ha detto"),
        ("pt", "Pessoas", "O que ela nos disse"),
        ("el", "Άτομα", "Τι μας είπε"),
    ],
)
def test_the_pages_speak_the_staff_members_language(
    site: Site, web: TestClient, language: str, heading: str, shared: str
) -> None:
    add_staff(site.runtime, f"{language}@example.org", language=language)
    login_client(web, f"{language}@example.org", PASSWORD)
    listing = web.get("/staff/people").text
    assert f"<h1>{heading}</h1>" in listing
    profile = web.get(f"/staff/people/{site.amina}").text
    assert shared in profile
    assert "Was sie uns gesagt hat" not in profile
    assert web.get(f"/staff/people/{site.amina}/delete").status_code == 200
    assert web.get("/staff/").status_code == 200
