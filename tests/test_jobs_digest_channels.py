"""Issue 15, the weekly job digest on the real channels, in two languages each: Leyla (German)
and Olena (Ukrainian) on Telegram, Amina (Arabic) and Mariam (German) on WhatsApp.

The real python-telegram-bot sends to ``telegram-test-api`` (through the fixing proxy), her
taps come in through the webhook; the real ``twilio`` client sends to the Twilio stand-in
(Prism checking every request against Twilio's API description), her answers come in as
signed webhooks.  Amina has not written for a day: her digest goes as the ``job_digest``
template (how many offers, the first in one line) and her typed "1" is "✋ Interessiert";
Mariam wrote this morning: her digest is the card itself with a numbered menu.

The runtime's clock starts on a Monday at 10:00 in Berlin (a good moment for a digest) and
runs in real time, because Telegram's one message a second per chat is waited for in real
time; nothing depends on when the test runs.  ``-s`` prints what each woman saw.
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
    inbox_threads,
    job_notices,
    job_offers,
    job_profiles,
)
from bot.demo import load_demo
from bot.features.jobs.digest_plan import run_plan
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from bot.web.app import create_app
from scheduler.due import fire_due
from tests.auxil.clock import DEFAULT_START, running_from
from tests.auxil.jobs import add_offer
from tests.auxil.people import DEMO, add_person, organisation_id
from tests.auxil.telegram import (
    TOKEN,
    WEBHOOK_SECRET,
    FixingProxy,
    Received,
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

LEYLA_TG, OLENA_TG = 770201, 770202
AMINA_WA, MARIAM_WA = "+4915112345601", "+4915112345602"
JOB_DIGEST = {"de": "HX" + "4" * 32, "ar": "HX" + "5" * 32}
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
    data["templates"]["job_digest"] = {
        lang: {"content_sid": sid, "variables": ["count", "offer"]}
        for lang, sid in JOB_DIGEST.items()
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


def tg_press(client: TestClient, user: TelegramUser, message: Received, label: str) -> None:
    """She taps ``label`` under ``message`` (the callback as Telegram posts it)."""
    (button,) = [b for b in message.buttons if b["text"] == label]
    number = next(_updates)
    update = {
        "update_id": number,
        "callback_query": {
            "id": str(number),
            "from": user.user,
            "chat_instance": str(user.user["id"]),
            "data": button["callback_data"],
            "message": {
                "message_id": message.message_id,
                "date": 1_796_000_000,
                "chat": user.chat,
                "text": message.text,
            },
        },
    }
    user.transcript.append(("she", f"[{label}]"))
    answer = client.post(
        "/webhooks/telegram", json=update, headers={SECRET_HEADER: WEBHOOK_SECRET}
    )
    assert answer.is_success, answer.text


def deliver(runtime: Runtime) -> None:
    while asyncio.run(runtime.dispatcher.dispatch()):
        pass


def seeker(
    runtime: Runtime, org: int, name: str, language: str, channel: tuple[str, str, str]
) -> int:
    """A woman in Hoya who answered the job questions (simple sentences, 20 hours, 25 km)
    and agrees to job offers and messages."""
    now = runtime.clock()
    person = add_person(runtime, org, name, now, language=language, channels=[channel])
    with runtime.db.begin() as conn:
        for purpose in ("profile", "messages", "job_offers"):
            conn.execute(
                insert(consents).values(
                    person_id=person,
                    purpose=purpose,
                    wording_version="test",
                    language=language,
                    channel=channel[0],
                    given_at=now,
                )
            )
        conn.execute(
            insert(job_profiles).values(
                person_id=person,
                answers={"german": "A2", "hours": 20, "travel_km": 25},
                updated_at=now,
            )
        )
    return person


def offers(runtime: Runtime, org: int) -> tuple[int, int]:
    """A kitchen job in Hoya and a bakery job in Eystrup, titled in de, ar and uk."""
    db, now = runtime.db, runtime.clock()
    kitchen = add_offer(db, org, now, title="Küchenhilfe", town="Hoya", hours=12, childcare=True)
    bakery = add_offer(db, org, now, title="Verkauf Bäckerei", town="Eystrup", hours=20)
    titles = {
        kitchen: {"de": "Küchenhilfe", "ar": "مساعدة في المطبخ", "uk": "Помічниця на кухні"},
        bakery: {"de": "Verkauf Bäckerei", "ar": "بائعة في مخبز", "uk": "Продавчиня в пекарні"},
    }
    with db.begin() as conn:
        for offer, title in titles.items():
            conn.execute(
                update(job_offers)
                .where(job_offers.c.id == offer)
                .values(title=title, hours_note={"de": "nur vormittags", "ar": "صباحًا فقط"})
            )
    return kitchen, bakery


def transcript(name: str, lines: list[str]) -> None:
    print(f"\n=== {name} ===")
    for line in lines:
        print(line)


def telegram_lines(user: TelegramUser) -> list[str]:
    """Her Telegram chat: her taps, and each message with its buttons below it."""
    received = iter(user.inbox)
    lines = []
    for who, text in user.transcript:
        if who == "bot":
            message = next(received)
            buttons = "  ".join(f"[{label}]" for label in message.labels)
            text = f"{message.text}\n{buttons}" if buttons else message.text
        lines.append(f"{who}: " + text.replace("\n", "\n     "))
    return lines


def test_a_digest_on_telegram_and_whatsapp_in_two_languages_each(
    both: Runtime, twilio_stand_in: TwilioStandIn, telegram: tuple[StandIn, FixingProxy]
) -> None:
    runtime = both
    org = organisation_id(runtime, DEMO)
    leyla = seeker(runtime, org, "Leyla", "de", ("telegram", str(LEYLA_TG), "ok"))
    olena = seeker(runtime, org, "Olena", "uk", ("telegram", str(OLENA_TG), "ok"))
    amina = seeker(runtime, org, "Amina", "ar", ("whatsapp", f"whatsapp:{AMINA_WA}", "ok"))
    mariam = seeker(runtime, org, "Mariam", "de", ("whatsapp", f"whatsapp:{MARIAM_WA}", "ok"))
    with runtime.db.begin() as conn:  # Mariam wrote an hour ago; Amina a day ago
        for person, hours in ((mariam, 1), (amina, 25)):
            conn.execute(
                update(identities)
                .where(identities.c.person_id == person)
                .values(last_inbound_at=runtime.clock() - timedelta(hours=hours))
            )
    kitchen, bakery = offers(runtime, org)
    with runtime.db.begin() as conn:
        assert run_plan(conn, runtime.clock())["digests"] == 4
    fire_due(runtime.db, runtime.turns, runtime.clock)

    leyla_tg = TelegramUser(telegram[0], LEYLA_TG, "Leyla", "de")
    olena_tg = TelegramUser(telegram[0], OLENA_TG, "Olena", "uk")
    with TestClient(create_app(runtime, background=False)) as client:
        amina_wa = WhatsAppPhone(client, runtime, twilio_stand_in, AMINA_WA)
        mariam_wa = WhatsAppPhone(client, runtime, twilio_stand_in, MARIAM_WA)
        deliver(runtime)

        # Telegram, German: the card with its four buttons.
        (card,) = leyla_tg.receive(1)
        assert card.text.splitlines()[:4] == [
            "💼 Job-Angebote für Sie",
            "Angebot 1 von 2:",
            "Küchenhilfe",
            "📍 Hoya (in Ihrem Ort)",
        ]
        assert "👶 Gut mit Kindern: nur vormittags" in card.text
        assert card.labels == [
            "✋ Interessiert",
            "🙅 Nicht für mich",
            "➕ Mehr davon",
            "🔕 Keine Job-Angebote",
        ]
        tg_press(client, leyla_tg, card, "🙅 Nicht für mich")
        deliver(runtime)
        thanks, second = leyla_tg.receive(2)
        assert thanks.text.startswith("👌 In Ordnung.")
        assert (
            "Angebot 2 von 2:" in second.text and "📍 Eystrup (etwa 6 km von Ihnen)" in second.text
        )

        # Telegram, Ukrainian: her title, her words.
        (card_uk,) = olena_tg.receive(1)
        assert "Помічниця на кухні" in card_uk.text
        assert card_uk.labels[0] == "✋ Цікаво"

        # WhatsApp, outside the window: the Marketing template with the count and one line.
        (template,) = amina_wa.deliver()
        assert template.form["ContentSid"] == JOB_DIGEST["ar"]
        variables = json.loads(template.form["ContentVariables"])
        assert variables == {"1": "2", "2": "مساعدة في المطبخ في Hoya"}
        shown = amina_wa.send("1")  # "1 = مهتمة" in the template: ✋ interested
        assert "فريق" in shown[0].form["Body"]  # the team will write to her
        assert "بائعة في مخبز" in amina_wa.text()  # then the next card, now a session message

        # WhatsApp, inside the window: the card itself with a numbered menu.
        (card_wa,) = mariam_wa.deliver()
        body = card_wa.form["Body"]
        assert body.startswith("💼 Job-Angebote für Sie\nAngebot 1 von 2:\nKüchenhilfe")
        assert "1️⃣ ✋ Interessiert" in body and "4️⃣ 🔕 Keine Job-Angebote" in body
        mariam_wa.send("3")  # ➕ more like this

    with runtime.db.connect() as conn:
        told = {
            (r.person_id, r.offer_id): r.status
            for r in conn.execute(
                select(job_notices.c.person_id, job_notices.c.offer_id, job_notices.c.status)
            )
        }
        threads = [
            r.person_id
            for r in conn.execute(
                select(inbox_threads.c.person_id).where(inbox_threads.c.reason == "interested")
            )
        ]
    assert told == {
        (leyla, kitchen): "not_for_me",
        (leyla, bakery): "sent",
        (olena, kitchen): "sent",
        (amina, kitchen): "interested",
        (amina, bakery): "sent",
        (mariam, kitchen): "more_like_this",
        (mariam, bakery): "sent",
    }
    assert threads == [amina]
    transcript("Leyla, Telegram, de", telegram_lines(leyla_tg))
    transcript("Olena, Telegram, uk", telegram_lines(olena_tg))
    transcript("Amina, WhatsApp, ar", amina_wa.transcript)
    transcript("Mariam, WhatsApp, de", mariam_wa.transcript)
