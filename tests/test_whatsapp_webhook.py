"""Twilio's webhooks: signed requests are accepted; forged, unsigned and replayed ones change nothing.

Requests are signed with ``RequestValidator.compute_signature`` over the *public* URL
(``TWC_PUBLIC_URL`` + path) and every posted field, exactly as Twilio signs them.  No Twilio
REST call happens here (nothing is dispatched); the e2e tests cover sending.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, update
from starlette.testclient import TestClient

from bot.db.models import InboundMedia, InboundMessage, OutboxMessage, Person
from bot.db.tables import inbox_messages, states
from bot.runtime import Runtime
from bot.web.app import create_app
from tests.auxil.clock import FrozenClock
from tests.auxil.twilio import sign
from tests.auxil.whatsapp import (
    AUTH_TOKEN,
    PUBLIC_URL,
    inbound_form,
    post_signed,
    status_callback,
    whatsapp_runtime,
)

outbox = OutboxMessage.__table__
people = Person.__table__
inbound_ids = InboundMessage.__table__
media = InboundMedia.__table__

NUMBER = "+4915112345601"
PATH = "/webhooks/twilio/whatsapp"


@pytest.fixture
def wa_runtime(database_url: str, clock: FrozenClock, tmp_path: Path) -> Iterator[Runtime]:
    runtime = whatsapp_runtime(database_url, clock, tmp_path, None)
    yield runtime
    runtime.close()


@pytest.fixture
def wa_client(wa_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(wa_runtime, background=False)) as client:
        yield client


def count(runtime: Runtime, table: object) -> int:
    with runtime.db.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def whatsapp_rows(runtime: Runtime) -> list[dict[str, object]]:
    with runtime.db.connect() as conn:
        return [
            dict(r)
            for r in conn.execute(
                select(outbox).where(outbox.c.channel == "whatsapp").order_by(outbox.c.id)
            ).mappings()
        ]


def test_a_signed_message_is_accepted_answered_with_empty_twiml_and_queued(
    wa_client: TestClient, wa_runtime: Runtime
) -> None:
    response = post_signed(wa_client, PATH, inbound_form(NUMBER, "Hallo"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text.endswith("<Response></Response>")
    [row] = whatsapp_rows(wa_runtime)
    assert row["status"] == "pending" and row["kind"] == "reply"  # sent by the dispatcher


@pytest.mark.parametrize(
    "attack", ["unsigned", "wrong token", "internal url", "tampered field", "garbage"]
)
def test_forged_and_unsigned_requests_get_403_and_store_nothing(
    wa_client: TestClient, wa_runtime: Runtime, attack: str
) -> None:
    form = inbound_form(NUMBER, "Hallo")
    headers = {}
    if attack == "wrong token":
        headers["X-Twilio-Signature"] = sign("not-the-token", PUBLIC_URL + PATH, form)
    elif attack == "internal url":
        headers["X-Twilio-Signature"] = sign(AUTH_TOKEN, "http://testserver" + PATH, form)
    elif attack == "tampered field":
        headers["X-Twilio-Signature"] = sign(AUTH_TOKEN, PUBLIC_URL + PATH, form)
        form["Body"] = "stop"
    elif attack == "garbage":
        headers["X-Twilio-Signature"] = "x" * 28
    people_before = count(wa_runtime, people)
    response = wa_client.post(PATH, data=form, headers=headers)
    assert response.status_code == 403
    assert count(wa_runtime, inbound_ids) == 0
    assert count(wa_runtime, people) == people_before
    assert whatsapp_rows(wa_runtime) == []


def test_a_replayed_message_sid_gets_no_second_reply(
    wa_client: TestClient, wa_runtime: Runtime
) -> None:
    form = inbound_form(NUMBER, "Hallo")
    assert post_signed(wa_client, PATH, form).status_code == 200
    assert post_signed(wa_client, PATH, form).status_code == 200
    assert len(whatsapp_rows(wa_runtime)) == 1
    assert count(wa_runtime, inbound_ids) == 1


def test_a_signed_form_without_a_sender_is_ignored_politely(
    wa_client: TestClient, wa_runtime: Runtime
) -> None:
    form = inbound_form(NUMBER, "Hallo", From="", WaId="")
    assert post_signed(wa_client, PATH, form).status_code == 200
    assert count(wa_runtime, inbound_ids) == 0


def sign_up(client: TestClient) -> None:
    """A participant who agreed (Arabic), by webhooks only."""
    post_signed(client, PATH, inbound_form(NUMBER, "مرحبا"))
    post_signed(client, PATH, inbound_form(NUMBER, "3"))
    post_signed(
        client,
        PATH,
        inbound_form(NUMBER, "✅", ButtonPayload="onboarding.privacy_notice:yes", ButtonText="✅"),
    )


def test_media_she_sends_are_recorded_by_url_and_acknowledged(
    wa_client: TestClient, wa_runtime: Runtime
) -> None:
    sign_up(wa_client)
    url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"

    def voice_note() -> dict[str, str]:
        return inbound_form(
            NUMBER,
            "",
            NumMedia="1",
            MediaUrl0=url,
            MediaContentType0="audio/ogg",
            MessageType="audio",
        )

    # Still in onboarding: her answers belong to its questions; the file is not kept.
    before = len(whatsapp_rows(wa_runtime))
    assert post_signed(wa_client, PATH, voice_note()).status_code == 200
    assert count(wa_runtime, media) == 0
    replies = whatsapp_rows(wa_runtime)[before:]
    assert replies and "📎" in str(replies[0]["payload"]["text"])
    # Signed up (at the menu): it goes to the team's inbox, kept by its URL.
    with wa_runtime.db.begin() as conn:
        conn.execute(update(states).values(flow="main", node="menu"))
    before = len(whatsapp_rows(wa_runtime))
    assert post_signed(wa_client, PATH, voice_note()).status_code == 200
    with wa_runtime.db.connect() as conn:
        [kept] = conn.execute(select(media)).mappings().all()
        [message] = conn.execute(select(inbox_messages)).mappings().all()
    assert (kept["kind"], kept["content_type"], kept["url"]) == ("voice", "audio/ogg", url)
    assert message["media_id"] == kept["id"]
    replies = whatsapp_rows(wa_runtime)[before:]
    assert replies and "📎" in str(replies[0]["payload"]["text"])  # in Arabic, her language
    assert replies[0]["payload"]["language"] == "ar"


def test_media_before_consent_are_not_stored(wa_client: TestClient, wa_runtime: Runtime) -> None:
    form = inbound_form(
        NUMBER,
        "",
        NumMedia="1",
        MediaUrl0="https://api.twilio.com/x",
        MediaContentType0="image/png",
    )
    assert post_signed(wa_client, PATH, form).status_code == 200
    assert count(wa_runtime, media) == 0


def sent_row(runtime: Runtime, clock: FrozenClock, sid: str) -> int:
    with runtime.db.begin() as conn:
        return conn.execute(
            insert(outbox).returning(outbox.c.id),
            {
                "idempotency_key": f"sent:{sid}",
                "channel": "whatsapp",
                "kind": "reply",
                "priority": 0,
                "payload": {"text": "x"},
                "status": "sent",
                "attempts": 1,
                "next_attempt_at": clock(),
                "created_at": clock(),
                "external_id": sid,
            },
        ).scalar_one()


def delivery(runtime: Runtime, row_id: int) -> tuple[str, str | None, int | None]:
    with runtime.db.connect() as conn:
        row = conn.execute(select(outbox).where(outbox.c.id == row_id)).mappings().one()
    return row["status"], row["delivery_status"], row["error_code"]


def test_status_callbacks_update_the_row_and_never_move_back(
    wa_client: TestClient, wa_runtime: Runtime, clock: FrozenClock
) -> None:
    sid = "SM" + "5" * 32
    row_id = sent_row(wa_runtime, clock, sid)
    for status in ("queued", "sent", "delivered"):
        assert status_callback(wa_client, sid, status).status_code == 200
        assert delivery(wa_runtime, row_id) == ("sent", status, None)
    status_callback(wa_client, sid, "read")
    status_callback(wa_client, sid, "sent")  # late: ignored
    assert delivery(wa_runtime, row_id) == ("sent", "read", None)


def test_a_failed_status_records_the_error_code(
    wa_client: TestClient, wa_runtime: Runtime, clock: FrozenClock
) -> None:
    sid = "SM" + "6" * 32
    row_id = sent_row(wa_runtime, clock, sid)
    status_callback(wa_client, sid, "undelivered", 30008)
    status, delivered, code = delivery(wa_runtime, row_id)
    assert (status, delivered, code) == ("failed", "undelivered", 30008)


def test_63018_in_a_callback_retries_later_and_pauses_the_channel(
    wa_client: TestClient, wa_runtime: Runtime, clock: FrozenClock
) -> None:
    sid = "SM" + "7" * 32
    row_id = sent_row(wa_runtime, clock, sid)
    status_callback(wa_client, sid, "failed", 63018)
    assert delivery(wa_runtime, row_id)[0] == "pending"
    assert wa_runtime.dispatcher.limits["whatsapp"].wait_time("whatsapp:+491") > 0


def test_an_unsigned_status_callback_changes_nothing(
    wa_client: TestClient, wa_runtime: Runtime, clock: FrozenClock
) -> None:
    sid = "SM" + "8" * 32
    row_id = sent_row(wa_runtime, clock, sid)
    response = wa_client.post(
        "/webhooks/twilio/status", data={"MessageSid": sid, "MessageStatus": "failed"}
    )
    assert response.status_code == 403
    assert delivery(wa_runtime, row_id) == ("sent", None, None)


def test_a_query_string_is_part_of_what_twilio_signs(
    wa_client: TestClient, wa_runtime: Runtime
) -> None:
    form = inbound_form(NUMBER, "Hallo")
    url = PATH + "?org=vnb"
    good = sign(AUTH_TOKEN, PUBLIC_URL + url, form)
    assert wa_client.post(url, data=form, headers={"X-Twilio-Signature": good}).status_code == 200
    form = inbound_form(NUMBER, "Hallo")
    without = sign(AUTH_TOKEN, PUBLIC_URL + PATH, form)
    response = wa_client.post(url, data=form, headers={"X-Twilio-Signature": without})
    assert response.status_code == 403
