"""The team's replies on WhatsApp: free text inside the 24-hour window; outside it the approved
``team_reply`` template at once and the reply itself as soon as she writes.

Signed webhooks in, the real ``twilio`` client out, Prism checking every request against
Twilio's OpenAPI description (``tests/auxil/twilio.py``).  Time is a frozen clock.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.db.tables import outbox
from bot.demo import ORG_NAME
from bot.runtime import Runtime
from tests.auxil.clock import FrozenClock
from tests.auxil.inbox import add_staff, inbox_of, messages_of, organisation_id
from tests.auxil.person import WhatsAppPerson, onboard
from tests.auxil.twilio import TwilioStandIn
from tests.auxil.whatsapp import TEAM_REPLY, WhatsAppPhone

pytestmark = pytest.mark.slow

AMINA = "+4915112345601"
ANSWER = "Ja, Sie können Ihr Kind mitbringen."


def asks_the_team(
    client: TestClient, runtime: Runtime, twilio_stand_in: TwilioStandIn
) -> tuple[WhatsAppPhone, int]:
    phone = WhatsAppPhone(client, runtime, twilio_stand_in, AMINA)
    amina = WhatsAppPerson(phone)
    onboard(amina)
    amina.press("🙋 Team fragen")
    amina.say("Kann ich mein Kind mitbringen?")
    coordinator = add_staff(runtime, "maria@vnb.example", organisation_id(runtime))
    [thread] = inbox_of(runtime).threads(coordinator)
    return phone, thread.id


def test_inside_the_window_the_reply_goes_as_text(
    wa_runtime: Runtime, wa_client: TestClient, twilio_stand_in: TwilioStandIn, clock: FrozenClock
) -> None:
    phone, thread = asks_the_team(wa_client, wa_runtime, twilio_stand_in)
    coordinator = add_staff(wa_runtime, "olga@vnb.example", organisation_id(wa_runtime))
    inbox_of(wa_runtime).reply(coordinator, thread, ANSWER)
    [sent] = phone.deliver()
    assert sent.status == 201 and sent.form["Body"] == f"💬 {ORG_NAME}:\n{ANSWER}"
    [entry] = [
        e for e in inbox_of(wa_runtime).thread(coordinator, thread).entries if e.direction == "out"
    ]
    assert entry.status == "sent"


def test_outside_the_window_the_template_goes_and_the_reply_follows_when_she_writes(
    wa_runtime: Runtime, wa_client: TestClient, twilio_stand_in: TwilioStandIn, clock: FrozenClock
) -> None:
    phone, thread = asks_the_team(wa_client, wa_runtime, twilio_stand_in)
    coordinator = add_staff(wa_runtime, "olga@vnb.example", organisation_id(wa_runtime))
    inbox = inbox_of(wa_runtime)
    clock.advance(hours=25)  # she has not written for more than a day
    inbox.reply(coordinator, thread, ANSWER)
    [template] = phone.deliver()
    assert template.status == 201 and "Body" not in template.form
    assert template.form["ContentSid"] == TEAM_REPLY["de"]
    assert template.variables == {"1": ORG_NAME}
    with wa_runtime.db.connect() as conn:
        statuses = (
            conn.execute(
                select(outbox.c.status).where(outbox.c.kind == "team_reply").order_by(outbox.c.id)
            )
            .scalars()
            .all()
        )
    assert statuses == ["sent", "held"]
    [entry] = [e for e in inbox.thread(coordinator, thread).entries if e.direction == "out"]
    assert entry.status == "held"

    answer = phone.send("Hallo")  # anything: the held reply follows at once, nothing else
    assert [s.form.get("Body") for s in answer] == [f"💬 {ORG_NAME}:\n{ANSWER}"]
    assert [m["text"] for m in messages_of(wa_runtime, thread)][-1] == "Hallo"
    [entry] = [e for e in inbox.thread(coordinator, thread).entries if e.direction == "out"]
    assert entry.status == "sent"


def test_closed_a_day_after_her_last_message_she_is_put_back_quietly(
    wa_runtime: Runtime, wa_client: TestClient, twilio_stand_in: TwilioStandIn, clock: FrozenClock
) -> None:
    phone, thread = asks_the_team(wa_client, wa_runtime, twilio_stand_in)
    coordinator = add_staff(wa_runtime, "olga@vnb.example", organisation_id(wa_runtime))
    inbox = inbox_of(wa_runtime)
    clock.advance(hours=25)
    inbox.close(coordinator, thread)
    # No notice could go now: none is queued, so nothing waits as "needs a template" on the
    # dashboard ...
    assert phone.deliver() == []
    with wa_runtime.db.connect() as conn:
        held = conn.execute(select(outbox.c.kind).where(outbox.c.status == "needs_template"))
        assert held.all() == []
    # ... and her next message meets the bot again, not the team.
    answer = phone.send("Hallo")
    assert answer
    assert [m["text"] for m in messages_of(wa_runtime, thread)][-1] != "Hallo"
