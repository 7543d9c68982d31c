"""Issue 14, mentors and requests in the chat: a mentor signs up by a mentor invite, answers
her own questions, sees and changes her profile, pauses and stops; a participant asks for a
mentor (honest explanation, ``mentoring`` consent, topics, language), sees how her request
stands (nothing about a mentor before both said yes) and withdraws it.

What she reads (texts and buttons, in her language) and what is stored; SQLite and
PostgreSQL; frozen clock.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.db.tables import mentor_matches, mentor_profiles, mentoring_requests, people
from bot.features.invites import InviteError, create_invite, list_invites
from bot.features.mentoring.proposals import propose
from bot.features.my_data.export import as_json
from bot.features.my_data.gather import gather
from bot.runtime import Runtime
from tests.auxil.clock import FrozenClock
from tests.auxil.courses import person_of
from tests.auxil.processes import bot_environment, run_twc
from tests.auxil.simulator import Simulator, choose_region, onboard

MENTOR_CODE = "m-hoya"


def _mentor_invite(runtime: Runtime, clock: FrozenClock) -> None:
    create_invite(
        runtime.db,
        clock(),
        course=None,
        organisation="vnb-nienburg",
        code=MENTOR_CODE,
        role="mentor",
    )


def sign_up_mentor(sim: Simulator, language: str = "Deutsch", name: str = "Maria") -> None:
    """Onboarding by the mentor invite: no interests, no course help, messages yes."""
    sim.send(f"/start {MENTOR_CODE}")
    sim.press(language)
    choose_region(sim)
    sim.press(sim.labels()[0])  # privacy: yes
    sim.send(name)
    sim.press("Hoya")
    sim.press(sim.labels()[0])  # messages: yes


def mentor_questions(sim: Simulator) -> None:
    """Her own questions: consent, German and Arabic, two topics, two women, evenings."""
    sim.press("✅ Ja")
    sim.press("mentor.ask_languages:de")
    sim.press("mentor.ask_languages:ar")
    sim.press("mentor.ask_languages:done")
    sim.press("📄 Briefe, Ämter")
    sim.press("🗣️ Deutsch üben")
    sim.press("➡️ Fertig")
    sim.press("2️⃣ Zwei")
    sim.press("🌙 Abends")
    sim.press("➡️ Fertig")


def profile_of(runtime: Runtime, person_id: int) -> dict[str, object] | None:
    with runtime.db.connect() as conn:
        row = conn.execute(
            select(mentor_profiles).where(mentor_profiles.c.person_id == person_id)
        ).first()
    return None if row is None else dict(row._mapping)


def requests_of(runtime: Runtime, person_id: int) -> list[dict[str, object]]:
    with runtime.db.connect() as conn:
        rows = conn.execute(
            select(mentoring_requests)
            .where(mentoring_requests.c.person_id == person_id)
            .order_by(mentoring_requests.c.id)
        )
        return [dict(r._mapping) for r in rows]


def test_a_mentor_signs_up_by_her_invite(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    _mentor_invite(runtime, clock)
    sim = Simulator(client, "maria")
    sign_up_mentor(sim)
    assert "Schön, dass Sie Mentorin werden möchten!" in sim.text()
    assert sim.labels()[:3] == [
        "👭 Gruppen",
        "💼 Arbeit",
        "🤝 Mentorin",
    ]  # the features' entries first
    maria = person_of(runtime, "maria")
    with runtime.db.connect() as conn:
        role = conn.execute(select(people.c.role).where(people.c.id == maria)).scalar_one()
    assert role == "mentor"

    sim.press("🤝 Mentorin")
    assert "Vorher erfährt sie nichts über Sie." in sim.text()  # her consent first
    mentor_questions(sim)
    text = sim.text()
    assert "✅ Danke! Ihr Profil ist gespeichert." in text
    assert "• Sprachen: Deutsch, Arabisch" in text
    assert "• Themen: Deutsch üben, Briefe und Ämter" in text
    assert "• Frauen gleichzeitig: 2" in text
    assert "• Zeit: abends" in text
    assert "✅ Wir können Ihnen Frauen vorschlagen." in text
    assert sim.labels() == [
        "💬 Kontakt",
        "✏️ Profil ändern",
        "⏸️ Pause",
        "▶️ Pause beenden",
        "🚪 Aufhören",
        "🏠 Menü",
    ]
    profile = profile_of(runtime, maria)
    assert profile is not None
    assert profile["status"] == "active"
    assert profile["languages"] == ["de", "ar"]
    assert profile["topics"] == ["language", "paperwork"]
    assert profile["availability"] == ["evenings"]
    assert profile["capacity"] == 2

    # One answer changed: only that one is stored again.
    sim.press("✏️ Profil ändern")
    sim.press("👥 Anzahl Frauen")
    sim.press("1️⃣ Eine")
    assert "✅ Gespeichert." in sim.text()
    assert "• Frauen gleichzeitig: 1" in sim.text()
    profile = profile_of(runtime, maria)
    assert profile is not None
    assert (profile["capacity"], profile["languages"]) == (1, ["de", "ar"])


def test_a_mentor_pauses_resumes_and_stops(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    _mentor_invite(runtime, clock)
    sim = Simulator(client, "maria")
    sign_up_mentor(sim)
    sim.press("🤝 Mentorin")
    mentor_questions(sim)
    maria = person_of(runtime, "maria")

    sim.press("⏸️ Pause")
    sim.press("📅 Bis zu einem Datum")
    sim.send("morgen vielleicht")  # not a date: asked again, kindly
    assert "📅 Bitte schreiben Sie ein Datum, zum Beispiel: 24.12.26." in sim.text()
    assert profile_of(runtime, maria)["paused_until"] is None  # type: ignore[index]
    day = (clock() + timedelta(days=40)).date()
    sim.send(day.strftime("%d.%m.%Y"))
    assert "⏸️ In Ordnung. Bis " in sim.text()
    assert "⏸️ Pause: Bis " in sim.text()
    profile = profile_of(runtime, maria)
    assert profile is not None and profile["paused_until"] is not None
    assert profile["paused_until"].date() in (day, day - timedelta(days=1))  # local midnight

    sim.press("▶️ Pause beenden")
    assert "Ab jetzt können wir Ihnen wieder Frauen vorschlagen." in sim.text()
    profile = profile_of(runtime, maria)
    assert profile is not None and profile["paused_until"] is None

    sim.press("⏸️ Pause")
    sim.press("2 Wochen")
    profile = profile_of(runtime, maria)
    assert profile is not None
    assert profile["paused_until"] - clock() <= timedelta(days=15)

    sim.press("🚪 Aufhören")
    sim.press("✅ Ja, aufhören")
    assert "Danke für Ihre Hilfe! 🌷" in sim.text()
    profile = profile_of(runtime, maria)
    assert profile is not None and profile["status"] == "retired"
    sim.press("🤝 Mentorin")
    assert "🚪 Sie sind zurzeit keine Mentorin." in sim.text()


def test_a_participant_who_opens_a_mentor_link_becomes_a_mentor(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    _mentor_invite(runtime, clock)
    sim = Simulator(client, "leyla")
    onboard(sim, name="Leyla")
    leyla = person_of(runtime, "leyla")
    sim.send(f"/start {MENTOR_CODE}")
    with runtime.db.connect() as conn:
        role = conn.execute(select(people.c.role).where(people.c.id == leyla)).scalar_one()
    assert role == "mentor"
    sim.press("🤝 Mentorin")
    assert "Vorher erfährt sie nichts über Sie." in sim.text()


def ask_for_a_mentor(sim: Simulator) -> None:
    sim.press("🤝 Mentorin")
    sim.press("🙋 Mentorin suchen")
    sim.press("✅ Ja")  # after the explanation
    sim.press("✅ Ja")  # consent "mentoring"
    sim.press("📄 Briefe, Ämter")
    sim.press("🏫 Schule, Kita")
    sim.press("➡️ Fertig")


def test_a_participant_asks_for_a_mentor_and_withdraws(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    sim = Simulator(client, "amina")
    onboard(sim)
    amina = person_of(runtime, "amina")
    sim.press("🤝 Mentorin")
    assert "Sie haben noch keine Mentorin." in sim.text()  # she ticked a course, not this
    assert sim.labels() == ["🙋 Mentorin suchen", "💬 Kontakt", "↩️ Zurückziehen", "🏠 Menü"]
    sim.press("🙋 Mentorin suchen")
    assert "Die Suche dauert oft 2 bis 6 Wochen" in sim.text()
    sim.press("✅ Ja")
    assert "Das machen wir erst, wenn die Mentorin Ja gesagt hat." in sim.text()
    sim.press("✅ Ja")
    sim.press("📄 Briefe, Ämter")
    sim.press("🏫 Schule, Kita")
    sim.press("➡️ Fertig")
    assert sim.labels()[0] == "Deutsch"  # her language first
    sim.press("mentee.ask_language:ar")
    sim.press("✅ Ja, bitte")
    text = sim.text()
    assert "✅ Danke! Wir suchen jetzt eine Mentorin für Sie." in text
    assert "• Themen: Briefe und Ämter, Schule und Kita" in text
    assert "• Sprache: Arabisch" in text
    [request] = requests_of(runtime, amina)
    assert request["status"] == "waiting"
    assert request["topics"] == ["paperwork", "school"]
    assert request["language"] == "ar"

    # Her hub says since when; asking again changes her wish (one open request).
    sim.press("🤝 Mentorin")
    assert "⏳ Wir suchen eine Mentorin für Sie.\n• Seit: 30. November 2026\n" in sim.text()
    sim.press("🙋 Mentorin suchen")
    sim.press("✅ Ja")
    sim.press("🩺 Gesundheit")
    sim.press("➡️ Fertig")
    sim.press("mentee.ask_language:de")
    sim.press("✅ Ja, bitte")
    assert "✅ Wir haben Ihren Wunsch geändert." in sim.text()
    [request] = requests_of(runtime, amina)
    assert (request["topics"], request["language"]) == (["health"], "de")

    sim.press("🤝 Mentorin")
    sim.press("↩️ Zurückziehen")
    sim.press("✅ Ja, zurückziehen")
    assert "↩️ Ihre Anfrage ist zurückgezogen." in sim.text()
    [request] = requests_of(runtime, amina)
    assert request["status"] == "withdrawn" and request["closed_at"] == clock()
    sim.press("🤝 Mentorin")
    sim.press("↩️ Zurückziehen")
    sim.press("✅ Ja, zurückziehen")
    assert "Sie haben keine offene Anfrage." in sim.text()


def test_nothing_of_the_mentor_before_both_said_yes(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    _mentor_invite(runtime, clock)
    mentor = Simulator(client, "maria")
    sign_up_mentor(mentor, name="Maria")
    mentor.press("🤝 Mentorin")
    mentor_questions(mentor)
    participant = Simulator(client, "amina")
    onboard(participant)
    ask_for_a_mentor(participant)
    participant.press("mentee.ask_language:de")
    participant.press("✅ Ja, bitte")
    amina, maria = person_of(runtime, "amina"), person_of(runtime, "maria")
    [request] = requests_of(runtime, amina)
    with runtime.db.begin() as conn:
        match = propose(
            conn,
            request_id=int(request["id"]),
            mentor_id=maria,
            proposed_by="auto",
            now=clock(),
        )
    participant.press("🤝 Mentorin")
    assert "Wir fragen sie gerade." in participant.text()
    assert "Maria" not in participant.text()
    # Withdrawn while the mentor is asked: the introduction is taken back.
    participant.press("↩️ Zurückziehen")
    participant.press("✅ Ja, zurückziehen")
    with runtime.db.connect() as conn:
        status = conn.execute(
            select(mentor_matches.c.status).where(mentor_matches.c.id == match)
        ).scalar_one()
    assert status == "withdrawn"
    assert requests_of(runtime, amina)[0]["status"] == "withdrawn"


def test_a_mentor_is_named_once_both_said_yes(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    _mentor_invite(runtime, clock)
    mentor = Simulator(client, "maria")
    sign_up_mentor(mentor, name="Maria")
    mentor.press("🤝 Mentorin")
    mentor_questions(mentor)
    participant = Simulator(client, "amina")
    onboard(participant, language="العربية", name="أمينة")
    participant.press("🤝 مرشدة")
    participant.press("🙋 البحث عن مرشدة")
    participant.press("✅ نعم")
    participant.press("✅ نعم")
    participant.press("📄 رسائل ودوائر")
    participant.press("➡️ تم")
    participant.press("mentee.ask_language:ar")
    participant.press("✅ نعم، من فضلكِ")
    assert "• اللغة: العربية" in participant.text()
    amina, maria = person_of(runtime, "amina"), person_of(runtime, "maria")
    [request] = requests_of(runtime, amina)
    with runtime.db.begin() as conn:
        match = propose(
            conn,
            request_id=int(request["id"]),
            mentor_id=maria,
            proposed_by="auto",
            now=clock(),
        )
        conn.execute(
            mentor_matches.update().where(mentor_matches.c.id == match).values(status="active")
        )
        conn.execute(
            mentoring_requests.update()
            .where(mentoring_requests.c.id == request["id"])
            .values(status="matched")
        )
    participant.press("🤝 مرشدة")
    assert "🤝 مرشدتكِ: Maria" in participant.text()
    mentor.press("🏠 Menü")
    mentor.press("🤝 Mentorin")
    assert "• Sie begleiten jetzt: 1" in mentor.text()


def test_a_mentor_invite_is_for_an_organisation(runtime: Runtime, clock: FrozenClock) -> None:
    _mentor_invite(runtime, clock)
    [mentor] = [i for i in list_invites(runtime.db) if i.code == MENTOR_CODE]
    assert (mentor.role, mentor.course, mentor.organisation) == ("mentor", None, "vnb-nienburg")
    with pytest.raises(InviteError, match="not a course"):
        create_invite(
            runtime.db,
            clock(),
            course="deutsch-a2-nienburg",
            organisation=None,
            code="m-course",
            role="mentor",
        )
    with pytest.raises(InviteError, match="role"):
        create_invite(
            runtime.db, clock(), course=None, organisation="vnb-nienburg", code="x", role="boss"
        )


@pytest.mark.slow
def test_mentor_invites_on_the_command_line(tmp_path: Path) -> None:
    env = bot_environment(tmp_path / "bot.sqlite3")
    assert run_twc(["demo", "load"], env).returncode == 0
    made = run_twc(
        [
            "invites",
            "create",
            "--organisation",
            "vnb-nienburg",
            "--code",
            "m-2027",
            "--role",
            "mentor",
        ],
        env,
    )
    assert made.returncode == 0, made.stderr
    assert "https://t.me/<your_bot>?start=m-2027" in " ".join(made.stdout.split())
    listed = run_twc(["invites", "list"], env)
    [line] = [row for row in listed.stdout.splitlines() if row.startswith("m-2027")]
    assert "mentor" in line.split()
    bad = run_twc(["invites", "create", "--organisation", "vnb-nienburg", "--role", "boss"], env)
    assert bad.returncode == 2 and "role" in bad.stderr


def test_her_data_shows_and_exports_mentoring_and_erasure_removes_it(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    _mentor_invite(runtime, clock)
    mentor = Simulator(client, "maria")
    sign_up_mentor(mentor, name="Maria")
    mentor.press("🤝 Mentorin")
    mentor_questions(mentor)
    participant = Simulator(client, "amina")
    onboard(participant)
    ask_for_a_mentor(participant)
    participant.press("mentee.ask_language:ar")
    participant.press("✅ Ja, bitte")
    amina, maria = person_of(runtime, "amina"), person_of(runtime, "maria")
    [request] = requests_of(runtime, amina)
    with runtime.db.begin() as conn:
        propose(
            conn,
            request_id=int(request["id"]),
            mentor_id=maria,
            proposed_by="auto",
            now=clock(),
        )

    participant.press("main.menu:privacy")
    shown = participant.text()
    assert "🤝 Mentorinnen\n• Ihre Anfrage vom " in shown
    assert "(wir stellen Ihnen jemanden vor): Themen: 📄 Briefe, Ämter, 🏫 Schule, Kita." in shown
    assert "Sprache: Arabisch." in shown
    assert "Vorstellung vom " in shown and ": wir fragen noch" in shown
    assert "Maria" not in shown
    mentor.press("🏠 Menü")
    mentor.press("main.menu:privacy")
    shown = mentor.text()
    assert (
        "• Ihr Profil als Mentorin (aktiv): Sprachen: Deutsch, Arabisch. "
        "Themen: 🗣️ Deutsch üben, 📄 Briefe, Ämter. Frauen gleichzeitig: 2. Zeit: 🌙 Abends."
    ) in shown
    assert "Amina" not in shown

    with runtime.db.connect() as conn:
        data = gather(conn, amina, clock())
    assert data is not None
    document = as_json(data, clock())
    assert document["mentoring_requests"][0]["topics"] == ["paperwork", "school"]
    assert document["mentoring_introductions"][0]["as"] == "participant"

    # Erasure: her request and the introduction go with her; the mentor's profile stays.
    participant.send("/delete")
    participant.press(participant.labels()[0])
    with runtime.db.connect() as conn:
        assert conn.execute(select(mentoring_requests)).all() == []
        assert conn.execute(select(mentor_matches)).all() == []
    maria = person_of(runtime, "maria")
    mentor.send("/delete")
    mentor.press(mentor.labels()[0])
    with runtime.db.connect() as conn:
        profiles = select(mentor_profiles).where(mentor_profiles.c.person_id == maria)
        assert conn.execute(profiles).all() == []


def test_without_messages_she_is_asked_for_them_and_no_request_is_stored(
    client: TestClient, runtime: Runtime
) -> None:
    sim = Simulator(client, "amina")
    onboard(sim, messages=False)
    ask_for_a_mentor(sim)
    assert "🔔 Wenn wir eine Mentorin gefunden haben, schreiben wir Ihnen." in sim.text()
    sim.press("🔕 Nein, danke")
    assert "Ohne Nachrichten können wir Ihnen aber keine Mentorin vorstellen." in sim.text()
    assert requests_of(runtime, person_of(runtime, "amina")) == []
    # Yes to messages the next time (her "mentoring" consent stands: not asked again).
    sim.press("🤝 Mentorin")
    sim.press("🙋 Mentorin suchen")
    sim.press("✅ Ja")
    sim.press("📄 Briefe, Ämter")
    sim.press("➡️ Fertig")
    sim.press("🔔 Ja, gerne")
    assert "🌐 In welcher Sprache möchten Sie mit Ihrer Mentorin sprechen?" in sim.text()
    sim.press("mentee.ask_language:de")
    sim.press("✅ Ja, bitte")
    [request] = requests_of(runtime, person_of(runtime, "amina"))
    assert (request["status"], request["language"]) == ("waiting", "de")


def test_saying_no_to_the_mentoring_consent_stores_nothing(
    client: TestClient, runtime: Runtime
) -> None:
    sim = Simulator(client, "amina")
    onboard(sim)
    sim.press("🤝 Mentorin")
    sim.press("🙋 Mentorin suchen")
    sim.press("✅ Ja")
    sim.press("❌ Nein")
    assert "In Ordnung. Wir suchen keine Mentorin für Sie." in sim.text()
    assert requests_of(runtime, person_of(runtime, "amina")) == []


def test_who_ticked_mentor_at_onboarding_is_offered_one_in_her_hub(
    client: TestClient, runtime: Runtime
) -> None:
    sim = Simulator(client, "amina")
    sim.send("/start")
    sim.press("Deutsch")
    choose_region(sim)
    sim.press(sim.labels()[0])
    sim.send("Amina")
    sim.press("Hoya")
    sim.press("🤝 Mentorin")  # her interest
    sim.press("➡️ Fertig")
    sim.press("➡️ Fertig")
    sim.press("🔔 Ja, gerne")
    sim.press("main.menu:mentoring")
    assert "Bei der Anmeldung haben Sie gesagt: Eine Mentorin interessiert Sie." in sim.text()
    assert sim.labels()[0] == "🙋 Mentorin suchen"
