"""The simulator's JSON API over HTTP: the real inbound path, stored state, clean 4xx errors."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select, text
from starlette.testclient import TestClient

from bot.db.models import ConsentRecord, OutboxMessage, Person
from bot.runtime import Runtime
from tests.auxil.simulator import Simulator, onboard


def test_onboarding_end_to_end_is_stored(client: TestClient, runtime: Runtime) -> None:
    sim = Simulator(client, "amina")
    first = sim.send("Hallo")
    assert "Welche Sprache möchten Sie?" in first[0]["text"]
    assert [c["label"] for c in first[0]["choices"]][:3] == ["Deutsch", "English", "العربية"]
    onboard(sim)
    assert "Willkommen, Amina" in sim.text()
    assert sim.labels() == [
        "👭 Gruppen",
        "💼 Arbeit",
        "🤝 Mentorin",
        "🙋 Team fragen",
        "🌐 Sprache ändern",
        "🔒 Meine Daten",
        "🔕 Keine Nachrichten",
    ]
    with runtime.db.connect() as conn:
        person = (
            conn.execute(select(Person.__table__).where(Person.role == "participant"))
            .mappings()
            .one()
        )
        assert person["display_name"] == "Amina"
        assert person["town"] == "Hoya"
        assert person["status"] == "active"
        assert person["language"] == "de"
        consents = (
            conn.execute(
                select(ConsentRecord.__table__).where(ConsentRecord.channel == "simulator")
            )
            .mappings()
            .all()
        )
        assert {c["purpose"] for c in consents} == {"profile", "messages"}
        # Two questions, two wordings: each record names the hash of the one she answered
        # (tests/test_consent.py recomputes them from the catalogs).
        assert len({c["wording_version"] for c in consents}) == 2
        assert all(re.fullmatch(r"[0-9a-f]{16}", c["wording_version"]) for c in consents)
        assert {c["channel"] for c in consents} == {"simulator"}
        statuses = conn.execute(select(OutboxMessage.status).distinct()).scalars().all()
        assert statuses == ["sent"]


def test_transcript_has_both_directions_and_the_pressed_label(client: TestClient) -> None:
    sim = Simulator(client, "layla")
    sim.send("/start")
    sim.press("العربية")
    response = client.get("/simulator/api/messages", params={"user": "layla"})
    assert response.status_code == 200
    messages = response.json()["messages"]
    assert [m["direction"] for m in messages] == ["in", "out", "in", "out"]
    assert messages[2]["text"] == "العربية"
    assert messages[3]["text_direction"] == "rtl"


def test_arabic_replies_are_marked_right_to_left(client: TestClient) -> None:
    sim = Simulator(client, "nour")
    sim.send("/start")
    replies = sim.press("العربية")
    assert replies[0]["direction"] == "rtl"
    assert "VNB" in replies[0]["text"]


def test_message_after_deletion_starts_over(client: TestClient, runtime: Runtime) -> None:
    sim = Simulator(client, "gone")
    onboard(sim)
    sim.send("/delete")
    sim.press("✅ Ja, alles löschen")
    assert "gelöscht" in sim.text()
    with runtime.db.connect() as conn:
        count = conn.execute(
            select(func.count()).select_from(Person.__table__).where(Person.role == "participant")
        ).scalar_one()
        assert count == 0
    replies = sim.send("Hallo?")
    assert "Welche Sprache möchten Sie?" in replies[0]["text"]


def test_the_same_message_id_is_processed_once(client: TestClient, runtime: Runtime) -> None:
    body = {"user": "twice", "text": "Hallo", "id": "msg-1"}
    first = client.post("/simulator/api/messages", json=body).json()
    second = client.post("/simulator/api/messages", json=body).json()
    assert first["replies"] and not first["duplicate"]
    assert second == {"replies": [], "duplicate": True}
    with runtime.db.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM outbox")).scalar_one() == 1


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"{not json", 400),
        (b"[1, 2]", 422),
        (b'{"text": "hi"}', 422),
        (b'{"user": "", "text": "hi"}', 422),
        (b'{"user": "x"}', 422),
        (b'{"user": "x", "text": 5}', 422),
        (b'{"user": "x", "choice": ["a"]}', 422),
        (b'{"user": true, "text": "hi"}', 422),
        (b'{"user": "x", "text": "' + b"a" * 30_000 + b'"}', 422),
        (b'{"user": "x", "text": "' + b"a" * 100_000 + b'"}', 413),
        (b"x" * 300_000, 413),
    ],
)
def test_malformed_requests_get_a_clear_4xx(client: TestClient, raw: bytes, status: int) -> None:
    response = client.post(
        "/simulator/api/messages", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code == status
    assert response.json()["error"]


def test_unknown_choice_id_gets_a_friendly_reprompt(client: TestClient) -> None:
    sim = Simulator(client, "presser")
    sim.send("/start")
    response = client.post("/simulator/api/messages", json={"user": "presser", "choice": "zzz"})
    assert response.status_code == 200
    replies = response.json()["replies"]
    assert "älteren Nachricht" in replies[0]["text"]
    assert replies[-1]["choices"]


@pytest.mark.parametrize(
    "awkward",
    ["", "   ", "🙂🙂🙂", "\x00\x07\x1b[31m", "\u200f\u202bمرحبا\u202c", "a" * 10_000, "\ud7ff"],
)
def test_awkward_text_gets_a_reply_never_an_error(client: TestClient, awkward: str) -> None:
    sim = Simulator(client, "awkward")
    sim.send("/start")
    sim.press("Deutsch")
    sim.press("✅ Ja, einverstanden")
    replies = sim.send(awkward)
    assert replies, "every message gets an answer"
    assert all("Traceback" not in r["text"] for r in replies)


def test_a_ten_thousand_character_name_is_refused_kindly(client: TestClient) -> None:
    sim = Simulator(client, "long")
    sim.send("/start")
    sim.press("Deutsch")
    sim.press("✅ Ja, einverstanden")
    replies = sim.send("x" * 10_000)
    assert "höchstens 40 Zeichen" in replies[0]["text"]


def test_get_without_user_is_a_4xx(client: TestClient) -> None:
    assert client.get("/simulator/api/messages").status_code == 422


def test_users_are_listed_for_the_switcher(client: TestClient) -> None:
    Simulator(client, "u1").send("hi")
    Simulator(client, "u2").send("hi")
    users: list[Any] = client.get("/simulator/api/users").json()["users"]
    assert {"u1", "u2"} <= set(users)


def test_health(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_names_are_encrypted_at_rest(client: TestClient, runtime: Runtime) -> None:
    sim = Simulator(client, "secret-name")
    onboard(sim, name="Zainab")
    with runtime.db.connect() as conn:
        raw = conn.execute(
            text("SELECT display_name FROM people WHERE role = 'participant'")
        ).scalar_one()
        addresses = conn.execute(text("SELECT address, lookup_key FROM channel_identities")).all()
    assert "Zainab" not in raw
    assert all("secret-name" not in a and "secret-name" not in k for a, k in addresses)
