"""On the simulator: she is told when the office is closed and when we read her message (German,
Arabic), and a newcomer without an invite code chooses where she lives when there are several
organisations (and only then).  The moves between organisations are stored on SQLite and
PostgreSQL (the ``client`` and ``runtime`` fixtures)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from starlette.testclient import TestClient

from bot.db.tables import organisations, people
from bot.features.invites.service import create_invite
from bot.organisations.service import OrganisationService
from bot.runtime import Runtime
from tests.auxil.clock import FrozenClock
from tests.auxil.simulator import Simulator, onboard

DEMO = "vnb-nienburg"
HOURS = "mon-fri 09:00-13:00; thu 14:00-17:00"
SATURDAY = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)  # 11:00 in Nienburg
MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # 10:00 in Nienburg: open


def _service(runtime: Runtime) -> OrganisationService:
    return OrganisationService.for_runtime(runtime)


def _organisation_of(runtime: Runtime) -> str:
    """The organisation of the one participant there is."""
    with runtime.db.connect() as conn:
        return conn.execute(
            select(organisations.c.slug)
            .join(people, people.c.organisation_id == organisations.c.id)
            .where(people.c.role == "participant")
        ).scalar_one()


# ---- office hours ---------------------------------------------------------------------------


def test_outside_the_hours_she_is_told_when_we_read_it_in_german(
    sqlite_client: TestClient, sqlite_runtime: Runtime, clock: FrozenClock
) -> None:
    _service(sqlite_runtime).edit(DEMO, {"opening_hours": HOURS}, "cli:test")
    clock.now = SATURDAY
    sim = Simulator(sqlite_client, "amina")
    onboard(sim)
    clock.advance(minutes=5)
    asked = sim.press("🙋 Team fragen")[-1]["text"]
    assert "🕘 Wir sind gerade nicht im Büro. Wir lesen Ihre Nachricht ab Montag, 09:00." in asked
    assert "Unsere Zeiten: Mo–Fr 09:00–13:00 Uhr und Do 14:00–17:00 Uhr." in asked
    told = sim.send("Ich brauche einen Kinderarzt.")[0]["text"]
    assert told == (
        "📨 Danke! Ihre Nachricht ist bei unserem Team.\n"
        "🕘 Wir sind gerade nicht im Büro. Wir lesen Ihre Nachricht ab Montag, 09:00.\n"
        "Dann antworten wir Ihnen hier.\n"
        "Unsere Zeiten: Mo–Fr 09:00–13:00 Uhr und Do 14:00–17:00 Uhr.\n"
        "🚨 Im Notfall rufen Sie 112 an."
    )
    # Monday morning, the office is open: no word of being away.
    clock.now = MONDAY
    open_now = sim.press("🙋 Team fragen")[-1]["text"]
    assert "nicht im Büro" not in open_now
    assert "Wir antworten: Mo–Fr 09:00–13:00 Uhr und Do 14:00–17:00 Uhr." in open_now
    assert sim.send("Danke")[0]["text"] == (
        "📨 Danke! Ihre Nachricht ist bei unserem Team.\n"
        "Wir antworten Ihnen hier: Mo–Fr 09:00–13:00 Uhr und Do 14:00–17:00 Uhr."
    )


def test_outside_the_hours_she_is_told_when_we_read_it_in_arabic(
    sqlite_client: TestClient, sqlite_runtime: Runtime, clock: FrozenClock
) -> None:
    _service(sqlite_runtime).edit(DEMO, {"opening_hours": HOURS}, "cli:test")
    clock.now = datetime(2026, 12, 10, 12, 30, tzinfo=UTC)  # Thursday 13:30: between the two
    sim = Simulator(sqlite_client, "layla")
    onboard(sim, language="العربية")
    sim.press("main.menu:person")  # the team
    told = sim.send("أحتاج إلى مساعدة")[0]
    assert "🕘 نحن لسنا في المكتب الآن. سنقرأ رسالتك ابتداءً من الخميس 14:00." in told["text"]
    assert "أوقاتنا: الاثنين–الجمعة 09:00–13:00 والخميس 14:00–17:00." in told["text"]
    assert "🚨 في حالة الطوارئ اتصلي بالرقم 112." in told["text"]


def test_without_structured_hours_the_free_text_is_shown(
    sqlite_client: TestClient, clock: FrozenClock
) -> None:
    clock.now = SATURDAY
    sim = Simulator(sqlite_client, "amina")
    onboard(sim)
    asked = sim.press("🙋 Team fragen")[-1]["text"]
    assert "Wir antworten: Mo–Fr 9–13 Uhr." in asked  # the demo's office hours as written
    assert "nicht im Büro" not in asked


# ---- where she lives ------------------------------------------------------------------------


def _two_districts(runtime: Runtime) -> None:
    service = _service(runtime)
    service.edit(DEMO, {"district": "Landkreis Nienburg/Weser"}, "cli:test")
    service.create(
        "vhs-verden",
        {
            "name": "VHS Verden",
            "district": "Landkreis Verden",
            "towns": "Verden (Aller), Achim",
            "privacy_contact": "datenschutz@vhs-verden.example.org",
        },
        "cli:test",
    )


def test_two_organisations_she_chooses_her_district_before_the_privacy_notice(
    client: TestClient, runtime: Runtime
) -> None:
    _two_districts(runtime)
    sim = Simulator(client, "amina")
    sim.send("/start")
    asked = sim.press("Deutsch")
    assert asked[-1]["text"] == "📍 Wo wohnen Sie?\nWählen Sie Ihren Landkreis oder Ihre Region."
    assert sim.labels() == ["Landkreis Nienburg/Weser", "Landkreis Verden"]
    notice = sim.press("Landkreis Verden")[-1]["text"]
    assert notice.startswith("🔒 VHS Verden hilft Frauen")
    assert _organisation_of(runtime) == "vhs-verden"
    sim.press(sim.labels()[0])  # yes
    sim.send("Amina")
    assert sim.labels()[:2] == ["Verden (Aller)", "Achim"]  # her organisation's towns


def test_three_organisations_in_two_countries_ask_the_country_first(
    client: TestClient, runtime: Runtime
) -> None:
    _two_districts(runtime)
    _service(runtime).create(
        "cpia-verona",
        {
            "name": "CPIA Verona",
            "country": "IT",
            "district": "Provincia di Verona",
            "timezone": "Europe/Rome",
            "default_language": "it",
            "languages": "it, en, ar",
        },
        "cli:test",
    )
    sim = Simulator(client, "giulia")
    sim.send("/start")
    assert len(sim.labels()) == 10  # before she says where: every language someone offers
    asked = sim.press("Deutsch")[-1]["text"]
    assert asked == "📍 Wo wohnen Sie?\nWählen Sie Ihr Land."
    assert sim.labels() == ["🇩🇪 Deutschland", "🇮🇹 Italien"]
    # One organisation in Italy: hers without another question; it does not offer German.
    offered = sim.press("🇮🇹 Italien")[-1]["text"]
    assert offered == "🌐 CPIA Verona spricht diese Sprachen.\nWelche Sprache möchten Sie?"
    assert sim.labels() == ["English", "العربية", "Italiano"]
    notice = sim.press("Italiano")[-1]["text"]
    assert notice.startswith("🔒 CPIA Verona")
    assert "Acconsente?" in notice or "d'accordo" in notice
    assert _organisation_of(runtime) == "cpia-verona"
    with runtime.db.connect() as conn:
        language = select(people.c.language).where(people.c.role == "participant")
        assert conn.execute(language).scalar_one() == "it"

    # Germany has two: then the district, with a number as the answer.
    other = Simulator(client, "amina")
    other.send("/start")
    other.press("English")
    other.press("🇩🇪 Germany")
    assert other.labels() == ["Landkreis Nienburg/Weser", "Landkreis Verden"]
    assert other.send("2")[-1]["text"].startswith("🔒 VHS Verden")


def test_a_newcomer_with_an_invite_code_is_not_asked_where_she_lives(
    sqlite_client: TestClient, sqlite_runtime: Runtime, clock: FrozenClock
) -> None:
    _two_districts(sqlite_runtime)
    create_invite(
        sqlite_runtime.db, clock(), course=None, organisation="vhs-verden", code="verden"
    )
    sim = Simulator(sqlite_client, "amina")
    sim.send("/start verden")
    notice = sim.press("Deutsch")[-1]["text"]
    assert notice.startswith("🔒 VHS Verden hilft Frauen")
    assert _organisation_of(sqlite_runtime) == "vhs-verden"


def test_one_organisation_asks_nothing_new(
    sqlite_client: TestClient, sqlite_runtime: Runtime
) -> None:
    sim = Simulator(sqlite_client, "amina")
    sim.send("/start")
    assert len(sim.labels()) == 10
    notice = sim.press("Deutsch")[-1]["text"]
    assert notice.startswith("🔒 VNB – Pilot Landkreis Nienburg hilft Frauen")
    assert _organisation_of(sqlite_runtime) == DEMO


def test_her_organisations_languages_only_on_the_language_menu(
    sqlite_client: TestClient, sqlite_runtime: Runtime
) -> None:
    _service(sqlite_runtime).edit(DEMO, {"languages": "de, ar, uk"}, "cli:test")
    sim = Simulator(sqlite_client, "amina")
    sim.send("/start")
    assert sim.labels() == ["Deutsch", "العربية", "Українська"]
    onboard_rest = sim.press("Deutsch")
    assert "Sind Sie einverstanden?" in onboard_rest[-1]["text"]
