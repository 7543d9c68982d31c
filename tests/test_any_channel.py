"""The same participant on every channel: onboarding in Ukrainian, through ``tests.auxil.person``.

Simulator always; Telegram through the npm stand-in (skipped without Node, failed under CI);
WhatsApp through signed Twilio webhooks and Prism.  She sees the same texts and choices in her
language everywhere (WhatsApp shows a menu of more than three as a numbered list), and the same
is stored.  SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.db.models import ConsentRecord, ConversationState, OutboxMessage, Person
from tests.auxil.clock import FrozenClock
from tests.auxil.person import CHANNELS, Line, on_channel, onboard

pytestmark = pytest.mark.slow

UK_CONSENT = "✅ Так, я згодна"
#: The main menu in Ukrainian: the features' entries first (groups, jobs, mentoring).
UK_MENU = [
    "👭 Групи",
    "💼 Робота",
    "🤝 Наставниця",
    "🙋 Запитати команду",
    "🌐 Змінити мову",
    "🔒 Мої дані",
    "🔕 Більше не писати",
]


@pytest.fixture(params=CHANNELS)
def line(
    request: pytest.FixtureRequest, database_url: str, tmp_path: Path, clock: FrozenClock
) -> Iterator[Line]:
    """The bot on one channel with its peers; every test here runs on each channel."""
    channel = request.param
    prism_url = request.getfixturevalue("prism").url if channel == "whatsapp" else None
    with on_channel(channel, database_url, tmp_path, clock, prism_url) as on:
        yield on


def test_onboarding_in_ukrainian(line: Line) -> None:
    olena = line.person("Olena", language="uk")
    olena.say("Привіт")
    assert "Українська" in olena.buttons() and len(olena.buttons()) == 10
    olena.press("Українська")
    assert "Ви згодні?" in "\n".join(olena.last_texts())
    assert UK_CONSENT in olena.buttons()
    olena.press(UK_CONSENT)
    assert "Як нам до Вас звертатися?" in olena.last_texts()[-1]
    assert olena.buttons() == []
    olena.say("Олена")
    assert "Олена" in olena.last_texts()[-1] and "Hoya" in olena.buttons()
    olena.press("Hoya")
    olena.press("📚 Курс")
    assert "✅ 📚 Курс" in olena.buttons()
    olena.press("➡️ Готово")
    olena.press("➡️ Готово")
    assert olena.buttons() == ["🔔 Так, будь ласка", "🔕 Ні, дякую"]
    olena.press("🔔 Так, будь ласка")
    assert any("Олена" in text for text in olena.last_texts())
    assert olena.buttons() == UK_MENU

    person = olena.stored()
    assert person["language"] == "uk" and person["town"] == "Hoya"
    assert person["interests"] == ["course"] and person["status"] == "active"
    assert person["display_name"] == "Олена"
    consents = ConsentRecord.__table__
    outbox = OutboxMessage.__table__
    with line.runtime.db.connect() as conn:
        given = conn.execute(
            select(consents.c.purpose, consents.c.channel).where(
                consents.c.person_id == person["id"]
            )
        ).all()
        statuses = conn.execute(
            select(outbox.c.status).where(outbox.c.person_id == person["id"]).distinct()
        ).scalars()
        assert set(statuses) == {"sent"}
    assert set(given) == {("profile", line.channel), ("messages", line.channel)}


def test_a_person_gets_the_same_conversation_back_after_new_messages(line: Line) -> None:
    olena = line.person("Olena", language="uk")
    onboard(olena, language="Українська", name="Олена")
    olena.say("меню")
    assert olena.buttons()
    assert "Олена" not in olena.last_texts()[-1]  # the menu, in Ukrainian
    assert any("🌐" in label for label in olena.buttons())


def test_declining_stores_nothing(line: Line) -> None:
    undecided = line.person("Undecided", language="en")
    undecided.say("/start")
    undecided.press("English")
    undecided.press("❌ No")
    assert "Start" in undecided.last_texts()[0]
    people = Person.__table__
    consents = ConsentRecord.__table__
    with line.runtime.db.connect() as conn:
        participants = select(func.count()).where(people.c.role == "participant")
        assert conn.execute(participants).scalar_one() == 0
        given = select(func.count()).where(consents.c.channel == line.channel)
        assert conn.execute(given).scalar_one() == 0
        states = select(func.count()).select_from(ConversationState.__table__)
        assert conn.execute(states).scalar_one() == 0


def test_stop_withdraws_her_consent_to_messages(line: Line) -> None:
    """ "STOP" (WhatsApp's own word, here in capitals) ends her consent to messages, with its
    time; her consent to the profile stays (withdrawing that is erasure, /delete)."""
    olena = line.person("Olena", language="uk")
    onboard(olena, language="Українська", name="Олена")
    olena.say("STOP")
    assert "Ви більше не отримуватимете від нас повідомлень" in olena.last_texts()[0]
    consents = ConsentRecord.__table__
    with line.runtime.db.connect() as conn:
        records = conn.execute(
            select(consents.c.purpose, consents.c.withdrawn_at).where(
                consents.c.person_id == olena.stored()["id"]
            )
        ).all()
    assert {(r.purpose, r.withdrawn_at is None) for r in records} == {
        ("profile", True),
        ("messages", False),
    }
