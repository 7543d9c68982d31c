"""The adapter's transport duties, against a recording fake of python-telegram-bot's ``Bot``."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import insert
from telegram import Update

from bot.channels.messages import Inbound, Outbound
from bot.channels.telegram import render
from bot.channels.telegram.channel import TelegramChannel
from bot.db.migrate import upgrade
from bot.db.models import OutboxMessage
from bot.runtime import build_runtime
from bot.settings import Settings
from conversations.events import ChoiceIn
from tests.auxil.clock import FrozenClock
from tests.auxil.constants import TEST_SECRET

CHAT = 4711


class FakeBot:
    """Records every call; ``send_message`` answers with increasing message ids."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.next_id = 100

    async def send_message(self, chat_id: Any, text: str, reply_markup: Any = None) -> Any:
        self.calls.append(
            ("send_message", {"chat_id": chat_id, "text": text, "reply_markup": reply_markup})
        )
        self.next_id += 1
        return type("Sent", (), {"message_id": self.next_id})()

    async def answer_callback_query(self, query_id: str) -> bool:
        self.calls.append(("answer_callback_query", {"id": query_id}))
        return True

    async def edit_message_reply_markup(self, **kwargs: Any) -> bool:
        self.calls.append(("edit_message_reply_markup", kwargs))
        return True

    def methods(self) -> list[str]:
        return [name for name, _ in self.calls]


@pytest.fixture
def adapter(sqlite_url: str) -> Iterator[tuple[TelegramChannel, FakeBot, list[Inbound]]]:
    upgrade(sqlite_url)
    settings = Settings(
        database_url=sqlite_url, environment="test", secret_key=TEST_SECRET, telegram_token="1:A"
    )
    runtime = build_runtime(settings, clock=FrozenClock())
    assert runtime.telegram is not None
    telegram = runtime.telegram
    fake = FakeBot()
    telegram.bot = fake  # type: ignore[assignment]
    submitted: list[Inbound] = []

    class Sink:
        """Records what the channel hands on, instead of the inbound service."""

        async def receive(self, inbound: Inbound) -> None:
            submitted.append(inbound)

        async def notice(self, _notice: object) -> None:
            return None

    async def no_sleep(_seconds: float) -> None:
        return None

    telegram.sleep = no_sleep
    telegram.sink = Sink()
    SENT_DB.append(runtime.db)
    yield telegram, fake, submitted
    SENT_DB.clear()
    runtime.close()


def press(data: str, message_id: int = 101, label: str = "x") -> Update:
    return Update.de_json(
        {
            "update_id": 9,
            "callback_query": {
                "id": "q9",
                "chat_instance": "1",
                "from": {"id": CHAT, "is_bot": False, "first_name": "O"},
                "data": data,
                "message": {
                    "message_id": message_id,
                    "date": 1_796_000_000,
                    "chat": {"id": CHAT, "type": "private"},
                    "text": "?",
                    "reply_markup": {
                        "inline_keyboard": [[{"text": label, "callback_data": data}]]
                    },
                },
            },
        },
        None,
    )


#: The test's database (the channel itself has none: it reads sent buttons through the outbox).
SENT_DB: list[Any] = []


def store_sent(telegram: TelegramChannel, choices: list[tuple[str, str]], message_id: int) -> None:
    """The outbox row of a message already sent, as the dispatcher leaves it."""
    now = telegram.clock()
    with SENT_DB[0].begin() as conn:
        conn.execute(
            insert(OutboxMessage.__table__).values(
                idempotency_key=f"k{message_id}",
                channel="telegram",
                kind="reply",
                priority=0,
                payload={"text": "?", "choices": [{"id": i, "label": lab} for i, lab in choices]},
                status="sent",
                attempts=1,
                next_attempt_at=now,
                created_at=now,
                external_id=telegram.message_key(str(CHAT), message_id),
            )
        )


def test_a_long_message_with_many_choices(adapter) -> None:
    telegram, fake, _ = adapter
    choices = tuple((f"t:{i}", f"Ort {i}") for i in range(20))
    result = asyncio.run(telegram.send(str(CHAT), Outbound("Absatz. " * 700, choices)))
    sends = [kwargs for name, kwargs in fake.calls if name == "send_message"]
    assert len(sends) == 2
    assert sends[0]["reply_markup"] is None and sends[1]["reply_markup"] is not None
    assert sends[0]["chat_id"] == CHAT
    # The stored id names the message, and the chat only by a pseudonym.
    assert result.external_id is not None and re.fullmatch(r"102@[0-9a-f]{16}", result.external_id)
    assert str(CHAT) not in result.external_id


def test_turning_a_page_edits_the_keyboard_and_says_nothing_to_the_flows(adapter) -> None:
    telegram, fake, submitted = adapter
    choices = [(f"t:{i}", f"Ort {i}") for i in range(20)]
    store_sent(telegram, choices, 101)
    asyncio.run(telegram.handle_update(press(render.PAGE_PREFIX + "1")))
    assert fake.methods() == ["answer_callback_query", "edit_message_reply_markup"]
    markup = fake.calls[1][1]["reply_markup"]
    assert markup.inline_keyboard[0][0].text == "Ort 9"
    assert submitted == []


def test_the_inert_button_is_only_answered(adapter) -> None:
    telegram, fake, submitted = adapter
    asyncio.run(telegram.handle_update(press(render.NO_OP)))
    assert fake.methods() == ["answer_callback_query"]
    assert submitted == []


def test_a_press_is_answered_marked_and_passed_on(adapter) -> None:
    telegram, fake, submitted = adapter
    asyncio.run(telegram.handle_update(press("main.menu:ask", label="🙋 Team fragen")))
    assert fake.methods() == ["answer_callback_query", "edit_message_reply_markup"]
    marked = fake.calls[1][1]["reply_markup"].inline_keyboard
    assert [[b.text for b in row] for row in marked] == [["✓ 🙋 Team fragen"]]
    assert [i.event for i in submitted] == [ChoiceIn("main.menu:ask")]
    assert submitted[0].external_id == "update:9"


def test_a_hashed_button_is_resolved_to_its_choice(adapter) -> None:
    telegram, _, submitted = adapter
    long_id = "flow." + "x" * 80 + ":y"
    store_sent(telegram, [(long_id, "Y")], 101)
    asyncio.run(telegram.handle_update(press(render.callback_data(long_id))))
    assert [i.event for i in submitted] == [ChoiceIn(long_id)]


def test_a_long_message_interrupted_halfway_sends_only_the_rest_on_retry(adapter) -> None:
    from telegram.error import NetworkError

    from bot.channels.base import SendError

    telegram, fake, _ = adapter
    original = fake.send_message
    failures = iter([False, True])  # the first part goes out, the second fails (network)

    async def flaky(chat_id: Any, text: str, reply_markup: Any = None) -> Any:
        if next(failures, False):
            raise NetworkError("connection reset")
        return await original(chat_id, text, reply_markup)

    fake.send_message = flaky  # type: ignore[method-assign]
    message = Outbound("Absatz eins. " * 400 + "\n\n" + "Absatz zwei. " * 400)
    with pytest.raises(SendError) as caught:
        asyncio.run(telegram.send(str(CHAT), message))
    assert caught.value.retryable and caught.value.parts_sent == 1
    retry = Outbound.from_payload({"text": message.text, "parts_sent": caught.value.parts_sent})
    asyncio.run(telegram.send(str(CHAT), retry))
    texts = [kwargs["text"] for name, kwargs in fake.calls if name == "send_message"]
    from bot.channels.telegram.render import split_text

    assert texts == split_text(message.text)  # every part exactly once, in order
