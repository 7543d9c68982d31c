"""One broadcast to a few hundred people over all three channels at once:

* the simulator (150 people);
* Telegram through the real python-telegram-bot ``Bot`` against a local Bot API stand-in that
  answers 429 beyond 30 messages a second or one a second per chat (100 people and a group);
* WhatsApp through the real ``twilio`` client against Prism with Twilio's OpenAPI description
  (60 people: inside the 24-hour window a session message, outside it the ``broadcast``
  template of her language, and "needs template" where there is none — unless she is on
  Telegram too: then she gets it there); delivery and read
  receipts come back as signed status callbacks to the bot's own web app.

Four languages (de, ar, uk, fa) with no Persian text: Persian speakers get the German one.
The clock is real (the Telegram limits are measured in real time); nothing sleeps for time,
the loops drain the outbox.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, insert, select
from starlette.testclient import TestClient

from bot.db.migrate import upgrade
from bot.db.models import OutboxMessage, TelegramGroup
from bot.demo import load_demo
from bot.features.broadcasts.cli import print_status
from bot.features.broadcasts.compose import Draft
from bot.features.broadcasts.service import BroadcastService
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from bot.web.app import create_app
from tests.auxil.clock import wall_now
from tests.auxil.crowd import Member, add_people
from tests.auxil.limiting_bot_api import LimitingStandIn, max_in_window
from tests.auxil.telegram import TOKEN
from tests.auxil.twilio import Prism, TwilioStandIn
from tests.auxil.whatsapp import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_URL,
    SECRET,
    SENDER,
    status_callback,
)

pytestmark = pytest.mark.slow

outbox = OutboxMessage.__table__
ORG = "VNB – Pilot Landkreis Nienburg"
TEXTS = {
    "de": "📢 Hallo {name}! Am Freitag ist das Büro in Hoya geschlossen.",
    "ar": "📢 مرحبا {name}!\nالمكتب في هويا مغلق يوم الجمعة.",
    "uk": "📢 Привіт, {name}! У п'ятницю офіс у Хої зачинено.",
    "en": "📢 Hello {name}! The office in Hoya is closed on Friday.",
}
#: The broadcast template exists in Arabic and English only: German and Ukrainian speakers
#: outside the 24-hour window are "needs template".
BROADCAST_TEMPLATES = {"ar": "HX" + "a6" * 16, "en": "HX" + "e6" * 16}
GROUP = "-1001234567890"


@pytest.fixture
def twilio(prism: Prism) -> Iterator[TwilioStandIn]:
    with TwilioStandIn(prism.url) as server:
        yield server


@pytest.fixture
def telegram() -> Iterator[LimitingStandIn]:
    with LimitingStandIn() as server:
        yield server


@pytest.fixture
def live(
    sqlite_url: str, tmp_path: Path, telegram: LimitingStandIn, twilio: TwilioStandIn
) -> Iterator[Runtime]:
    templates = tmp_path / "templates.yaml"
    templates.write_text(
        yaml.safe_dump(
            {
                "templates": {
                    "broadcast": {
                        lang: {"content_sid": sid, "variables": ["org", "text"]}
                        for lang, sid in BROADCAST_TEMPLATES.items()
                    }
                }
            }
        ),
        encoding="utf-8",
    )
    settings = Settings(
        database_url=sqlite_url,
        environment="development",  # the simulator is one of the three channels
        secret_key=SECRET,
        telegram_token=TOKEN,
        telegram_api_url=telegram.url,
        telegram_mode="polling",  # a public URL is set for Twilio; Telegram is not polled here
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_whatsapp_from=SENDER,
        public_url=PUBLIC_URL,
        twilio_api_url=twilio.url,
        twilio_templates=templates,
    )
    upgrade(sqlite_url)
    runtime = build_runtime(settings, clock=wall_now)  # real time, or TWC_TEST_NOW's
    load_demo(runtime.db, SECRET, wall_now())
    yield runtime
    runtime.close()


def people() -> list[Member]:
    now = wall_now()
    inside, outside = now - timedelta(hours=2), now - timedelta(days=3)
    languages = ("de", "ar", "uk", "fa")
    members = []
    for n in range(150):
        members.append(Member(f"sim-{n}", languages[n % 4], name=f"Sim{n}"))
    for n in range(100):
        members.append(
            Member(str(880000 + n), languages[n % 4], name=f"Tg{n}", channel="telegram")
        )
    for n in range(60):
        members.append(
            Member(
                f"whatsapp:+4915100000{n:03d}",
                languages[n % 4],
                name=f"Wa{n}",
                channel="whatsapp",
                last_inbound_at=outside if (n // 4) % 2 == 0 else inside,
            )
        )
    # Outside the window with no German template, but on Telegram too: she gets it there.
    members.append(
        Member(
            "whatsapp:+4915100000999",
            "de",
            name="Both",
            channel="whatsapp",
            last_inbound_at=outside,
            also=(("telegram", "889999"),),
        )
    )
    members += [
        Member("sim-stopped", "de", name="S", status="opted_out"),
        Member("sim-new", "ar", name="N", status="new", consent=False),
        Member("770099", "uk", name="B", channel="telegram", identity_status="unreachable"),
    ]
    return members


async def drain(runtime: Runtime) -> None:
    assert runtime.telegram is not None
    assert await runtime.telegram.ensure_ready()
    deadline = time.monotonic() + 60.0
    while time.monotonic() < deadline:
        handled = await runtime.dispatcher.dispatch()
        with runtime.db.connect() as conn:
            left = conn.execute(
                select(func.count()).where(outbox.c.status.in_(("pending", "claimed", "sending")))
            ).scalar_one()
        if not left:
            break
        if not handled:
            await asyncio.sleep(0.05)  # a retry after a 429 is due later
    await runtime.telegram.stop()


def test_one_broadcast_over_simulator_telegram_and_whatsapp(
    live: Runtime, telegram: LimitingStandIn, twilio: TwilioStandIn
) -> None:
    ids = add_people(live.db, SECRET, people(), wall_now())
    with live.db.begin() as conn:
        conn.execute(
            insert(TelegramGroup.__table__).values(
                chat_id=GROUP, title="Frauentreff Hoya", organisation_id=1, added_at=wall_now()
            )
        )
    assert live.whatsapp is not None
    service = BroadcastService(
        live.db, live.flow_engine.catalogs, live.clock, "koordination", live.reach_rules()
    )
    audience = {"all": True, "towns": ["Hoya"], "telegram_groups": [GROUP]}  # overlapping
    created = service.create(Draft(TEXTS, audience, title="Büro geschlossen"), "vnb-nienburg")
    assert set(created["missing"]) == {"fa", "tr"}  # Persian speakers and the Turkish mentor
    preview = service.preview(created["id"])
    assert preview["recipients"] == 313  # 311 participants and 2 demo mentors, each once
    assert preview["groups"] == [GROUP]
    assert preview["needs_template"] == 24  # known before sending
    # All at once, urgent: the test must not depend on the hour it runs at.
    assert service.send(created["id"], urgent=True)["enqueued"] == 314

    # Telegram says "too many requests" once in the middle (as it may for its own reasons).
    telegram.force.append(
        (
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 1",
                "parameters": {"retry_after": 1},
            },
        )
    )
    # One number turns out not to be on WhatsApp (Twilio error 63024).
    twilio.fail_next("whatsapp:+4915100000005", 400, 63024, "Invalid message recipient")
    started = time.monotonic()
    asyncio.run(drain(live))
    elapsed = time.monotonic() - started

    # Telegram: each chat exactly one message, in her language; the one forced 429 was
    # retried after retry_after, and the limits themselves were never exceeded.
    assert len(telegram.refused) == 1 and telegram.refused[0][2].startswith("429:")
    by_chat = Counter(chat for _, chat, _ in telegram.accepted)
    assert len(by_chat) == 102 and set(by_chat.values()) == {1}  # 101 women and the group
    texts = {chat: text for _, chat, text in telegram.accepted}
    assert texts["880001"] == "📢 مرحبا Tg1!\nالمكتب في هويا مغلق يوم الجمعة."
    assert texts["880003"].startswith("📢 Hallo Tg3!")  # Persian speaker: the German text
    assert texts["889999"].startswith("📢 Hallo Both!")  # not held on WhatsApp
    assert (
        texts[GROUP] == "📢 Hallo liebe Teilnehmerin! Am Freitag ist das Büro in Hoya geschlossen."
    )
    rate = len(telegram.accepted) / elapsed
    print(
        f"\nTelegram: {len(telegram.accepted)} messages, peak "
        f"{max_in_window([t for t, _, _ in telegram.accepted], 1.0)}/s, {rate:.1f}/s average"
    )

    # WhatsApp: sessions inside the window, the Arabic template outside, else needs template.
    sent = {s.to: s for s in twilio.sent if s.status == 201}
    # n % 4 is her language (de, ar, uk, fa); blocks of four alternate outside / inside.
    arabic_outside = sent["whatsapp:+4915100000001"]
    assert arabic_outside.form["ContentSid"] == BROADCAST_TEMPLATES["ar"]
    assert arabic_outside.variables == {
        "1": ORG,
        "2": "📢 مرحبا Wa1! المكتب في هويا مغلق يوم الجمعة.",  # one line: WhatsApp's rule
    }
    german_inside = sent["whatsapp:+4915100000004"]
    assert german_inside.form["Body"].startswith("📢 Hallo Wa4!")
    assert "whatsapp:+4915100000000" not in sent  # German, outside, no German template
    assert "whatsapp:+4915100000999" not in sent  # reached on Telegram instead
    with live.db.connect() as conn:
        held = conn.execute(
            select(func.count()).where(outbox.c.status == "needs_template")
        ).scalar_one()
    assert held == 24  # de, uk and fa (on the German text) outside the window: 3 × 8

    # Status callbacks: WhatsApp says delivered, and read for some.
    with TestClient(create_app(live, background=False)) as client:
        for number, message in sent.items():
            assert status_callback(client, message.sid, "delivered").status_code == 200
            if number.endswith(("1", "3")):
                assert status_callback(client, message.sid, "read").status_code == 200

    # Simulator: each person one message in her language.
    for n in (0, 1, 2, 3):
        got = [m["text"] for m in live.screen.transcript(f"sim-{n}") if m["direction"] == "out"]
        assert len(got) == 1
        assert got[0] == TEXTS[("de", "ar", "uk", "de")[n]].replace("{name}", f"Sim{n}")
    assert [m for m in live.screen.transcript("sim-stopped")] == []

    service.tick()
    report = service.status(created["id"])
    print_status(report)
    assert report["status"] == "sent"
    totals = report["totals"]
    assert totals["queued"] == 0 and totals["in_doubt"] == 0
    assert totals["needs_template"] == 24
    assert totals["failed"] == 1
    assert [r for r in report["failures"] if r.startswith("63024")], report["failures"]
    assert totals["sent"] + totals["delivered"] + totals["read"] == 314 - 24 - 1
    assert totals["read"] > 0 and totals["delivered"] > 0
    assert report["excluded"] == {"opted_out": 1, "no_consent": 1, "unreachable": 1}
    assert ids  # every person was created
