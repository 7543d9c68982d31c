"""Consent per purpose (issue 11, point 8): recorded one purpose at a time with the hash of the
words she read, checked before every message the bot starts, withdrawn with its time.

Through the simulator's HTTP API on SQLite and PostgreSQL, with a frozen clock.  The wording
hashes are recomputed here from the shipped catalogs (``locales/*/LC_MESSAGES/twc.po``, German
from the flow file), not with the code under test.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.consent.checks import has_consent, with_consent
from bot.db.models import (
    BroadcastExclusion,
    ConsentRecord,
    ConsentWording,
    InboxMessage,
    Nudge,
    OutboxMessage,
)
from bot.features.broadcasts.compose import Draft
from bot.features.broadcasts.service import BroadcastService
from bot.features.checkins.housekeeping import run_housekeeping
from bot.runtime import Runtime
from bot.turns.writer import Target
from conversations.events import RecordConsent, WithdrawConsent
from conversations.flow_engine import Result
from conversations.model import Profile
from scheduler.due import fire_due
from tests.auxil.clock import FrozenClock
from tests.auxil.consent import catalog_entry, sha16
from tests.auxil.courses import course_with, person_of, service_of
from tests.auxil.simulator import Simulator, onboard

consents = ConsentRecord.__table__
wordings = ConsentWording.__table__
outbox = OutboxMessage.__table__
nudges = Nudge.__table__
exclusions = BroadcastExclusion.__table__
requests = InboxMessage.__table__

#: The main menu: the features' entries first (jobs, mentoring), then the core's.
MENU = [
    "👭 Gruppen",
    "💼 Arbeit",
    "🤝 Mentorin",
    "🙋 Team fragen",
    "🌐 Sprache ändern",
    "🔒 Meine Daten",
    "🔕 Keine Nachrichten",
]
#: Without a consent to messages there is nothing to stop: the menu does not offer it.
MENU_WITHOUT_MESSAGES = MENU[:-1]
ASK_MESSAGES = ["🔔 Ja, gerne", "🔕 Nein, danke"]
SESSION = ("2026-12-03 09:00", "2026-12-03 12:00", "VHS Hoya")
BEFORE_THE_SESSION = datetime(2026, 12, 3, 7, 30, tzinfo=UTC)  # 08:30 in Berlin


def records_of(runtime: Runtime, person: int) -> list[dict[str, Any]]:
    with runtime.db.connect() as conn:
        query = select(consents).where(consents.c.person_id == person).order_by(consents.c.id)
        return [dict(r) for r in conn.execute(query).mappings()]


def reminders_sent_to(runtime: Runtime, person: int) -> list[dict[str, Any]]:
    with runtime.db.connect() as conn:
        query = select(outbox.c.payload).where(
            outbox.c.person_id == person, outbox.c.kind == "course_reminder"
        )
        return list(conn.execute(query).scalars())


def nudges_of(runtime: Runtime, person: int) -> list[str]:
    with runtime.db.connect() as conn:
        query = select(nudges.c.status).where(nudges.c.person_id == person)
        return list(conn.execute(query).scalars())


@pytest.mark.parametrize(("label", "language"), [("Deutsch", "de"), ("Українська", "uk")])
def test_onboarding_records_each_purpose_with_the_hash_of_the_words_she_read(
    runtime: Runtime, client: TestClient, clock: FrozenClock, label: str, language: str
) -> None:
    onboard(Simulator(client, "amina"), language=label)
    person = person_of(runtime, "amina")

    records = records_of(runtime, person)
    notice = catalog_entry(language, "onboarding.privacy_notice")
    question = catalog_entry(language, "onboarding.ask_messages")
    assert {r["purpose"]: r["wording_version"] for r in records} == {
        "profile": sha16(notice),
        "messages": sha16(question),
    }
    assert all(
        (r["language"], r["channel"], r["given_at"], r["withdrawn_at"])
        == (language, "simulator", clock(), None)
        for r in records
    )
    with runtime.db.connect() as conn:
        kept = {(r.hash, r.language): r.text for r in conn.execute(select(wordings))}
    # The words themselves, by their hash: a consent can be shown word for word later.
    assert kept == {(sha16(notice), language): notice, (sha16(question), language): question}


def test_agreeing_after_reading_more_records_the_longer_text(
    runtime: Runtime, client: TestClient
) -> None:
    leyla = Simulator(client, "leyla")
    leyla.send("/start")
    leyla.press("English")
    leyla.press("📄 Read more")
    details = catalog_entry("en", "onboarding.privacy_details")
    assert "6 months after your last message" in leyla.text()
    assert "after 7 days" in leyla.text() and "after 30 days" in leyla.text()
    leyla.press("✅ Yes, I agree")
    [profile] = records_of(runtime, person_of(runtime, "leyla"))
    assert (profile["purpose"], profile["wording_version"]) == ("profile", sha16(details))


def test_no_to_messages_keeps_the_menu_and_the_team_but_nothing_the_bot_starts(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    amina = Simulator(client, "amina")
    onboard(amina, messages=False)
    assert "Wir schicken Ihnen keine Nachrichten" in amina.text()
    assert amina.labels() == MENU_WITHOUT_MESSAGES
    amina.press("🙋 Team fragen")
    amina.send("Wann ist der nächste Kurs?")
    assert "Ihre Nachricht ist bei unserem Team" in amina.text()
    olga = Simulator(client, "olga")
    onboard(olga, name="Olga")  # said yes: the control
    person, control = person_of(runtime, "amina"), person_of(runtime, "olga")
    assert [r["purpose"] for r in records_of(runtime, person)] == ["profile"]
    with runtime.db.connect() as conn:
        assert conn.execute(select(requests.c.person_id)).scalars().all() == [person]
        assert not has_consent(conn, person, "messages")
        assert has_consent(conn, person, "profile")
        assert with_consent(conn, [person, control], "messages") == {control}

    # A course: "the session moved" is not sent to her, and no reminder reaches her.
    courses = service_of(runtime, clock)
    course_with(courses)
    courses.enrol("a2-hoya", [person, control])
    session = courses.add_session("a2-hoya", *SESSION)["id"]
    assert courses.move_session(session, "2026-12-03 10:00")["told"] == 1
    with runtime.db.connect() as conn:
        told = conn.execute(select(outbox.c.person_id).where(outbox.c.kind != "reply")).all()
    assert {row.person_id for row in told} == {control}
    clock.now = BEFORE_THE_SESSION
    fire_due(runtime.db, runtime.turns, clock)
    assert reminders_sent_to(runtime, person) == [] and reminders_sent_to(runtime, control)
    assert "pending" not in nudges_of(runtime, person)

    # No check-in after two silent weeks (Olga gets hers).
    clock.advance(days=15)
    assert run_housekeeping(runtime.db, clock)["checkin"] == 1
    with runtime.db.connect() as conn:
        planned = conn.execute(select(nudges.c.person_id).where(nudges.c.kind == "checkin"))
        assert {row.person_id for row in planned} == {control}

    # A broadcast: she is left out as "no_consent", Olga gets it.
    broadcasts = BroadcastService(
        runtime.db, runtime.flow_engine.catalogs, runtime.clock, "cli:test"
    )
    created = broadcasts.create(
        Draft({"de": "📢 Neuer Kurs in Hoya!"}, {"towns": ["Hoya"]}, title="Neu"), "vnb-nienburg"
    )
    assert broadcasts.send(created["id"])["enqueued"] == 1
    with runtime.db.connect() as conn:
        got = conn.execute(select(outbox.c.person_id).where(outbox.c.kind == "broadcast"))
        assert {row.person_id for row in got} == {control}
        left_out = conn.execute(select(exclusions.c.person_id, exclusions.c.reason))
        assert (person, "no_consent") in {(row.person_id, row.reason) for row in left_out}

    # She can still use everything else.
    amina.send("Menü")
    assert amina.labels() == MENU_WITHOUT_MESSAGES


def test_stop_withdraws_messages_stops_what_was_planned_and_start_asks_again(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    amina = Simulator(client, "amina")
    onboard(amina)
    person = person_of(runtime, "amina")
    courses = service_of(runtime, clock)
    course_with(courses)
    courses.enrol("a2-hoya", [person])
    courses.add_session("a2-hoya", *SESSION)
    assert nudges_of(runtime, person)  # her reminders are planned

    clock.advance(minutes=5)
    amina.press("🔕 Keine Nachrichten")
    assert "Sie bekommen keine Nachrichten mehr" in amina.text()
    profile, messages = records_of(runtime, person)
    assert (messages["purpose"], messages["withdrawn_at"]) == ("messages", clock())
    assert (profile["purpose"], profile["withdrawn_at"]) == ("profile", None)

    # Back with "Start": asked again; she says no.  Active again, but still no messages.
    clock.advance(minutes=5)
    amina.send("Start")
    assert "Schön, dass Sie wieder da sind" in amina.text()
    assert amina.labels() == ASK_MESSAGES
    amina.press("🔕 Nein, danke")
    assert amina.labels() == MENU_WITHOUT_MESSAGES
    assert len(records_of(runtime, person)) == 2  # nothing new was agreed to

    # Her reminders fire now: each is checked again, and none reaches her.
    clock.now = BEFORE_THE_SESSION
    fire_due(runtime.db, runtime.turns, clock)
    assert reminders_sent_to(runtime, person) == []
    assert "pending" not in nudges_of(runtime, person)

    # A greeting does not ask again; "my data" does: yes, a new record (the withdrawn one
    # stays as it was).
    amina.send("/start")
    assert "Willkommen zurück" in amina.text() and amina.labels() == MENU_WITHOUT_MESSAGES
    amina.press("🔒 Meine Daten")
    amina.press("🔔 Nachrichten an")
    assert amina.labels() == ASK_MESSAGES
    amina.press("🔔 Ja, gerne")
    assert "Sie bekommen wieder Nachrichten" in amina.text()
    records = records_of(runtime, person)
    assert [(r["purpose"], r["withdrawn_at"] is None) for r in records] == [
        ("profile", True),
        ("messages", False),
        ("messages", True),
    ]
    assert records[2]["given_at"] == clock()
    assert records[2]["wording_version"] == sha16(catalog_entry("de", "main.ask_messages"))
    with runtime.db.connect() as conn:
        assert has_consent(conn, person, "messages")


def test_stop_as_a_word_in_capitals_or_as_a_command_withdraws_messages(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    for user, word in (("wa", "STOP"), ("tg", "/stop"), ("uk", "стоп")):
        phone = Simulator(client, user)
        onboard(phone, name="Mina")
        clock.advance(minutes=1)
        phone.send(word)
        records = records_of(runtime, person_of(runtime, user))
        assert {(r["purpose"], r["withdrawn_at"]) for r in records} == {
            ("profile", None),
            ("messages", clock()),
        }


@pytest.mark.parametrize(
    ("first", "then", "messages_now"),
    [("withdraw", "record", True), ("record", "withdraw", False)],
    ids=["stop-then-yes", "yes-then-stop"],
)
def test_stop_and_yes_in_one_batch_end_as_she_said_them(
    runtime: Runtime,
    client: TestClient,
    clock: FrozenClock,
    first: str,
    then: str,
    messages_now: bool,
) -> None:
    """Two turns of hers written by one batch writer: the later answer wins."""
    onboard(Simulator(client, "amina"))
    person = person_of(runtime, "amina")
    service = runtime.turns
    with runtime.db.connect() as conn:
        row = conn.execute(service.sql.person_by_id, {"person_id": person}).mappings().one()
    target = Target(
        person,
        row["identity_id"],
        "simulator",
        service.organisations.by_id(row["organisation_id"]),
    )
    wording = catalog_entry("de", "main.ask_messages")
    effects = {
        "withdraw": WithdrawConsent(("messages",)),
        "record": RecordConsent(("messages",), sha16(wording), wording, "de"),
    }
    clock.advance(minutes=1)
    writer = service.writer()
    with service.write_transaction() as conn:
        for index, name in enumerate((first, then)):
            result = Result(None, Profile(), [effects[name]])
            writer.collect(conn, target, result, clock(), f"test:{index}", inbound=False)
        writer.flush(conn)
    with runtime.db.connect() as conn:
        assert has_consent(conn, person, "messages") is messages_now


def test_a_later_yes_lets_the_reminders_planned_meanwhile_reach_her(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> None:
    amina = Simulator(client, "amina")
    onboard(amina, messages=False)
    person = person_of(runtime, "amina")
    courses = service_of(runtime, clock)
    course_with(courses)
    courses.enrol("a2-hoya", [person])
    courses.add_session("a2-hoya", *SESSION)
    amina.press("🔒 Meine Daten")
    amina.press("🔔 Nachrichten an")
    amina.press("🔔 Ja, gerne")
    replies = amina.press("🔒 Meine Daten")  # now she gets messages: only "🔕" is offered
    assert "🔔 Nachrichten an" not in amina.labels() and "🔕 Keine Nachrichten" in amina.labels()
    assert "🔔 Sie bekommen Nachrichten von uns." in replies[0]["text"]
    assert [r["purpose"] for r in records_of(runtime, person)] == ["profile", "messages"]
    clock.now = BEFORE_THE_SESSION
    fire_due(runtime.db, runtime.turns, clock)
    [reminder, *_] = reminders_sent_to(runtime, person)
    assert "VHS Hoya" in reminder["text"]
