"""``/staff/mentoring``: what staff see and do (propose, take back, end, settings), scoped to
their organisations, in their language; bad input is a clean 4xx."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

from bot.db.tables import mentor_matches, mentoring_settings
from bot.features.mentoring import states
from bot.runtime import Runtime
from tests.auxil.mentoring_staff import add_mentor, add_request, without_demo_mentors
from tests.auxil.staff import add_organisation, add_staff, login_client, organisation_id


@pytest.fixture(autouse=True)
def _only_our_mentors(runtime: Runtime) -> None:
    without_demo_mentors(runtime.db)


def test_the_page_shows_waiting_women_with_ranked_suggestions_and_proposes(
    client: TestClient, runtime: Runtime
) -> None:
    org = organisation_id(runtime)
    now = runtime.clock()
    nadia = add_mentor(runtime.db, org, "Nadia", now, town="Marklohe", capacity=2)
    add_mentor(runtime.db, org, "Greta", now, town="Uchte", languages=("de",))
    _, request = add_request(runtime.db, org, "Samira", now - timedelta(days=9))
    csrf = login_client(client)

    page = client.get("/staff/mentoring")
    assert page.status_code == 200
    html = page.text
    assert "Warten auf eine Mentorin (1)" in html and "Samira" in html
    assert "Arabisch" in html and "Briefe und Ämter" in html
    assert html.index("Nadia vorschlagen") < html.index("Greta vorschlagen")
    assert "spricht die gewünschte Sprache" in html and "Ort in der Nähe" in html
    assert "keine gemeinsame Sprache" in html
    assert '<a href="/staff/mentoring"' in html  # in the navigation

    done = client.post(
        f"/staff/mentoring/requests/{request}/propose",
        data={"mentor": str(nadia), "csrf_token": csrf},
        follow_redirects=False,
    )
    assert done.status_code == 303
    html = client.get(done.headers["location"]).text
    assert "Die Mentorin wird jetzt zuerst gefragt" in html
    assert "Vorschläge offen (1)" in html and "Mentorin wird gefragt" in html
    assert "Niemand wartet gerade." in html

    # Proposing again (a second tab): said plainly, nothing stored twice.
    again = client.post(
        f"/staff/mentoring/requests/{request}/propose",
        data={"mentor": str(nadia), "csrf_token": csrf},
    )
    assert again.status_code == 409 and "Dieser Vorschlag geht gerade nicht" in again.text
    with runtime.db.connect() as conn:
        (match,) = conn.execute(select(mentor_matches)).all()

    back = client.post(
        f"/staff/mentoring/matches/{match.id}/take-back",
        data={"csrf_token": csrf},
        follow_redirects=True,
    )
    assert "Die Teilnehmerin wartet wieder" in back.text
    assert "Vom Team zurückgenommen" in back.text
    # Nadia was asked once for this request: she is not suggested again.
    assert "Nadia vorschlagen" not in back.text and "Greta vorschlagen" in back.text


def test_running_matches_show_quiet_ones_and_can_be_ended(
    client: TestClient, runtime: Runtime
) -> None:
    org = organisation_id(runtime)
    now = runtime.clock()
    nadia = add_mentor(runtime.db, org, "Nadia", now)
    _, request = add_request(runtime.db, org, "Samira", now)
    csrf = login_client(client)
    client.post(
        f"/staff/mentoring/requests/{request}/propose",
        data={"mentor": str(nadia), "csrf_token": csrf},
    )
    with runtime.db.begin() as conn:
        conn.execute(
            update(mentor_matches).values(
                status=states.ACTIVE,
                started_at=now - timedelta(days=60),
                last_contact_at=now - timedelta(days=50),
            )
        )
    html = client.get("/staff/mentoring").text
    assert "Laufende Begleitungen (1)" in html and "seit 6 Wochen still" in html
    (match_id,) = [m for m in [_match_id(runtime)]]
    ended = client.post(
        f"/staff/mentoring/matches/{match_id}/end",
        data={"csrf_token": csrf},
        follow_redirects=True,
    )
    assert "Die Begleitung ist beendet." in ended.text and "Vom Team beendet" in ended.text
    stale = client.post(f"/staff/mentoring/matches/{match_id}/end", data={"csrf_token": csrf})
    assert stale.status_code == 409 and "inzwischen geändert" in stale.text


def _match_id(runtime: Runtime) -> int:
    with runtime.db.connect() as conn:
        return int(conn.execute(select(mentor_matches.c.id)).scalar_one())


def test_settings_admins_only_and_checked(client: TestClient, runtime: Runtime) -> None:
    org = organisation_id(runtime)
    csrf = login_client(client)  # the demo admin
    saved = client.post(
        f"/staff/mentoring/settings/{org}",
        data={"auto_propose": "on", "threshold": "75", "csrf_token": csrf},
        follow_redirects=True,
    )
    assert "Die Einstellungen sind gespeichert." in saved.text
    with runtime.db.connect() as conn:
        row = conn.execute(select(mentoring_settings)).one()
    assert row.auto_propose and row.threshold == 0.75
    bad = client.post(
        f"/staff/mentoring/settings/{org}",
        data={"threshold": "viel", "csrf_token": csrf},
    )
    assert bad.status_code == 409 and "von 0 bis 100" in bad.text
    too_high = client.post(
        f"/staff/mentoring/settings/{org}", data={"threshold": "150", "csrf_token": csrf}
    )
    assert too_high.status_code == 409

    add_staff(runtime, "koord@example.org")
    other = TestClient(client.app)
    csrf = login_client(other, "koord@example.org", "ein-gutes-passwort-42")
    page = other.get("/staff/mentoring").text
    assert "Automatische Vorschläge sind an (Schwelle 75 %)." in page
    refused = other.post(
        f"/staff/mentoring/settings/{org}", data={"threshold": "10", "csrf_token": csrf}
    )
    assert refused.status_code == 403


def test_another_organisation_and_bad_ids_are_clean_4xx(
    client: TestClient, runtime: Runtime
) -> None:
    now = runtime.clock()
    other = add_organisation(runtime, "anderswo")
    mentor = add_mentor(runtime.db, other, "Nadia", now)
    _, request = add_request(runtime.db, other, "Samira", now)
    csrf = login_client(client)
    assert "Samira" not in client.get("/staff/mentoring").text
    assert (
        client.post(
            f"/staff/mentoring/requests/{request}/propose",
            data={"mentor": str(mentor), "csrf_token": csrf},
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/staff/mentoring/requests/{request}/propose",
            data={"mentor": "abc", "csrf_token": csrf},
        ).status_code
        == 400
    )
    assert (
        client.post(f"/staff/mentoring/settings/{other}", data={"csrf_token": csrf}).status_code
        == 404
    )
    assert (
        client.post("/staff/mentoring/matches/99999/end", data={"csrf_token": csrf}).status_code
        == 404
    )
    # Without the CSRF token nothing happens.
    assert (
        client.post(
            f"/staff/mentoring/requests/{request}/propose", data={"mentor": "1"}
        ).status_code
        == 403
    )


def test_the_page_in_english(client: TestClient, runtime: Runtime) -> None:
    add_staff(runtime, "en@example.org", language="en")
    login_client(client, "en@example.org", "ein-gutes-passwort-42")
    html = client.get("/staff/mentoring").text
    assert "Waiting for a mentor (0)" in html


def test_staff_add_a_mentor_from_the_paper_form(client: TestClient, runtime: Runtime) -> None:
    from bot.db.tables import consents, identities, mentor_profiles, people

    csrf = login_client(client)
    form = client.get("/staff/mentoring/mentors/new")
    assert form.status_code == 200 and "Mentorin eintragen" in form.text
    org = str(organisation_id(runtime))
    data = {
        "csrf_token": csrf,
        "organisation": org,
        "name": "Fatma",
        "phone": "0176 12345678",
        "town": "Hoya",
        "language": "tr",
        "languages": ["de", "tr"],
        "topics": ["school", "health"],
        "availability": ["evenings"],
        "capacity": "2",
    }
    refused = client.post("/staff/mentoring/mentors/new", data=data)  # no consent ticked
    assert refused.status_code == 400
    assert "Sie muss das Papierformular unterschrieben haben" in refused.text
    assert 'value="Fatma"' in refused.text  # what she typed is kept
    bad_phone = client.post(
        "/staff/mentoring/mentors/new", data={**data, "consent": "yes", "phone": "12"}
    )
    assert bad_phone.status_code == 400 and "keine gültige Telefonnummer" in bad_phone.text
    with runtime.db.connect() as conn:
        assert not conn.execute(select(people).where(people.c.display_name == "Fatma")).first()

    done = client.post(
        "/staff/mentoring/mentors/new", data={**data, "consent": "yes"}, follow_redirects=True
    )
    assert "Die Mentorin ist eingetragen" in done.text and "Fatma" in done.text
    with runtime.db.connect() as conn:
        person = conn.execute(
            select(people).where(people.c.role == "mentor").order_by(people.c.id.desc())
        ).first()
        assert person is not None and (person.display_name, person.language) == ("Fatma", "tr")
        profile = conn.execute(
            select(mentor_profiles).where(mentor_profiles.c.person_id == person.id)
        ).one()
        assert (profile.topics, profile.capacity, profile.status) == (
            ["school", "health"],
            2,
            "active",
        )
        assert (
            conn.execute(
                select(identities.c.address).where(identities.c.person_id == person.id)
            ).scalar_one()
            == "whatsapp:+4917612345678"
        )
        assert (
            len(conn.execute(select(consents).where(consents.c.person_id == person.id)).all()) == 3
        )
    again = client.post("/staff/mentoring/mentors/new", data={**data, "consent": "yes"})
    assert again.status_code == 400 and "Diese Nummer kennt der Bot schon" in again.text


def test_a_mentor_invite_code(client: TestClient, runtime: Runtime) -> None:
    from bot.db.tables import invite_codes

    csrf = login_client(client)
    org = organisation_id(runtime)
    page = client.post(
        f"/staff/mentoring/invites/{org}", data={"csrf_token": csrf}, follow_redirects=True
    )
    assert "Ein neuer Einladungs-Code für Mentorinnen ist erstellt." in page.text
    with runtime.db.connect() as conn:
        (code,) = conn.execute(
            select(invite_codes.c.code).where(invite_codes.c.role == "mentor")
        ).scalars()
    assert f"<code>{code}</code>" in page.text
    assert (
        client.post("/staff/mentoring/invites/99999", data={"csrf_token": csrf}).status_code == 404
    )
