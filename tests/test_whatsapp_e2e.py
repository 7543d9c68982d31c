"""WhatsApp end to end: signed webhooks in, the real ``twilio`` client out, Prism checking it all.

The bot's Twilio client is pointed (``TWC_TWILIO_API_URL``, a custom ``TwilioHttpClient``) at
:class:`~tests.auxil.twilio.TwilioStandIn`, which records each request and forwards it to Prism
serving Twilio's own OpenAPI description: a request that does not fit Twilio's API fails.  The
stand-in also answers what Prism cannot (21610, 63016, 429), and status callbacks are posted
signed, like Twilio's.  Time is a frozen clock.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, update
from starlette.testclient import TestClient

from bot.db.models import ChannelIdentity, ConsentRecord, OutboxMessage, Person
from bot.runtime import Runtime
from tests.auxil.clock import FrozenClock
from tests.auxil.processes import bot_environment, describe, run_twc
from tests.auxil.twilio import TwilioStandIn
from tests.auxil.whatsapp import (
    QUICK_2,
    QUICK_3,
    REMINDER,
    WhatsAppPhone,
    status_callback,
)

pytestmark = pytest.mark.slow

outbox = OutboxMessage.__table__
identities = ChannelIdentity.__table__
people = Person.__table__
consents = ConsentRecord.__table__

WA = identities.c.channel == "whatsapp"
WA_PERSON = people.c.id.in_(select(identities.c.person_id).where(WA))

AMINA = "+4915112345601"
OLGA = "+4915112345602"


def phone(
    client: TestClient, runtime: Runtime, twilio_stand_in: TwilioStandIn, number: str
) -> Any:
    return WhatsAppPhone(client, runtime, twilio_stand_in, number)


def onboard_in_arabic(amina: WhatsAppPhone) -> None:
    """Arabic onboarding with a numbered menu, digits of every kind and quick replies."""
    first = amina.send("مرحبا")
    assert len(first) == 1 and "Body" in first[0].form  # 10 languages: a numbered text menu
    body = first[0].form["Body"]
    assert "1️⃣ Deutsch" in body and "3️⃣ العربية" in body and "1️⃣0️⃣ Ελληνικά" in body
    consent = amina.send("٣")  # Arabic-Indic three
    assert consent[0].form["ContentSid"] == QUICK_3  # three answers: quick-reply buttons
    assert [consent[0].variables[k] for k in ("2", "4", "6")] == [
        "✅ نعم، أوافق",
        "❌ لا",
        "📄 تفاصيل أكثر",
    ]
    details = amina.press("📄 تفاصيل أكثر")
    assert details[0].form["ContentSid"] == QUICK_2
    assert "حماية البيانات" in details[0].variables["1"]
    amina.press("✅ نعم، أوافق")
    assert "اسم" in amina.text()
    amina.send("أمينة")
    assert "2️⃣ Hoya" in amina.text()  # nine towns: numbered
    amina.send("2️⃣")  # keycap emoji
    assert "1️⃣ 📚 دورة" in amina.text()
    amina.send("1")
    assert "1️⃣ ✅ 📚 دورة" in amina.text()
    amina.send(" عمل ")  # an option's own words work as well as its number
    assert "3️⃣ ✅ 💼 عمل" in amina.text()
    amina.send("5")  # done
    assert amina.last[0].form["ContentSid"] == QUICK_3  # childcare, transport, done
    amina.press("👶 رعاية الأطفال")
    amina.press("➡️ تم")
    amina.press("🔔 نعم، من فضلك")  # messages: a question of its own
    assert "أمينة" in amina.text() and "🏠" in amina.text()


def test_arabic_onboarding_through_numbered_menus_and_quick_replies(
    wa_client: TestClient,
    wa_runtime: Runtime,
    twilio_stand_in: TwilioStandIn,
    request: pytest.FixtureRequest,
) -> None:
    amina = phone(wa_client, wa_runtime, twilio_stand_in, AMINA)
    onboard_in_arabic(amina)
    with wa_runtime.db.connect() as conn:
        person = conn.execute(select(people).where(WA_PERSON)).mappings().one()
        assert person["language"] == "ar" and person["town"] == "Hoya"
        assert person["interests"] == ["course", "jobs"] and person["status"] == "active"
        rows = conn.execute(
            select(outbox.c.status, outbox.c.external_id).where(outbox.c.channel == "whatsapp")
        ).all()
    assert rows and all(status == "sent" and sid for status, sid in rows)
    # Every request went to Twilio's Messages resource with our sender and a status callback.
    for sent in twilio_stand_in.sent:
        assert sent.status == 201, (sent.form, sent.answer)
        assert sent.path.endswith("/Messages.json")
        assert sent.form["From"] == "whatsapp:+4950219990000"
        assert sent.form["StatusCallback"] == "https://bot.example.org/webhooks/twilio/status"
    # The conversation as her phone shows it (--update-golden rewrites it).
    golden = Path(__file__).parent / "golden" / "whatsapp_onboarding_ar.txt"
    text = "\n".join(amina.transcript) + "\n"
    if request.config.getoption("--update-golden") or not golden.exists():
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_stop_in_russian_opts_out_at_once_and_nothing_more_is_sent(
    wa_client: TestClient, wa_runtime: Runtime, twilio_stand_in: TwilioStandIn, clock: FrozenClock
) -> None:
    olga = phone(wa_client, wa_runtime, twilio_stand_in, OLGA)
    olga.send("привет")
    olga.send("5")  # Русский
    olga.press(olga.last[0].variables["2"])  # agree
    olga.send("Ольга")
    olga.send("1")
    confirmation = olga.send("стоп")
    assert len(confirmation) == 1
    assert "сообщ" in confirmation[0].form.get("Body", "").lower()  # confirmed in Russian
    with wa_runtime.db.connect() as conn:
        assert conn.execute(select(people.c.status).where(WA_PERSON)).scalar_one() == "opted_out"
    sent_before = len(twilio_stand_in.to(olga.address))
    queue(wa_runtime, clock, "course_reminder", {"text": "Morgen ist Kurs."}, key="after-stop")
    assert olga.deliver() == []
    assert len(twilio_stand_in.to(olga.address)) == sent_before
    with wa_runtime.db.connect() as conn:
        status = conn.execute(
            select(outbox.c.status).where(outbox.c.idempotency_key == "after-stop")
        ).scalar_one()
    assert status == "skipped"
    back = olga.send("старт")
    assert back and "👋" in back[0].form.get("Body", back[0].variables.get("1", ""))
    # Messages come back only with her yes, asked again (recorded as a new consent).
    assert "🔔" in olga.text() and "🔔 Да, пожалуйста" in olga.text()


def queue(
    runtime: Runtime, clock: FrozenClock, kind: str, payload: dict[str, Any], key: str
) -> int:
    """A message the bot starts (reminder, broadcast) for the only person, as the outbox row."""
    with runtime.db.begin() as conn:
        person_id, identity_id = conn.execute(
            select(identities.c.person_id, identities.c.id).where(
                identities.c.channel == "whatsapp"
            )
        ).one()
        language = conn.execute(select(people.c.language).where(WA_PERSON)).scalar_one()
        return conn.execute(
            insert(outbox).returning(outbox.c.id),
            {
                "idempotency_key": key,
                "person_id": person_id,
                "identity_id": identity_id,
                "channel": "whatsapp",
                "kind": kind,
                "priority": 5,
                "payload": {"choices": [], "language": language, "rtl": False, **payload},
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": clock(),
                "created_at": clock(),
            },
        ).scalar_one()


def outbox_row(runtime: Runtime, row_id: int) -> dict[str, Any]:
    with runtime.db.connect() as conn:
        return dict(conn.execute(select(outbox).where(outbox.c.id == row_id)).mappings().one())


REMINDER_VALUES = {
    "name": "أمينة",
    "course": "Deutsch im Alltag",
    "date": "٣ ديسمبر",
    "time": "10:00",
    "place": "VHS Nienburg",
}


def test_reminder_inside_the_window_is_free_text_and_outside_is_her_template(
    wa_client: TestClient, wa_runtime: Runtime, twilio_stand_in: TwilioStandIn, clock: FrozenClock
) -> None:
    amina = phone(wa_client, wa_runtime, twilio_stand_in, AMINA)
    onboard_in_arabic(amina)
    inside = queue(
        wa_runtime,
        clock,
        "course_reminder",
        {"text": "⏰ تذكير: الدورة غدًا", "values": REMINDER_VALUES},
        key="r-inside",
    )
    assert amina.deliver()[0].form["Body"] == "⏰ تذكير: الدورة غدًا"
    assert outbox_row(wa_runtime, inside)["status"] == "sent"
    clock.advance(hours=24, minutes=1)  # her last message is now more than 24 hours ago
    outside = queue(
        wa_runtime,
        clock,
        "course_reminder",
        {"text": "⏰ تذكير: الدورة غدًا", "values": REMINDER_VALUES},
        key="r-outside",
    )
    [template] = amina.deliver()
    assert "Body" not in template.form
    assert template.form["ContentSid"] == REMINDER["ar"]
    assert json.loads(template.form["ContentVariables"]) == {
        "1": "أمينة",
        "2": "Deutsch im Alltag",
        "3": "٣ ديسمبر",
        "4": "10:00",
        "5": "VHS Nienburg",
    }
    assert outbox_row(wa_runtime, outside)["status"] == "sent"
    # A language without its own template falls back to the organisation's (German) one.
    with wa_runtime.db.begin() as conn:
        conn.execute(update(people).where(WA_PERSON).values(language="tr"))
    queue(wa_runtime, clock, "course_reminder", {"text": "x", "values": REMINDER_VALUES}, "r-tr")
    [fallback] = amina.deliver()
    assert fallback.form["ContentSid"] == REMINDER["de"]


def test_a_kind_without_any_template_is_held_as_needs_template(
    wa_client: TestClient, wa_runtime: Runtime, twilio_stand_in: TwilioStandIn, clock: FrozenClock
) -> None:
    amina = phone(wa_client, wa_runtime, twilio_stand_in, AMINA)
    onboard_in_arabic(amina)
    clock.advance(hours=30)
    sent_before = len(twilio_stand_in.sent)
    held = queue(wa_runtime, clock, "broadcast", {"text": "📣 Neues Treffen"}, key="b-1")
    assert amina.deliver() == []
    assert len(twilio_stand_in.sent) == sent_before  # nothing went to Twilio
    row = outbox_row(wa_runtime, held)
    assert row["status"] == "needs_template"
    assert "broadcast" in row["error"] and "ar" in row["error"]
    # Coordinators see it.
    database = Path(wa_runtime.settings.database_url.removeprefix("sqlite:///"))
    listed = run_twc(
        ["outbox", "list", "--status", "needs_template", "--json"],
        # the runtime's own secret: the payload (its language) is encrypted with it
        bot_environment(database, secret_key=wa_runtime.settings.secret_key),
    )
    assert listed.returncode == 0, describe(listed)
    [entry] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert entry["id"] == held and entry["kind"] == "broadcast" and entry["language"] == "ar"
    assert entry["status"] == "needs_template" and "+49" not in listed.stdout


def test_twilio_63016_from_a_status_callback_means_needs_template(
    wa_client: TestClient, wa_runtime: Runtime, twilio_stand_in: TwilioStandIn, clock: FrozenClock
) -> None:
    amina = phone(wa_client, wa_runtime, twilio_stand_in, AMINA)
    amina.send("مرحبا")
    row_id = queue(wa_runtime, clock, "nudge", {"text": "👋"}, key="n-1")
    [sent] = amina.deliver()
    assert status_callback(wa_client, sent.sid or "", "failed", 63016).status_code == 200
    row = outbox_row(wa_runtime, row_id)
    assert row["status"] == "needs_template" and row["error_code"] == 63016


def test_twilio_21610_marks_her_opted_out_on_whatsapp_and_stops_sending(
    wa_client: TestClient, wa_runtime: Runtime, twilio_stand_in: TwilioStandIn, clock: FrozenClock
) -> None:
    amina = phone(wa_client, wa_runtime, twilio_stand_in, AMINA)
    onboard_in_arabic(amina)  # agreed to messages
    clock.advance(minutes=1)
    twilio_stand_in.fail_next(
        amina.address, 400, 21610, "Attempt to send to unsubscribed recipient"
    )
    first = queue(wa_runtime, clock, "nudge", {"text": "1"}, key="n-1")
    amina.deliver()
    row = outbox_row(wa_runtime, first)
    assert row["status"] == "skipped" and row["error_code"] == 21610
    with wa_runtime.db.connect() as conn:
        assert conn.execute(select(identities.c.status).where(WA)).scalar_one() == "opted_out"
    attempts = len(twilio_stand_in.to(amina.address))
    queue(wa_runtime, clock, "nudge", {"text": "2"}, key="n-2")
    amina.deliver()
    assert len(twilio_stand_in.to(amina.address)) == attempts
    # "Start" on WhatsApp opts her back in there, and she gets the answer.
    # Her STOP to WhatsApp itself withdrew her consent to messages, with its time.
    with wa_runtime.db.connect() as conn:
        withdrawn = conn.execute(
            select(consents.c.withdrawn_at).where(
                consents.c.purpose == "messages", consents.c.channel == "whatsapp"
            )
        ).scalars()
        assert list(withdrawn) == [clock()]
    back = amina.send("start")
    assert back and "👋" in back[0].form.get("Body", "")
    assert "🔔 نعم، من فضلك" in amina.text()  # messages again only with her yes
    with wa_runtime.db.connect() as conn:
        assert conn.execute(select(identities.c.status).where(WA)).scalar_one() == "ok"


def test_429_slows_the_dispatcher_and_the_message_is_retried(
    wa_client: TestClient, wa_runtime: Runtime, twilio_stand_in: TwilioStandIn, clock: FrozenClock
) -> None:
    amina = phone(wa_client, wa_runtime, twilio_stand_in, AMINA)
    amina.send("مرحبا")
    twilio_stand_in.fail_next(amina.address, 429, 20429, "Too Many Requests")
    row_id = queue(wa_runtime, clock, "nudge", {"text": "später"}, key="n-429")
    limiter = wa_runtime.dispatcher.limits["whatsapp"]
    assert asyncio.run(wa_runtime.dispatcher.dispatch()) == 1
    row = outbox_row(wa_runtime, row_id)
    assert row["status"] == "pending" and row["next_attempt_at"] > clock()
    assert limiter.wait_time(amina.address) > 0  # the channel pauses
    clock.advance(minutes=1)
    amina.deliver()
    assert outbox_row(wa_runtime, row_id)["status"] == "sent"


def test_not_a_whatsapp_number_makes_the_channel_unreachable(
    wa_client: TestClient, wa_runtime: Runtime, twilio_stand_in: TwilioStandIn, clock: FrozenClock
) -> None:
    amina = phone(wa_client, wa_runtime, twilio_stand_in, AMINA)
    amina.send("مرحبا")
    row_id = queue(wa_runtime, clock, "nudge", {"text": "?"}, key="n-63024")
    [sent] = amina.deliver()
    status_callback(wa_client, sent.sid or "", "undelivered", 63024)
    assert outbox_row(wa_runtime, row_id)["error_code"] == 63024
    with wa_runtime.db.connect() as conn:
        assert conn.execute(select(identities.c.status).where(WA)).scalar_one() == "unreachable"
