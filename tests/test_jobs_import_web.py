"""``/staff/jobs/import`` over HTTP: admins change, coordinators only see; bad input is a 400
with the reason next to the field and nothing stored; other organisations' ids are 404."""

from __future__ import annotations

from sqlalchemy import select
from starlette.testclient import TestClient

from bot.db.tables import audit, job_import_settings
from bot.runtime import Runtime
from tests.auxil.staff import (
    PASSWORD,
    add_organisation,
    add_staff,
    login_client,
    organisation_id,
)


def _settings(runtime: Runtime) -> list[tuple[object, ...]]:
    with runtime.db.connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(
                select(
                    job_import_settings.c.enabled,
                    job_import_settings.c.place,
                    job_import_settings.c.radius_km,
                    job_import_settings.c.keywords,
                )
            )
        ]


def test_an_admin_saves_checked_settings(client: TestClient, runtime: Runtime) -> None:
    org = organisation_id(runtime)
    csrf = login_client(client)  # the demo admin
    page = client.get("/staff/jobs/import")
    assert page.status_code == 200
    assert "Noch nichts abgerufen." in page.text

    bad = client.post(
        f"/staff/jobs/import/{org}/settings",
        data={"csrf_token": csrf, "enabled": "on", "place": "", "radius_km": "25"},
    )
    assert bad.status_code == 400
    assert "Bitte einen Ort oder eine Postleitzahl eingeben" in bad.text
    assert 'aria-invalid="true"' in bad.text
    words = ", ".join(f"Wort{i}" for i in range(6))
    too_many = client.post(
        f"/staff/jobs/import/{org}/settings",
        data={"csrf_token": csrf, "place": "Hoya", "radius_km": "25", "keywords": words},
    )
    assert too_many.status_code == 400
    assert "Höchstens 5 Suchwörter" in too_many.text
    assert _settings(runtime) == []

    saved = client.post(
        f"/staff/jobs/import/{org}/settings",
        data={
            "csrf_token": csrf,
            "enabled": "on",
            "place": "31582",
            "radius_km": "15",
            "keywords": "Pflege, Küche",
        },
        follow_redirects=True,
    )
    assert "Die Einstellungen sind gespeichert." in saved.text
    assert _settings(runtime) == [(True, "31582", 15, "Pflege, Küche")]
    with runtime.db.connect() as conn:
        actor = conn.execute(
            select(audit.c.actor).where(audit.c.action == "jobs.import_settings")
        ).scalar_one()
    assert actor.startswith("staff:")

    english = client.get("/staff/jobs/import?lang=en")
    assert english.status_code == 200


def test_a_coordinator_sees_but_cannot_change(client: TestClient, runtime: Runtime) -> None:
    org = organisation_id(runtime)
    add_staff(runtime, "jobs-koordination@example.org", role="coordinator")
    csrf = login_client(client, "jobs-koordination@example.org", PASSWORD)
    page = client.get("/staff/jobs/import")
    assert page.status_code == 200
    assert "Nur Administratorinnen und Administratoren können das ändern." in page.text
    assert 'name="place"' not in page.text
    refused = client.post(
        f"/staff/jobs/import/{org}/settings",
        data={"csrf_token": csrf, "enabled": "on", "place": "Hoya", "radius_km": "10"},
    )
    assert refused.status_code == 403
    run = client.post(f"/staff/jobs/import/{org}/run", data={"csrf_token": csrf})
    assert run.status_code == 403
    assert _settings(runtime) == []


def test_other_organisations_and_bad_ids_are_404(client: TestClient, runtime: Runtime) -> None:
    other = add_organisation(runtime, "anderswo")
    csrf = login_client(client)
    for path in (f"/staff/jobs/import/{other}/run", "/staff/jobs/import/99999999999/run"):
        assert client.post(path, data={"csrf_token": csrf}).status_code == 404
    gone = client.post(
        f"/staff/jobs/import/{other}/settings",
        data={"csrf_token": csrf, "place": "Hoya", "radius_km": "10"},
    )
    assert gone.status_code == 404
    assert _settings(runtime) == []
