"""Flood protection: one sender's flood gets the burst's replies and one slow-down, nobody else waits.

Real signed Twilio webhooks and real Telegram webhook calls go into the app in-process
(Starlette's TestClient); WhatsApp replies go out through the real ``twilio`` client to the
stand-in in front of Prism (``tests/auxil/twilio.py``), so "what she gets" is what Twilio was
asked to send (and would bill).  Time is a frozen clock: the flood takes no time at all, and the
pause ends when the test moves the clock.  How fast a bystander is answered during a flood is a
figure, not a test: ``benchmarks/flood.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.channels.messages import Inbound
from bot.channels.simulator.parse import parse_request
from bot.channels.telegram.webhook import SECRET_HEADER
from bot.channels.whatsapp.parse import INBOUND_PATH
from bot.db.migrate import upgrade
from bot.db.models import InboundMessage, OutboxMessage
from bot.demo import load_demo
from bot.inbound.flood import PAUSE_SECONDS, FloodGuard, Verdict
from bot.runtime import Runtime, build_runtime
from bot.turns.group_commit import GroupCommitter, _Slot
from bot.web.app import create_app
from conversations.events import TextIn
from tests.auxil.clock import DEFAULT_START, FrozenClock
from tests.auxil.constants import TEST_SECRET
from tests.auxil.runtimes import make_runtime
from tests.auxil.telegram import WEBHOOK_SECRET, update, webhook_settings
from tests.auxil.twilio import TwilioStandIn
from tests.auxil.whatsapp import WhatsAppPhone, inbound_form, post_signed

outbox = OutboxMessage.__table__
inbound_ids = InboundMessage.__table__

AMINA = "+4915112345601"
OLGA = "+4915112345602"
NADIA = "+4915112345603"
FLOOD = 300

SLOW_DOWN_AR = (
    "⏳ أنتِ تكتبين بسرعة كبيرة. سأقرأ رسالتكِ التالية بعد دقيقة واحدة.\n"
    "من فضلكِ اكتبي لي بعدها مرة أخرى ما تحتاجين إليه.\n"
    "🚨 في حالة الطوارئ اتصلي بالرقم 112."
)
SLOW_DOWN_DE = (
    "⏳ Sie schreiben sehr schnell. Ich lese Ihre nächste Nachricht in einer Minute.\n"
    "Bitte schreiben Sie mir dann noch einmal, was Sie brauchen.\n"
    "🚨 Im Notfall rufen Sie 112 an."
)


def stored_ids(runtime: Runtime) -> set[str]:
    with runtime.db.connect() as conn:
        return set(conn.execute(select(inbound_ids.c.external_id)).scalars())


def outbox_rows(runtime: Runtime, channel: str) -> list[dict[str, Any]]:
    with runtime.db.connect() as conn:
        query = select(outbox).where(outbox.c.channel == channel).order_by(outbox.c.id)
        return [dict(row) for row in conn.execute(query).mappings()]


# ---- WhatsApp, end to end ------------------------------------------------------------------


def flood(client: TestClient, number: str, count: int, start: int = 0) -> list[dict[str, str]]:
    """``count`` signed messages from ``number`` at one instant (the clock does not move)."""
    forms = []
    for i in range(start, start + count):
        form = inbound_form(number, f"؟ {i}")
        response = post_signed(client, INBOUND_PATH, form)
        assert response.status_code == 200, response.text  # never a traceback, never a retry
        forms.append(form)
    return forms


@pytest.mark.slow
def test_a_whatsapp_flood_gets_the_burst_and_one_slow_down_and_a_bystander_every_reply(
    wa_client: TestClient, wa_runtime: Runtime, twilio_stand_in: TwilioStandIn, clock: FrozenClock
) -> None:
    burst = wa_runtime.settings.flood_burst
    amina = WhatsAppPhone(wa_client, wa_runtime, twilio_stand_in, AMINA)
    olga = WhatsAppPhone(wa_client, wa_runtime, twilio_stand_in, OLGA)
    amina.send("مرحبا")
    amina.send("٣")  # Arabic: she is asked for her consent in Arabic
    before = stored_ids(wa_runtime)

    # Amina's phone sends 300 messages at once; Olga writes her first steps in between.
    forms = flood(wa_client, AMINA, FLOOD // 3)
    olga.send("Hallo")
    forms += flood(wa_client, AMINA, FLOOD // 3, start=FLOOD // 3)
    olga.send("1")  # Deutsch
    forms += flood(wa_client, AMINA, FLOOD - 2 * (FLOOD // 3), start=2 * (FLOOD // 3))
    olga.send("3")  # read more
    olga.send("???")
    got = amina.deliver()

    # At most the burst's messages were read; everything after the slow-down was dropped.
    flood_ids = [f["MessageSid"] for f in forms]
    read = [sid for sid in flood_ids if sid in stored_ids(wa_runtime) - before]
    assert 1 <= len(read) <= burst + 1
    assert read == flood_ids[: len(read)]  # the first ones, then nothing
    texts = [sent.form.get("Body") or sent.variables.get("1", "") for sent in got]
    assert texts.count(SLOW_DOWN_AR) == 1 and texts[-1] == SLOW_DOWN_AR
    # Everything stored for the flood answers one of the messages read, the slow-down the
    # last one read; and what is stored is what Twilio was asked to send (and bills), no more.
    rows = outbox_rows(wa_runtime, "whatsapp")
    flood_rows = [r for r in rows if r["idempotency_key"].split(":")[1] in flood_ids]
    assert {r["idempotency_key"].split(":")[1] for r in flood_rows} <= set(read)
    # (A sent row keeps no body: the texts are what Twilio got, checked above.)
    answering_the_last = [r for r in flood_rows if r["idempotency_key"].split(":")[1] == read[-1]]
    assert len(answering_the_last) == 1 and answering_the_last[0]["status"] == "sent"
    assert len(flood_rows) == len(got)
    assert len(rows) == len([s for s in twilio_stand_in.sent if s.status == 201])

    # Olga was answered every time, in order, exactly as Nadia is when nobody floods.
    clock.advance(seconds=PAUSE_SECONDS)
    nadia = WhatsAppPhone(wa_client, wa_runtime, twilio_stand_in, NADIA)
    for text in ("Hallo", "1", "3", "???"):
        nadia.send(text)
    assert olga.transcript == nadia.transcript
    assert SLOW_DOWN_DE not in "\n".join(olga.transcript)

    # A re-delivery of a dropped message stays dropped; of the slow-down's, it is a duplicate.
    dropped = forms[len(read)]
    assert post_signed(wa_client, INBOUND_PATH, dropped).status_code == 200
    assert post_signed(wa_client, INBOUND_PATH, forms[len(read) - 1]).status_code == 200
    assert amina.deliver() == []
    assert dropped["MessageSid"] not in stored_ids(wa_runtime)

    # A minute later she is read again and answered normally, in Arabic.
    answer = amina.send("1")  # yes, she agrees
    assert answer and SLOW_DOWN_AR not in amina.text()
    assert "اسم" in amina.text()  # her name, please


# ---- Telegram webhook ------------------------------------------------------------------------


@pytest.fixture
def tg_runtime(database_url: str, clock: FrozenClock) -> Iterator[Runtime]:
    upgrade(database_url)
    runtime = build_runtime(webhook_settings(database_url), clock=clock)
    load_demo(runtime.db, TEST_SECRET, clock())
    yield runtime
    runtime.close()


def test_a_telegram_flood_stores_the_burst_and_one_slow_down_in_her_language(
    tg_runtime: Runtime, clock: FrozenClock
) -> None:
    burst = tg_runtime.settings.flood_burst
    with TestClient(create_app(tg_runtime, background=False)) as client:
        for update_id in range(1, FLOOD + 1):
            response = client.post(
                "/webhooks/telegram",
                json=update(update_id, text=f"hello {update_id}"),
                headers={SECRET_HEADER: WEBHOOK_SECRET},
            )
            assert response.status_code == 200, response.text
        rows = outbox_rows(tg_runtime, "telegram")
        assert len(stored_ids(tg_runtime)) == burst + 1  # the burst, then the slow-down's
        slow = [r for r in rows if r["payload"]["text"].startswith("⏳")]
        assert [r["payload"]["text"] for r in slow] == [SLOW_DOWN_AR]  # her Telegram language
        assert rows[-1] == slow[0]
        answered = {r["idempotency_key"].rsplit(":", 1)[0] for r in rows}
        assert len(answered) == burst + 1  # nothing was queued for the dropped ones

        # She may be in danger: her first "talk to a person" during the pause is still read.
        for update_id in (FLOOD + 1, FLOOD + 2):
            client.post(
                "/webhooks/telegram",
                json=update(update_id, text="Mensch"),
                headers={SECRET_HEADER: WEBHOOK_SECRET},
            )
        human = outbox_rows(tg_runtime, "telegram")[len(rows) :]
        assert len(stored_ids(tg_runtime)) == burst + 2
        assert [r["payload"]["language"] for r in human] == ["ar"] * len(human)
        assert (
            human[0]["payload"]["text"].startswith("🙋") and "112" in human[0]["payload"]["text"]
        )
        rows = outbox_rows(tg_runtime, "telegram")

        clock.advance(seconds=PAUSE_SECONDS)
        client.post(
            "/webhooks/telegram",
            json=update(FLOOD + 3, text="/start"),
            headers={SECRET_HEADER: WEBHOOK_SECRET},
        )
        latest = outbox_rows(tg_runtime, "telegram")[len(rows) :]
        assert latest and all(not r["payload"]["text"].startswith("⏳") for r in latest)


# ---- fairness ------------------------------------------------------------------------------


def test_a_bystander_is_in_the_next_batch_however_long_the_queue_ahead_of_her(
    sqlite_url: str, clock: FrozenClock
) -> None:
    """The simulator has no flood limit, so one user's 100 queued messages really wait; the
    batches take one of each waiting sender in turn, each sender's in order."""
    runtime = make_runtime(sqlite_url, clock, simulator_screens=False)
    runtime.inbound.max_batch = 10
    batches: list[list[Inbound]] = []
    handle = runtime.turns.handle_batch

    def spy(batch: Sequence[Inbound]) -> list[Any]:
        batches.append(list(batch))
        return handle(batch)

    runtime.turns.handle_batch = spy  # type: ignore[method-assign]
    flood_messages = [
        parse_request({"user": "flood", "text": f"x {i}", "id": f"f{i}"}, clock())
        for i in range(100)
    ]
    bystander = parse_request({"user": "olga", "text": "Hallo", "id": "o1"}, clock())

    async def everyone() -> list[Any]:
        return await asyncio.gather(
            *(runtime.inbound.receive(m) for m in [*flood_messages, bystander])
        )

    try:
        outcomes = asyncio.run(everyone())
    finally:
        runtime.close()
    assert bystander in batches[0]
    assert outcomes[-1].outbox_keys  # she was answered
    flooder = [m.external_id for batch in batches for m in batch if m.address == "flood"]
    assert flooder == [m.external_id for m in flood_messages]  # her order is kept


def test_the_group_committer_runs_every_item_once_in_the_order_it_came() -> None:
    """A caller that finds the committer idle leads, even when others queued before it and its
    own item does not fit into the batch (``max_batch``).  It used to submit its item again at
    the end of the queue: the item ran two or three times, and later items overtook it."""
    seen: list[int] = []

    def process(items: Sequence[int]) -> list[int | BaseException]:
        seen.extend(items)
        return [item * 10 for item in items]

    committer: GroupCommitter[int, int] = GroupCommitter(process, max_batch=3)
    # Five callers queued just before (their threads are waiting; here only their places).
    committer._queue.extend(_Slot(item) for item in range(1, 6))
    assert committer.submit(6) == 60
    assert seen == [1, 2, 3, 4, 5, 6]


# ---- the bucket itself -------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    at_once=st.integers(min_value=1, max_value=10),
    gaps=st.lists(st.floats(min_value=2.0, max_value=600.0), max_size=60),
)
def test_someone_who_forwards_a_few_and_then_types_is_never_slowed(
    at_once: int, gaps: list[float]
) -> None:
    """Up to ``burst`` messages at once (forwarded), then at most one every ``refill_seconds``
    (typed, however long she goes on): every message is read."""
    clock = FrozenClock(DEFAULT_START)
    guard = FloodGuard(burst=10, refill_seconds=2.0, clock=clock)
    for number, gap in enumerate([0.0] * at_once + gaps):
        clock.advance(seconds=gap)
        message = Inbound("whatsapp", "whatsapp:+49151", f"SM{number}", TextIn("x"), clock())
        assert guard.check(message) is Verdict.HANDLE


def test_the_guard_forgets_idle_senders_and_keeps_no_more_than_its_limit() -> None:
    clock = FrozenClock(DEFAULT_START)
    guard = FloodGuard(burst=2, refill_seconds=1.0, clock=clock, max_senders=50)
    for i in range(200):
        guard.check(Inbound("telegram", str(i), f"m{i}", TextIn("x"), clock()))
        clock.now += timedelta(milliseconds=100)
    assert guard.senders <= 50


def test_a_request_for_a_person_beyond_the_limit_is_read_once_per_pause() -> None:
    clock = FrozenClock(DEFAULT_START)
    guard = FloodGuard(
        burst=2,
        refill_seconds=2.0,
        clock=clock,
        urgent=lambda m: isinstance(m.event, TextIn) and m.event.text == "Mensch",
    )
    ids = iter(range(100))

    def send(text: str) -> Verdict:
        return guard.check(Inbound("whatsapp", "her", f"SM{next(ids)}", TextIn(text), clock()))

    assert [send("x"), send("x")] == [Verdict.HANDLE] * 2
    assert send("Mensch") is Verdict.HANDLE  # not swallowed by the slow-down
    assert send("x") is Verdict.SLOW_DOWN
    assert [send("Mensch"), send("x")] == [Verdict.DROP] * 2  # one per pause
    clock.advance(seconds=PAUSE_SECONDS)
    assert send("x") is Verdict.HANDLE
    assert [send("x"), send("x")] == [Verdict.HANDLE, Verdict.SLOW_DOWN]
    assert send("Mensch") is Verdict.HANDLE  # a new pause: read once again
    assert send("Mensch") is Verdict.DROP
