"""The organisation settings page over HTTP (``/staff/organisation``): an admin changes the
settings and the audit log has old and new values; a coordinator reads them but may not change
them (403); another organisation is a 404; a wrong value is shown next to its field in her
language and nothing is stored; and the bot tells a woman the new opening hours at once.
(The browser test is in ``test_org_settings_browser.py``.)
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.db.tables import audit
from bot.organisations.service import OrganisationService, OrganisationView
from bot.runtime import Runtime
from bot.web.app import create_app
from conversations.opening_hours import WeeklyHours
from tests.auxil.clock import FrozenClock
from tests.auxil.simulator import Simulator, onboard
from tests.auxil.staff import (
    DEMO_EMAIL,
    PASSWORD,
    accounts,
    add_organisation,
    add_staff,
    login_client,
    organisation_id,
)

DEMO = "vnb-nienburg"
SATURDAY = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)  # 11:00 in Nienburg: closed


class FormFields(HTMLParser):
    """What a browser would submit from the page's settings form (its fields as shown)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._in_form = False
        self._select: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("action", "").startswith("/staff/organisation/"):
            self._in_form = True
        if not self._in_form:
            return
        if tag == "input" and "name" in a:
            if a.get("type") == "checkbox" and "checked" not in a:
                return
            self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a["value"]))
        elif tag == "textarea":
            self._textarea, self._text = a["name"], ""

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, self._text))
            self._textarea = None


def fields_of(html: str) -> dict[str, list[str]]:
    parser = FormFields()
    parser.feed(html)
    assert parser.fields, "the page has no settings form"
    found: dict[str, list[str]] = {}
    for name, value in parser.fields:
        found.setdefault(name, []).append(value)
    return found


def changed(fields: dict[str, list[str]], **values: str | list[str]) -> dict[str, list[str]]:
    """The form's fields with some changed (a list for checkboxes; "" clears a field)."""
    result = dict(fields)
    for name, value in values.items():
        result[name] = value if isinstance(value, list) else [value]
    return result


def stored(runtime: Runtime, slug: str = DEMO) -> OrganisationView:
    return OrganisationService.for_runtime(runtime).get(slug)


def edits(runtime: Runtime) -> list[tuple[str, dict]]:
    with runtime.db.connect() as conn:
        rows = conn.execute(
            select(audit.c.actor, audit.c.details)
            .where(audit.c.action == "organisation.edit")
            .order_by(audit.c.id)
        ).all()
    return [(row.actor, row.details) for row in rows]


@pytest.fixture
def web(sqlite_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(sqlite_runtime, background=False)) as client:
        yield client


def page_of(web: TestClient, runtime: Runtime, slug: str = DEMO) -> str:
    response = web.get(f"/staff/organisation/{organisation_id(runtime, slug)}")
    assert response.status_code == 200, response.text
    return response.text


def test_an_admin_changes_the_settings_and_the_audit_has_old_and_new(
    web: TestClient, sqlite_runtime: Runtime
) -> None:
    login_client(web)
    demo = organisation_id(sqlite_runtime, DEMO)
    landing = web.get("/staff/organisation", follow_redirects=False)
    assert landing.status_code == 303
    assert landing.headers["location"] == f"/staff/organisation/{demo}"
    html = page_of(web, sqlite_runtime)
    assert 'href="/staff/organisation"' in html  # the admins' nav item
    form = fields_of(html)
    assert form["name"] == [stored(sqlite_runtime).name]
    assert "Europe/Berlin" in form["timezone"]
    before = stored(sqlite_runtime)
    hours = {f"{day}_1_from": "09:00" for day in ("mon", "tue", "wed", "thu", "fri")}
    hours |= {f"{day}_1_to": "13:00" for day in ("mon", "tue", "wed", "thu", "fri")}
    response = web.post(
        f"/staff/organisation/{demo}",
        data=changed(
            form,
            name="VNB Nienburg e.V.",
            district="Landkreis Nienburg/Weser",
            languages=["de", "ar", "uk"],
            default_language="de",
            towns="Nienburg (Weser)\nHoya\n\n  Stolzenau  ",
            thu_2_from="14:00",
            thu_2_to="17:00",
            quiet_start="21:00",
            quiet_end="07:30",
            privacy_contact="datenschutz@vnb.example.org",
            retention_days="365",
            notify_by_email=[],
            staff_telegram_chat="@vnb_team",
            **hours,
        ),
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    shown = web.get(response.headers["location"]).text
    assert "Die Einstellungen sind gespeichert. Der Bot verwendet sie ab sofort." in shown
    assert "Gespeichert: Mo–Fr 09:00–13:00 Uhr und Do 14:00–17:00 Uhr" in shown
    after = stored(sqlite_runtime)
    assert after.name == "VNB Nienburg e.V."
    assert after.district == "Landkreis Nienburg/Weser"
    assert after.languages == ("de", "ar", "uk")
    assert after.towns == ("Nienburg (Weser)", "Hoya", "Stolzenau")
    assert after.opening_hours == WeeklyHours.parse("mon-fri 09:00-13:00; thu 14:00-17:00")
    assert after.quiet_hours == "21:00-07:30"
    assert after.retention_days == 365
    assert after.notify_by_email is False
    assert after.staff_telegram_chat == "@vnb_team"
    assert after.country == before.country  # not on the form
    staff_id = accounts(sqlite_runtime).id_of(DEMO_EMAIL)
    [(actor, details)] = edits(sqlite_runtime)
    assert actor == f"staff:{staff_id}"
    assert details["organisation"] == DEMO
    assert details["changed"]["retention_days"] == {"from": before.retention_days, "to": 365}
    assert details["changed"]["opening_hours"] == {
        "from": before.opening_hours.spec(),
        "to": "mon-fri 09:00-13:00; thu 14:00-17:00",
    }
    assert details["changed"]["notify_by_email"] == {"from": True, "to": False}
    assert "country" not in details["changed"]
    # The form shows what is stored now; sending it again changes nothing.
    again = web.post(f"/staff/organisation/{demo}", data=fields_of(shown), follow_redirects=True)
    assert "Es gab nichts zu ändern." in again.text
    assert len(edits(sqlite_runtime)) == 1


def test_a_coordinator_reads_the_settings_but_cannot_change_them(
    web: TestClient, sqlite_runtime: Runtime
) -> None:
    add_staff(sqlite_runtime, "ko@example.org", role="coordinator")
    csrf = login_client(web, "ko@example.org", PASSWORD)
    assert 'href="/staff/organisation"' not in web.get("/staff/").text  # no nav item
    demo = organisation_id(sqlite_runtime, DEMO)
    html = page_of(web, sqlite_runtime)
    assert "Nur Administratorinnen und Administratoren können die Einstellungen ändern." in html
    assert f'action="/staff/organisation/{demo}"' not in html
    assert "<dd>Europe/Berlin</dd>" in html
    assert "<dd>Deutschland (DE)</dd>" in html
    before = stored(sqlite_runtime)
    refused = web.post(
        f"/staff/organisation/{demo}",
        data={"csrf_token": csrf, "name": "Übernommen", "retention_days": "30"},
    )
    assert refused.status_code == 403
    assert stored(sqlite_runtime) == before
    assert edits(sqlite_runtime) == []


def test_another_organisation_is_not_found(web: TestClient, sqlite_runtime: Runtime) -> None:
    other = add_organisation(sqlite_runtime, "hoya-hilft", "Hoya hilft e.V.")
    csrf = login_client(web)
    for path in (f"/staff/organisation/{other}", "/staff/organisation/999999"):
        assert web.get(path).status_code == 404
        posted = web.post(path, data={"csrf_token": csrf, "name": "Gekapert"})
        assert posted.status_code == 404
    assert stored(sqlite_runtime, "hoya-hilft").name == "Hoya hilft e.V."
    assert web.get("/staff/organisation/99999999999").status_code == 404
    assert edits(sqlite_runtime) == []


def test_without_the_csrf_token_nothing_is_changed(
    web: TestClient, sqlite_runtime: Runtime
) -> None:
    login_client(web)
    form = fields_of(page_of(web, sqlite_runtime))
    form.pop("csrf_token")
    demo = organisation_id(sqlite_runtime, DEMO)
    response = web.post(f"/staff/organisation/{demo}", data=changed(form, name="Ohne Token"))
    assert response.status_code == 403
    assert edits(sqlite_runtime) == []


def test_with_several_organisations_she_chooses_one(
    web: TestClient, sqlite_runtime: Runtime
) -> None:
    other = add_organisation(sqlite_runtime, "hoya-hilft", "Hoya hilft e.V.")
    staff_id = accounts(sqlite_runtime).id_of(DEMO_EMAIL)
    assert staff_id is not None
    accounts(sqlite_runtime).set_role(staff_id, other, "coordinator", "test")
    login_client(web)
    chooser = web.get("/staff/organisation")
    assert chooser.status_code == 200
    assert f'href="/staff/organisation/{other}">Hoya hilft e.V.</a>' in chooser.text
    demo = organisation_id(sqlite_runtime, DEMO)
    assert f'href="/staff/organisation/{demo}"' in chooser.text
    # Admin of one, coordinator of the other: read-only there.
    theirs = web.get(f"/staff/organisation/{other}").text
    assert 'action="/staff/organisation/' not in theirs
    assert 'href="/staff/organisation">Alle Organisationen</a>' in theirs


@pytest.mark.parametrize(
    ("language", "messages"),
    [
        (
            "de",
            [
                "Bitte prüfen Sie die markierten Felder. Es wurde nichts gespeichert.",
                "Diese Zeitzone kennen wir nicht.",
                "„Bis“ muss nach „von“ liegen.",
                "Bitte geben Sie eine ganze Zahl von 7 bis 730 ein.",
                "Die Standardsprache muss eine der angebotenen Sprachen sein.",
            ],
        ),
        (
            "en",
            [
                "Please check the marked fields. Nothing was saved.",
                "We do not know this time zone.",
                "Please enter a whole number from 7 to 730.",
                "The default language must be one of the languages offered.",
            ],
        ),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_nothing_is_stored(
    web: TestClient, sqlite_runtime: Runtime, language: str, messages: list[str]
) -> None:
    add_staff(sqlite_runtime, "admin@example.org", role="admin", language=language)
    login_client(web, "admin@example.org", PASSWORD)
    demo = organisation_id(sqlite_runtime, DEMO)
    form = fields_of(page_of(web, sqlite_runtime))
    before = stored(sqlite_runtime)
    response = web.post(
        f"/staff/organisation/{demo}",
        data=changed(
            form,
            name="Neuer Name",
            timezone="Europe/Nienburg",
            mon_1_from="13:00",
            mon_1_to="09:00",
            tue_1_from="09:00",
            retention_days="5",
            languages=["ar", "en"],
            default_language="de",
        ),
    )
    assert response.status_code == 400
    html = response.text
    for message in messages:
        assert message in html, message
    assert 'id="timezone-error"' in html
    assert 'aria-describedby="timezone-error"' in html
    assert 'id="hours_mon-error"' in html
    assert 'id="hours_tue-error"' in html
    assert 'id="retention_days-error"' in html
    assert 'id="hours_wed-error"' not in html
    # What she typed is still there to correct.
    again = fields_of(html)
    assert again["name"] == ["Neuer Name"]
    assert again["timezone"] == ["Europe/Nienburg"]
    assert again["mon_1_from"] == ["13:00"]
    assert stored(sqlite_runtime) == before
    assert edits(sqlite_runtime) == []


def test_the_bot_tells_a_woman_the_new_opening_hours_at_once(
    sqlite_client: TestClient, sqlite_runtime: Runtime, clock: FrozenClock
) -> None:
    clock.now = SATURDAY
    sim = Simulator(sqlite_client, "amina")
    onboard(sim)
    clock.advance(minutes=5)
    assert "Wir antworten: Mo–Fr 9–13 Uhr." in sim.press("🙋 Team fragen")[-1]["text"]
    sim.send("Menü")
    login_client(sqlite_client)
    demo = organisation_id(sqlite_runtime, DEMO)
    form = fields_of(page_of(sqlite_client, sqlite_runtime))
    response = sqlite_client.post(
        f"/staff/organisation/{demo}",
        data=changed(
            form,
            tue_1_from="10:00",
            tue_1_to="12:00",
            thu_1_from="14:00",
            thu_1_to="18:00",
        ),
        follow_redirects=False,
    )
    assert response.status_code == 303
    # The running process's organisation cache (re-read every 30 s) was forgotten at once.
    seen = sqlite_runtime.turns.organisations.by_slug(DEMO)
    assert seen is not None
    assert seen.info.opening_hours == WeeklyHours.parse("tue 10:00-12:00; thu 14:00-18:00")
    clock.advance(minutes=5)
    asked = sim.press("🙋 Team fragen")[-1]["text"]
    assert (
        "🕘 Wir sind gerade nicht im Büro. Wir lesen Ihre Nachricht ab Dienstag, 10:00." in asked
    )
    assert "Unsere Zeiten: Di 10:00–12:00 Uhr und Do 14:00–18:00 Uhr." in asked


def test_two_overlapping_ranges_on_one_day_are_explained(
    web: TestClient, sqlite_runtime: Runtime
) -> None:
    login_client(web)
    demo = organisation_id(sqlite_runtime, DEMO)
    form = fields_of(page_of(web, sqlite_runtime))
    response = web.post(
        f"/staff/organisation/{demo}",
        data=changed(
            form, fri_1_from="09:00", fri_1_to="13:00", fri_2_from="12:00", fri_2_to="15:00"
        ),
    )
    assert response.status_code == 400
    assert "Die beiden Zeiten dieses Tages überschneiden sich." in response.text
    assert 'id="hours_fri-error"' in response.text
    assert edits(sqlite_runtime) == []


def test_a_day_open_until_midnight_survives_the_form(
    web: TestClient, sqlite_runtime: Runtime
) -> None:
    OrganisationService.for_runtime(sqlite_runtime).edit(
        DEMO, {"opening_hours": "sat 18:00-24:00"}, "cli:test"
    )
    login_client(web)
    html = page_of(web, sqlite_runtime)
    form = fields_of(html)
    assert form["sat_1_to"] == ["23:59"]  # a time field ends there
    demo = organisation_id(sqlite_runtime, DEMO)
    saved = web.post(f"/staff/organisation/{demo}", data=form, follow_redirects=True)
    assert "Es gab nichts zu ändern." in saved.text
    assert stored(sqlite_runtime).opening_hours == WeeklyHours.parse("sat 18:00-24:00")
