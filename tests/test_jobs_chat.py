"""Issue 15, her side in the chat: "💼 Arbeit" in the menu, her ``job_offers`` consent asked
the first time, three short questions stored in ``job_profiles``, her answers shown and
changed, "🔕 Keine Job-Angebote" withdrawing only that consent and deleting her answers.

What she reads (texts and buttons) and what is stored; SQLite and PostgreSQL; frozen clock.
"""

from __future__ import annotations

from sqlalchemy import select
from starlette.testclient import TestClient

from bot.consent.checks import has_consent
from bot.db.tables import job_profiles
from bot.features.my_data.export import as_json
from bot.features.my_data.gather import gather
from bot.runtime import Runtime
from tests.auxil.clock import FrozenClock
from tests.auxil.courses import person_of
from tests.auxil.jobs import add_notice, add_offer, org_id
from tests.auxil.simulator import Simulator, choose_region, onboard


def answers_of(runtime: Runtime, person: int) -> dict[str, object] | None:
    with runtime.db.connect() as conn:
        return conn.execute(
            select(job_profiles.c.answers).where(job_profiles.c.person_id == person)
        ).scalar()


def consents(runtime: Runtime, person: int) -> set[str]:
    with runtime.db.connect() as conn:
        return {p for p in ("messages", "job_offers") if has_consent(conn, person, p)}


def test_she_agrees_answers_changes_and_stops(client: TestClient, runtime: Runtime) -> None:
    sim = Simulator(client, "amina")
    onboard(sim)
    amina = person_of(runtime, "amina")
    assert "💼 Arbeit" in sim.labels()

    sim.press("💼 Arbeit")
    assert "💼 Hier bekommen Sie Job-Angebote aus Ihrer Nähe" in sim.text()
    assert sim.labels() == ["📝 Fragen beantworten", "🏠 Menü"]  # nothing to withdraw yet

    sim.press("📝 Fragen beantworten")
    assert "höchstens eine Nachricht pro Woche, mit höchstens 3 Angeboten" in sim.text()
    assert consents(runtime, amina) == {"messages"}
    sim.press("✅ Ja")
    assert sim.text() == "🗣️ Wie gut sprechen Sie Deutsch?"
    assert sim.labels() == [
        "Noch gar nicht",
        "Ein paar Wörter",
        "Einfache Sätze",
        "Im Alltag gut",
        "Gut, auch am Telefon",
        "Sehr gut",
    ]
    sim.press("Einfache Sätze")
    assert sim.text() == "🕘 Wie viele Stunden pro Woche können Sie arbeiten?"
    sim.press("Bis 20 Stunden")
    assert sim.text() == "🚌 Wie weit können Sie zur Arbeit fahren?"
    sim.press("Bis 25 km")
    assert "✅ Danke! Wir haben Ihre Antworten gespeichert." in sim.text()
    assert "💼 Arbeit" in sim.labels()  # back at the menu
    assert answers_of(runtime, amina) == {"german": "A2", "hours": 20, "travel_km": 25}
    assert consents(runtime, amina) == {"messages", "job_offers"}

    sim.press("💼 Arbeit")
    text = sim.text()
    assert "• Deutsch: einfache Sätze" in text
    assert "• Stunden pro Woche: bis 20 Stunden" in text
    assert "• Weg zur Arbeit: bis 25 km" in text
    assert sim.labels() == ["📝 Fragen beantworten", "🔕 Keine Job-Angebote", "🏠 Menü"]

    sim.press("📝 Fragen beantworten")  # asked once: straight to the questions
    assert sim.text() == "🗣️ Wie gut sprechen Sie Deutsch?"
    sim.press("Sehr gut")
    sim.press("Mehr als 30 Stunden")
    sim.press("Nur in meinem Ort")
    assert answers_of(runtime, amina) == {"german": "C1", "hours": 60, "travel_km": 0}
    sim.press("💼 Arbeit")
    assert "• Stunden pro Woche: mehr als 30 Stunden" in sim.text()
    assert "• Weg zur Arbeit: nur in meinem Ort" in sim.text()

    sim.press("🔕 Keine Job-Angebote")
    assert "Andere Nachrichten von uns bekommen Sie weiter." in sim.text()
    sim.press("❌ Nein")
    assert answers_of(runtime, amina) is not None
    sim.press("🔕 Keine Job-Angebote")
    sim.press("✅ Ja")
    assert "Ihre Antworten sind gelöscht." in sim.text()
    assert answers_of(runtime, amina) is None
    assert consents(runtime, amina) == {"messages"}  # only job offers withdrawn

    sim.press("💼 Arbeit")  # she may come back: asked again
    sim.press("📝 Fragen beantworten")
    assert "Sind Sie einverstanden?" in sim.text()


def test_she_says_no_and_nothing_is_stored(client: TestClient, runtime: Runtime) -> None:
    sim = Simulator(client, "leyla")
    onboard(sim, name="Leyla")
    leyla = person_of(runtime, "leyla")
    sim.press("💼 Arbeit")
    sim.press("📝 Fragen beantworten")
    sim.press("❌ Nein")
    assert "Wir schicken Ihnen keine Job-Angebote." in sim.text()
    assert answers_of(runtime, leyla) is None
    assert consents(runtime, leyla) == {"messages"}


def test_without_messages_the_answers_wait_for_that_consent(
    client: TestClient, runtime: Runtime
) -> None:
    sim = Simulator(client, "olena")
    onboard(sim, name="Olena", messages=False)
    olena = person_of(runtime, "olena")
    sim.press("💼 Arbeit")
    sim.press("📝 Fragen beantworten")
    sim.press("✅ Ja")
    sim.press("Ein paar Wörter")
    sim.press("Bis 10 Stunden")
    sim.press("Bis 10 km")
    assert "Die Angebote schicken wir Ihnen als Nachricht." in sim.text()
    sim.press("🔕 Nein, danke")
    assert "Ohne Nachrichten können wir Ihnen aber keine Angebote schicken." in sim.text()
    assert answers_of(runtime, olena) is None

    sim.press("💼 Arbeit")
    sim.press("📝 Fragen beantworten")
    sim.press("Ein paar Wörter")
    sim.press("Bis 10 Stunden")
    sim.press("Bis 10 km")
    sim.press("🔔 Ja, gerne")
    assert "✅ Danke! Wir haben Ihre Antworten gespeichert." in sim.text()
    assert answers_of(runtime, olena) == {"german": "A1", "hours": 10, "travel_km": 10}
    assert consents(runtime, olena) == {"messages", "job_offers"}


def test_work_ticked_at_onboarding_is_offered_in_so_many_words(
    client: TestClient, runtime: Runtime
) -> None:
    sim = Simulator(client, "samira")
    sim.send("/start")
    sim.press("Deutsch")
    choose_region(sim)
    sim.press(sim.labels()[0])
    sim.send("Samira")
    sim.press("Hoya")
    sim.press("onboarding.ask_interests:jobs")
    sim.press("onboarding.ask_interests:done")
    sim.press("onboarding.ask_support:done")
    sim.press("onboarding.ask_messages:yes")
    sim.press("💼 Arbeit")
    assert "Bei der Anmeldung haben Sie gesagt: Arbeit interessiert Sie." in sim.text()
    assert "Tippen Sie auf „📝 Fragen beantworten“." in sim.text()


def test_her_job_answers_and_offers_in_my_data(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    sim = Simulator(client, "amina")
    onboard(sim)
    amina = person_of(runtime, "amina")
    sim.press("💼 Arbeit")
    sim.press("📝 Fragen beantworten")
    sim.press("✅ Ja")
    sim.press("Im Alltag gut")
    sim.press("Bis 30 Stunden")
    sim.press("Nur in meinem Ort")
    org = org_id(runtime.db)
    kitchen = add_offer(runtime.db, org, clock(), title="Küchenhilfe", town="Hoya")
    add_notice(runtime.db, org, amina, kitchen, clock(), status="not_for_me")

    sim.send("/mydata")
    text = sim.text()
    assert "💼 Job-Angebote" in text
    assert (
        "• Ihre Antworten: Deutsch: Im Alltag gut. Stunden pro Woche: Bis 30 Stunden. "
        "Weg zur Arbeit: Nur in meinem Ort." in text
    )
    assert "• Angebot vom Montag, 30. November 2026: Küchenhilfe, Hoya (nicht für Sie)" in text

    with runtime.db.connect() as conn:
        data = gather(conn, amina, clock())
    assert data is not None
    document = as_json(data, clock())
    assert document["job_answers"] == {"german": "B1", "hours": 30, "travel_km": 0}
    (told,) = document["job_offers_told"]
    assert told["title"] == {"de": "Küchenhilfe"} and told["her_answer"] == "not_for_me"
