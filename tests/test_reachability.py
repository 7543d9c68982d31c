"""Reachability lives on her identity in the database, and every private message is answered.

Tried as a new user would on Telegram: she blocks the bot while messages are going out, later
unblocks it and presses Restart — the bot must answer her again at once, in the same running
process (an in-memory list of "stopped" chats used to outlive the send that filled it).
Telegram's ``my_chat_member`` is a clear signal: blocking marks her identity unreachable at
once (the next broadcast leaves her out), unblocking marks it reachable.  A message of a kind
the bot cannot read (a forwarded story on Telegram, a document or location pin on WhatsApp)
still gets the "I cannot read this yet" answer.

The platform in the dispatcher test is a scripted fake (a 403 cannot be provoked from the
Telegram stand-in on demand); everything else is the real app, database and parsers.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy import update as sql_update
from starlette.testclient import TestClient

from bot.channels.base import SendError
from bot.channels.messages import Outbound, SendResult
from bot.channels.simulator.parse import parse_request
from bot.channels.telegram.webhook import SECRET_HEADER
from bot.db.tables import consents, identities, outbox, people
from bot.features.broadcasts import BroadcastService, Draft
from bot.outbox.dispatcher import Dispatcher
from bot.runtime import Runtime, utc_now
from bot.web.app import create_app
from tests.auxil.clock import FrozenClock
from tests.auxil.runtimes import make_runtime
from tests.auxil.telegram import WEBHOOK_SECRET as SECRET
from tests.auxil.telegram import update


@pytest.fixture
def sqlite_runtime(sqlite_url: str, clock: FrozenClock) -> Iterator[Runtime]:
    """Simulator replies wait in the outbox: these tests send them with a dispatcher."""
    rt = make_runtime(sqlite_url, clock, simulator_screens=False)
    yield rt
    rt.close()


CHAT = 515151


class BlockingPlatform:
    """Refuses the first send as Telegram does for a blocked bot (403), then accepts."""

    name = "simulator"

    def __init__(self) -> None:
        self.attempts: list[str] = []
        self.refuse = 1

    async def send(self, address: str, message: Outbound) -> SendResult:
        self.attempts.append(message.text)
        if self.refuse:
            self.refuse -= 1
            raise SendError(
                "telegram 403: bot was blocked by the user", retryable=False, unreachable=True
            )
        return SendResult(external_id=f"sent-{len(self.attempts)}")


def status_of(runtime: Runtime, key: str) -> str | None:
    with runtime.db.connect() as conn:
        return conn.execute(
            select(outbox.c.status).where(outbox.c.idempotency_key == key)
        ).scalar()


async def until(done: Callable[[], bool]) -> None:
    """Let the running dispatcher work until ``done()`` (polling the database it writes; the
    deadline only keeps a broken dispatcher from hanging the suite)."""
    deadline = time.monotonic() + 60
    for _ in itertools.count():
        if done():
            return
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.001)
    raise AssertionError("the dispatcher did not get there")


def test_after_unblocking_her_replies_go_out_in_the_same_running_process(
    sqlite_runtime: Runtime, clock: FrozenClock
) -> None:
    runtime = sqlite_runtime
    platform = BlockingPlatform()
    dispatcher = Dispatcher(runtime.db, {"simulator": platform}, utc_now)

    def say(text: str) -> list[str]:
        outcome = runtime.turns.handle_inbound(
            parse_request({"user": "olena", "text": text}, clock())
        )
        dispatcher.wake()
        return outcome.outbox_keys

    async def scenario() -> tuple[str | None, str | None]:
        stop = asyncio.Event()
        running = asyncio.create_task(dispatcher.run(stop, interval=0.05))
        first = say("Hallo")
        await until(lambda: status_of(runtime, first[0]) == "failed")
        clock.advance(minutes=5)
        again = say("/start")  # she unblocked the bot and pressed Restart
        await until(lambda: status_of(runtime, again[0]) in ("sent", "failed"))
        stop.set()
        await running
        return status_of(runtime, first[0]), status_of(runtime, again[0])

    first, again = asyncio.run(scenario())
    assert first == "failed"  # blocked: refused, not retried
    assert again == "sent"  # tried and delivered: she is reachable again
    assert len(platform.attempts) == 2


def chat_member(update_id: int, old: str, new: str) -> dict[str, Any]:
    """Telegram's ``my_chat_member`` for her private chat (she blocked or unblocked the bot)."""
    bot = {"id": 666, "is_bot": True, "first_name": "TWC", "username": "twc_bot"}
    user = {"id": CHAT, "is_bot": False, "first_name": "Olena", "language_code": "uk"}

    def member(status: str) -> dict[str, Any]:
        return {"status": status, "user": bot, **({"until_date": 0} if status == "kicked" else {})}

    return {
        "update_id": update_id,
        "my_chat_member": {
            "chat": {"id": CHAT, "type": "private", "first_name": "Olena"},
            "from": user,
            "date": 1_796_000_000,
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        },
    }


def identity_status(runtime: Runtime) -> list[str]:
    with runtime.db.connect() as conn:
        return list(
            conn.execute(
                select(identities.c.status).where(identities.c.channel == "telegram")
            ).scalars()
        )


def consent_on_paper(runtime: Runtime) -> None:
    """She agreed (as a coordinator's import records it): broadcasts are for her now."""
    with runtime.db.begin() as conn:
        person = conn.execute(
            select(identities.c.person_id).where(identities.c.channel == "telegram")
        ).scalar_one()
        conn.execute(
            sql_update(people)
            .where(people.c.id == person)
            .values(status="active", consent_given_at=runtime.clock(), language="uk")
        )
        conn.execute(
            insert(consents),
            [
                {
                    "person_id": person,
                    "purpose": purpose,
                    "wording_version": "paper",
                    "language": "uk",
                    "channel": "paper",
                    "given_at": runtime.clock(),
                }
                for purpose in ("profile", "messages")
            ],
        )


def test_blocking_marks_her_unreachable_at_once_and_unblocking_brings_her_back(
    webhook_runtime: Runtime,
) -> None:
    runtime = webhook_runtime
    headers = {SECRET_HEADER: SECRET}
    with TestClient(create_app(runtime, background=False)) as client:
        assert client.post(
            "/webhooks/telegram", json=update(1, chat=CHAT), headers=headers
        ).is_success
        assert identity_status(runtime) == ["ok"]
        consent_on_paper(runtime)
        blocked = client.post(
            "/webhooks/telegram", json=chat_member(2, "member", "kicked"), headers=headers
        )
        assert blocked.is_success
        assert identity_status(runtime) == ["unreachable"]
        service = BroadcastService(
            runtime.db,
            runtime.flow_engine.catalogs,
            runtime.clock,
            "test",
            runtime.reach_rules(),
        )
        texts = {"de": "Morgen ist das Büro zu.", "uk": "Завтра офіс зачинено."}
        created = service.create(Draft(texts, {"all": True}), "vnb-nienburg")
        preview = service.preview(created["id"])
        assert "unreachable" in str(preview["excluded"])  # left out, not a failed send
        back = client.post(
            "/webhooks/telegram", json=chat_member(3, "kicked", "member"), headers=headers
        )
        assert back.is_success
        assert identity_status(runtime) == ["ok"]


def story_update(update_id: int) -> dict[str, Any]:
    """A forwarded story: a private message of a kind the bot has no reader for."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_796_000_000,
            "chat": {"id": CHAT, "type": "private", "first_name": "Olena"},
            "from": {"id": CHAT, "is_bot": False, "first_name": "Olena", "language_code": "uk"},
            "story": {"chat": {"id": 99, "type": "channel", "title": "News"}, "id": 7},
        },
    }


def test_a_message_of_an_unknown_kind_gets_an_answer(webhook_runtime: Runtime) -> None:
    runtime = webhook_runtime
    headers = {SECRET_HEADER: SECRET}
    with TestClient(create_app(runtime, background=False)) as client:
        response = client.post("/webhooks/telegram", json=story_update(5), headers=headers)
        assert response.is_success
    with runtime.db.connect() as conn:
        payloads = list(conn.execute(select(outbox.c.payload)).scalars())
    assert payloads, "a forwarded story got no answer"
    assert any("📎" in p["text"] for p in payloads)  # "I cannot read this yet", in Ukrainian
    assert payloads[0]["language"] == "uk"
