"""``/staff/jobs``: the lists, the form (a wrong field shown, nothing stored), an offer's page
with who was told and who is interested, the outcome per woman, close / publish, scope and
clean 4xx answers."""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert, select
from starlette.testclient import TestClient

from bot.db.tables import audit, job_notices, job_offers, job_profiles
from bot.runtime import Runtime
from tests.auxil.people import add_person
from tests.auxil.staff import PASSWORD, add_organisation, add_staff, login_client, organisation_id

FORM = {
    "title_de": "Küchenhilfe in einer Kita",
    "title_uk": "Помічниця на кухні",
    "description_de": "Gemüse schneiden, Essen ausgeben.",
    "hours_note_de": "Nur vormittags",
    "kind": "part_time",
    "town": "Nienburg (Weser)",
    "hours_per_week": "20",
    "german_level": "A2",
    "childcare_friendly": "on",
    "employer": "Kita Sonnenschein",
    "starts_on": "2027-01-04",
    "expires_on": "2027-01-31",
    "places": "1",
    "url": "",
}


def test_enter_an_offer_see_it_and_close_it(client: TestClient, runtime: Runtime) -> None:
    org = organisation_id(runtime)
    csrf = login_client(client)
    page = client.get("/staff/jobs")
    assert page.status_code == 200
    assert '<a href="/staff/jobs"' in page.text  # "Arbeit" in the navigation
    assert "Offen (0)" in page.text and 'href="/staff/jobs/import"' in page.text

    form = client.get("/staff/jobs/new")
    assert form.status_code == 200 and 'name="title_de"' in form.text
    assert 'name="title_ar"' in form.text and "Hauptsprache" in form.text

    # A wrong field: said next to it, the form keeps what she typed, nothing stored.
    bad = client.post(
        "/staff/jobs/new",
        data={**FORM, "organisation": str(org), "hours_per_week": "70", "csrf_token": csrf},
    )
    assert bad.status_code == 400
    assert "Bitte eine Zahl von 1 bis 60 eingeben." in bad.text
    assert 'aria-invalid="true" aria-describedby="hours_per_week-error"' in bad.text
    assert "Помічниця на кухні" in bad.text
    no_title = client.post(
        "/staff/jobs/new",
        data={**FORM, "organisation": str(org), "title_de": " ", "csrf_token": csrf},
    )
    assert no_title.status_code == 400 and "Titel in der Hauptsprache" in no_title.text
    with runtime.db.connect() as conn:
        assert conn.execute(select(job_offers)).first() is None

    done = client.post(
        "/staff/jobs/new",
        data={**FORM, "organisation": str(org), "csrf_token": csrf},
        follow_redirects=False,
    )
    assert done.status_code == 303
    html = client.get(done.headers["location"]).text
    assert "Das Angebot ist gespeichert und offen." in html
    assert "<h1>Küchenhilfe in einer Kita</h1>" in html and "A2 (Grundlagen)" in html
    assert "Noch niemand wurde über dieses Angebot informiert." in html
    with runtime.db.connect() as conn:
        offer = conn.execute(select(job_offers)).one()
    assert offer.title == {"de": "Küchenhilfe in einer Kita", "uk": "Помічниця на кухні"}
    assert offer.childcare_friendly and not offer.employer_shown  # unticked: not named
    assert offer.created_by.startswith("staff:")

    edit = client.get(f"/staff/jobs/{offer.id}/edit")
    assert 'value="Küchenhilfe in einer Kita"' in edit.text and 'value="2027-01-31"' in edit.text
    saved = client.post(
        f"/staff/jobs/{offer.id}/edit",
        data={**FORM, "title_de": "Küchenhilfe", "employer_shown": "on", "csrf_token": csrf},
        follow_redirects=True,
    )
    assert (
        "Die Änderungen sind gespeichert." in saved.text and "<h1>Küchenhilfe</h1>" in saved.text
    )

    listed = client.get("/staff/jobs").text
    assert "Offen (1)" in listed and "Küchenhilfe" in listed

    closed = client.post(
        f"/staff/jobs/{offer.id}/close", data={"csrf_token": csrf}, follow_redirects=True
    )
    assert "Das Angebot ist geschlossen." in closed.text and "Wieder öffnen" in closed.text
    assert "Geschlossen oder abgelaufen (1)" in client.get("/staff/jobs").text
    again = client.post(f"/staff/jobs/{offer.id}/close", data={"csrf_token": csrf})
    assert again.status_code == 409 and "inzwischen geändert" in again.text


def test_who_was_told_her_answers_and_the_outcome(client: TestClient, runtime: Runtime) -> None:
    org = organisation_id(runtime)
    now = runtime.clock()
    with runtime.db.begin() as conn:
        offer = conn.execute(
            insert(job_offers)
            .values(
                organisation_id=org,
                status="review",
                source="ba",
                external_id="10000-1",
                title={"de": "Reinigungskraft"},
                town="Nienburg (Weser)",
                kind="mini_job",
                expires_on=date(2027, 1, 31),
                created_by="import:ba",
                created_at=now,
                updated_at=now,
            )
            .returning(job_offers.c.id)
        ).scalar_one()
    samira = add_person(runtime, org, "Samira Haddad", now)
    olena = add_person(runtime, org, "Olena Kovalenko", now)
    with runtime.db.begin() as conn:
        conn.execute(
            insert(job_profiles).values(
                person_id=samira,
                answers={"german": "A1", "hours": 15, "travel_km": 0},
                updated_at=now,
            )
        )
        for person, status in ((samira, "interested"), (olena, "not_for_me")):
            conn.execute(
                insert(job_notices).values(
                    organisation_id=org,
                    person_id=person,
                    offer_id=offer,
                    status=status,
                    sent_at=now,
                )
            )
        notice = conn.execute(
            select(job_notices.c.id).where(job_notices.c.person_id == samira)
        ).scalar_one()
    csrf = login_client(client)

    listed = client.get("/staff/jobs").text
    assert "Warten auf Prüfung (1)" in listed and "Reinigungskraft" in listed

    html = client.get(f"/staff/jobs/{offer}").text
    assert "Informierte Frauen (2, interessiert: 1)" in html
    assert "<h3" in html and "Samira</h3>" in html and "Haddad" not in html
    assert "A1 (Anfang)" in html and "nur im eigenen Ort" in html
    assert "Olena</h3>" in html and "nicht für mich" in html
    assert html.index("Samira") < html.index("Olena")

    published = client.post(
        f"/staff/jobs/{offer}/publish", data={"csrf_token": csrf}, follow_redirects=True
    )
    assert "Das Angebot ist geprüft und offen." in published.text

    saved = client.post(
        f"/staff/jobs/{offer}/notices/{notice}/outcome",
        data={"outcome": "invited", "csrf_token": csrf},
        follow_redirects=True,
    )
    assert "Das Ergebnis ist gespeichert." in saved.text
    assert '<option value="invited" selected>' in saved.text
    bad = client.post(
        f"/staff/jobs/{offer}/notices/{notice}/outcome",
        data={"outcome": "hired", "csrf_token": csrf},
    )
    assert bad.status_code == 409 and "Bitte ein Ergebnis aus der Liste wählen." in bad.text
    with runtime.db.connect() as conn:
        stored = conn.execute(select(job_notices).where(job_notices.c.id == notice)).one()
        actions = list(
            conn.execute(select(audit.c.action).where(audit.c.action.like("jobs.%"))).scalars()
        )
    assert stored.outcome == "invited" and stored.outcome_by.startswith("staff:")
    assert actions == ["jobs.publish", "jobs.outcome"]


def test_another_organisations_offer_is_not_found(client: TestClient, runtime: Runtime) -> None:
    other = add_organisation(runtime, "hoya-hilft")
    now = runtime.clock()
    with runtime.db.begin() as conn:
        theirs = conn.execute(
            insert(job_offers)
            .values(
                organisation_id=other,
                title={"de": "Geheim"},
                town="Hoya",
                kind="mini_job",
                expires_on=date(2027, 1, 31),
                created_by="x",
                created_at=now,
                updated_at=now,
            )
            .returning(job_offers.c.id)
        ).scalar_one()
    csrf = login_client(client)
    assert "Geheim" not in client.get("/staff/jobs").text
    assert client.get(f"/staff/jobs/{theirs}").status_code == 404
    assert client.get(f"/staff/jobs/{theirs}/edit").status_code == 404
    assert client.post(f"/staff/jobs/{theirs}/close", data={"csrf_token": csrf}).status_code == 404
    assert client.get("/staff/jobs/99999999999").status_code == 404
    foreign = client.post(
        "/staff/jobs/new", data={**FORM, "organisation": str(other), "csrf_token": csrf}
    )
    assert foreign.status_code == 400 and "Bitte eine Organisation wählen." in foreign.text
    with runtime.db.connect() as conn:
        assert conn.execute(select(job_offers.c.status)).scalars().all() == ["open"]


def test_in_english_and_only_when_logged_in(client: TestClient, runtime: Runtime) -> None:
    assert client.get("/staff/jobs", follow_redirects=False).status_code in (302, 303)
    add_staff(runtime, "greta@example.org", language="en")
    csrf = login_client(client, "greta@example.org", PASSWORD)
    page = client.get("/staff/jobs")
    assert page.status_code == 200
    assert "<h1>Work</h1>" in page.text and "Job offers for the participants" in page.text
    assert "Waiting for review (0)" in page.text and "Enter a new offer" in page.text
    bad = client.post(
        "/staff/jobs/new",
        data={
            **FORM,
            "organisation": str(organisation_id(runtime)),
            "places": "0",
            "csrf_token": csrf,
        },
    )
    assert bad.status_code == 400 and "Please enter at least 1." in bad.text
    assert "Kind" in bad.text and "German needed" in bad.text


def test_a_link_is_a_link_only_when_it_is_a_web_address(
    client: TestClient, runtime: Runtime
) -> None:
    org = organisation_id(runtime)
    now = runtime.clock()
    ids = []
    for url in ("https://example.org/stelle", "javascript:alert(1)"):
        with runtime.db.begin() as conn:
            ids.append(
                conn.execute(
                    insert(job_offers)
                    .values(
                        organisation_id=org,
                        status="review",
                        source="ba",
                        external_id=url[:10],
                        title={"de": "Stelle"},
                        town="Hoya",
                        kind="mini_job",
                        expires_on=date(2027, 1, 31),
                        url=url,
                        created_by="import:ba",
                        created_at=now,
                        updated_at=now,
                    )
                    .returning(job_offers.c.id)
                ).scalar_one()
            )
    login_client(client)
    assert '<a href="https://example.org/stelle"' in client.get(f"/staff/jobs/{ids[0]}").text
    html = client.get(f"/staff/jobs/{ids[1]}").text
    assert 'href="javascript' not in html and "javascript:alert(1)" in html
