"""A relayed exchange across channels: the mentor on Telegram, the woman she accompanies on
WhatsApp, neither learning the other's number.

The real python-telegram-bot sends to ``telegram-test-api`` (through the fixing proxy) and her
updates come in through the webhook; the real ``twilio`` client sends to the Twilio stand-in
(Prism checking every request) and her messages come in as signed webhooks.  Outside
WhatsApp's 24-hour window the introduction goes as the ``introduction`` template and a
relayed message as ``mentor_message``.  The runtime's clock starts on a Monday at 10:00 in
Berlin and runs in real time (Telegram's limits are real time): the questions are never held
for the quiet hours, whenever the test runs.  Being outside the window is her last message
moved back a day.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import insert, select, update
from starlette.testclient import TestClient

from bot.channels.telegram.webhook import SECRET_HEADER
from bot.db.migrate import upgrade
from bot.db.tables import (
    consents,
    identities,
    mentor_matches,
    outbox,
)
from bot.demo import load_demo
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from bot.web.app import create_app
from scheduler.due import fire_due
from tests.auxil.clock import DEFAULT_START, running_from
from tests.auxil.mentoring_intro import introduce
from tests.auxil.people import DEMO, add_person, organisation_id
from tests.auxil.telegram import (
    TOKEN,
    WEBHOOK_SECRET,
    FixingProxy,
    StandIn,
    TelegramUser,
    require_stand_in,
)
from tests.auxil.twilio import TwilioStandIn
from tests.auxil.whatsapp import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_URL,
    SECRET,
    SENDER,
    WhatsAppPhone,
    write_templates,
)

pytestmark = pytest.mark.slow

MARTA_TG = 770101
AMINA_WA = "+4915112345677"
INTRODUCTION = {"de": "HX" + "8" * 32, "ar": "HX" + "9" * 32}
MENTOR_MESSAGE = {"de": "HX" + "6" * 32, "ar": "HX" + "7" * 32}
_updates = itertools.count(1)


@pytest.fixture
def telegram(tmp_path: Path) -> Iterator[tuple[StandIn, FixingProxy]]:
    require_stand_in()
    with StandIn(tmp_path) as stand_in, FixingProxy(stand_in.url) as proxy:
        yield stand_in, proxy


@pytest.fixture
def both(
    sqlite_url: str,
    tmp_path: Path,
    twilio_stand_in: TwilioStandIn,
    telegram: tuple[StandIn, FixingProxy],
) -> Iterator[Runtime]:
    templates = write_templates(tmp_path / "whatsapp_templates.yaml")
    data = yaml.safe_load(templates.read_text(encoding="utf-8"))
    data["templates"]["introduction"] = {
        lang: {"content_sid": sid, "variables": ["name", "town", "languages", "topics"]}
        for lang, sid in INTRODUCTION.items()
    }
    data["templates"]["mentor_message"] = {
        lang: {"content_sid": sid, "variables": ["name", "text"]}
        for lang, sid in MENTOR_MESSAGE.items()
    }
    templates.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    settings = Settings(
        database_url=sqlite_url,
        environment="test",
        secret_key=SECRET,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_whatsapp_from=SENDER,
        public_url=PUBLIC_URL,
        twilio_api_url=twilio_stand_in.url,
        twilio_templates=templates,
        telegram_token=TOKEN,
        telegram_api_url=telegram[1].api_url,
        telegram_mode="webhook",
        telegram_webhook_secret=WEBHOOK_SECRET,
    )
    upgrade(sqlite_url)
    runtime = build_runtime(settings, clock=running_from(DEFAULT_START))
    load_demo(runtime.db, SECRET, runtime.clock())
    yield runtime
    runtime.close()


def tg_text(client: TestClient, text: str) -> None:
    """Marta writes on Telegram (the update as Telegram posts it to the webhook)."""
    number = next(_updates)
    update = {
        "update_id": number,
        "message": {
            "message_id": number,
            "date": 1_796_000_000,
            "chat": {"id": MARTA_TG, "type": "private", "first_name": "Marta"},
            "from": {"id": MARTA_TG, "is_bot": False, "first_name": "Marta"},
            "text": text,
        },
    }
    answer = client.post(
        "/webhooks/telegram", json=update, headers={SECRET_HEADER: WEBHOOK_SECRET}
    )
    assert answer.is_success, answer.text


def deliver(runtime: Runtime) -> None:
    """Send what is due (Telegram's one message a second per chat is waited for in real
    time: this runtime runs on the wall clock, like ``live_telegram_runtime``)."""
    while asyncio.run(runtime.dispatcher.dispatch()):
        pass


def silent_for_a_day(runtime: Runtime, person: int) -> None:
    """Her last message was 25 hours ago: outside WhatsApp's 24-hour window."""
    with runtime.db.begin() as conn:
        conn.execute(
            update(identities)
            .where(identities.c.person_id == person)
            .values(last_inbound_at=runtime.clock() - timedelta(hours=25))
        )


def consented(runtime: Runtime, person: int, channel: str) -> None:
    with runtime.db.begin() as conn:
        for purpose in ("profile", "messages"):
            conn.execute(
                insert(consents).values(
                    person_id=person,
                    purpose=purpose,
                    wording_version="test",
                    language="de",
                    channel=channel,
                    given_at=runtime.clock(),
                )
            )


def test_relayed_between_telegram_and_whatsapp(
    both: Runtime,
    twilio_stand_in: TwilioStandIn,
    telegram: tuple[StandIn, FixingProxy],
) -> None:
    runtime = both
    clock = runtime.clock
    now = clock()
    org = organisation_id(runtime, DEMO)
    marta_id = add_person(
        runtime,
        org,
        "Marta Schulz",
        now,
        town="Nienburg",
        channels=[("telegram", str(MARTA_TG), "ok")],
    )
    amina_id = add_person(
        runtime,
        org,
        "Amina",
        now,
        language="ar",
        channels=[("whatsapp", f"whatsapp:{AMINA_WA}", "ok")],
    )
    consented(runtime, marta_id, "telegram")
    consented(runtime, amina_id, "whatsapp")
    with runtime.db.begin() as conn:
        match_id = introduce(
            conn,
            org,
            marta_id,
            amina_id,
            now,
            mentor_languages=["de", "ar"],
            mentor_topics=["work"],
            wished_topics=["work"],
            wished_language="ar",
            capacity=1,
            proposed_by="auto",
        )
    marta = TelegramUser(telegram[0], MARTA_TG, "Marta", "de")
    with TestClient(create_app(runtime, background=False)) as client:
        amina = WhatsAppPhone(client, runtime, twilio_stand_in, AMINA_WA)
        fire_due(runtime.db, runtime.turns, clock)
        deliver(runtime)
        (ask,) = marta.receive(1)
        assert "Vorname: Amina" in ask.text and "Arabisch" in ask.text
        tg_text(client, "Ja")
        deliver(runtime)
        assert "Jetzt fragen wir Amina" in marta.receive(1)[0].text
        fire_due(runtime.db, runtime.turns, clock)
        # She has never written: outside the window the introduction is her template.
        (introduction,) = amina.deliver()
        assert introduction.form["ContentSid"] == INTRODUCTION["ar"]
        variables = json.loads(introduction.form["ContentVariables"])
        assert variables["1"] == "Marta" and variables["2"] == "Nienburg"
        assert "Schulz" not in json.dumps(variables)
        amina.send("نعم")  # "yes", typed: matches the button "✅ نعم"
        fire_due(runtime.db, runtime.turns, clock)
        deliver(runtime)
        assert "Amina" in marta.receive(1)[0].text
        assert "مريم" not in amina.text()
        amina.send("1")  # 💬 through the bot
        tg_text(client, "💬 Über den Bot")
        deliver(runtime)
        marta.receive(1)
        amina.send("مرحبا مارتا")
        fire_due(runtime.db, runtime.turns, clock)
        deliver(runtime)
        (relayed,) = marta.receive(1)
        assert relayed.text == "💬 Amina: مرحبا مارتا"
        assert [b["text"] for b in relayed.buttons] == ["🔚 Beenden", "⚠️ Problem", "🏠 Menü"]
        tg_text(client, "Hallo Amina! Dienstag?")
        fire_due(runtime.db, runtime.turns, clock)
        [back] = amina.deliver()
        assert "Body" in back.form or "1" in back.variables  # inside her window: a session message
        shown = back.form.get("Body") or back.variables["1"]
        assert shown == "💬 Marta: Hallo Amina! Dienstag?"
        # A day later she has not written: the relayed message goes as the template.
        silent_for_a_day(runtime, amina_id)
        tg_text(client, "Wie geht es Ihnen?")
        fire_due(runtime.db, runtime.turns, clock)
        [later] = amina.deliver()
        assert later.form["ContentSid"] == MENTOR_MESSAGE["ar"]
        assert json.loads(later.form["ContentVariables"]) == {
            "1": "Marta",
            "2": "Wie geht es Ihnen?",
        }
    # Neither woman's number or chat reached the other; no text is kept outside the outbox.
    with runtime.db.connect() as conn:
        payloads = [str(p) for p in conn.execute(select(outbox.c.payload)).scalars()]
        row = conn.execute(select(mentor_matches).where(mentor_matches.c.id == match_id)).one()
    assert not any(AMINA_WA in p or str(MARTA_TG) in p for p in payloads)
    assert row.status == "active" and row.last_contact_at is not None
