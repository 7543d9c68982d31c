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
from sqlalchemy import select

from bot.db.models import ConsentRecord, OutboxMessage
from tests.auxil.clock import FrozenClock
from tests.auxil.person import CHANNELS, on_channel
from tests.auxil.twilio import Prism

UK_CONSENT = "✅ Так, я згодна"
UK_MENU = ["🙋 Запитати команду", "🌐 Змінити мову", "🔒 Мої дані", "🔕 Більше не писати"]


@pytest.fixture(scope="module")
def prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prism]:
    with Prism(tmp_path_factory.mktemp("prism")) as server:
        yield server


@pytest.mark.slow
@pytest.mark.parametrize("channel", CHANNELS)
def test_onboarding_in_ukrainian_on_every_channel(
    channel: str,
    database_url: str,
    tmp_path: Path,
    clock: FrozenClock,
    request: pytest.FixtureRequest,
) -> None:
    prism_url = request.getfixturevalue("prism").url if channel == "whatsapp" else None
    with on_channel(channel, database_url, tmp_path, clock, prism_url) as line:
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
        assert set(given) == {("profile", channel), ("messages", channel)}
