"""Telegram updates → channel-neutral events: a table of real update shapes, and fuzzing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.channels.messages import GroupCommand, GroupJoined, GroupLeft, Reachability
from bot.channels.telegram.parse import (
    Private,
    parse_json,
)
from conversations.events import ChoiceIn, MediaIn, StartIn, TextIn

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
BOT = "TwcBot"
USER = {"id": 4711, "is_bot": False, "first_name": "Olena", "language_code": "uk"}
PRIVATE = {"id": 4711, "type": "private", "first_name": "Olena"}
GROUP = {"id": -100123, "type": "supergroup", "title": "Frauentreff Hoya"}


def message(chat: dict[str, Any] = PRIVATE, **fields: Any) -> dict[str, Any]:
    return {"message_id": 9, "date": 1_796_000_000, "chat": chat, "from": USER, **fields}


def command(text: str, chat: dict[str, Any] = PRIVATE) -> dict[str, Any]:
    length = len(text.split(" ", 1)[0])
    entities = [{"type": "bot_command", "offset": 0, "length": length}]
    return message(chat, text=text, entities=entities)


def member(old: str, new: str, chat: dict[str, Any] = GROUP) -> dict[str, Any]:
    bot = {"id": 666, "is_bot": True, "first_name": "TWC", "username": BOT}
    return {
        "chat": chat,
        "from": USER,
        "date": 1_796_000_000,
        "old_chat_member": {
            "status": old,
            "user": bot,
            **({"until_date": 0} if old == "kicked" else {}),
        },
        "new_chat_member": {
            "status": new,
            "user": bot,
            **({"until_date": 0} if new == "kicked" else {}),
        },
    }


CASES: list[tuple[str, dict[str, Any], object]] = [
    ("text", {"message": message(text="Привіт")}, TextIn("Привіт")),
    ("start", {"message": command("/start")}, StartIn(None)),
    ("deep link", {"message": command("/start kurs-a2-nienburg")}, StartIn("kurs-a2-nienburg")),
    ("start to us", {"message": command(f"/start@{BOT} abc")}, StartIn("abc")),
    ("help", {"message": command("/help")}, TextIn("/help")),
    ("language", {"message": command("/language")}, TextIn("/language")),
    ("stop", {"message": command("/stop")}, TextIn("/stop")),
    ("privacy", {"message": command("/privacy")}, TextIn("/privacy")),
    # In her private chat a command for another bot is just text (the flow re-asks).
    ("other bot", {"message": command("/help@OtherBot")}, TextIn("/help@OtherBot")),
    (
        "photo",
        {
            "message": message(
                photo=[{"file_id": "a", "file_unique_id": "b", "width": 1, "height": 1}]
            )
        },
        MediaIn("photo"),
    ),
    (
        "voice",
        {"message": message(voice={"file_id": "a", "file_unique_id": "b", "duration": 3})},
        MediaIn("voice"),
    ),
    (
        "sticker",
        {
            "message": message(
                sticker={
                    "file_id": "a",
                    "file_unique_id": "b",
                    "width": 1,
                    "height": 1,
                    "is_animated": False,
                    "is_video": False,
                    "type": "regular",
                }
            )
        },
        MediaIn("sticker"),
    ),
    (
        "document",
        {"message": message(document={"file_id": "a", "file_unique_id": "b"})},
        MediaIn("document"),
    ),
    (
        "button",
        {
            "callback_query": {
                "id": "77",
                "from": USER,
                "chat_instance": "1",
                "data": "onboarding.choose_language:uk",
                "message": message(text="Welche Sprache?"),
            }
        },
        ChoiceIn("onboarding.choose_language:uk"),
    ),
    ("edited", {"edited_message": message(text="x")}, None),
    ("service message", {"message": message(new_chat_title="x")}, None),
    ("channel post", {"channel_post": message({"id": -5, "type": "channel"}, text="x")}, None),
]


@pytest.mark.parametrize(
    ("payload", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_private_updates_become_events(payload: dict[str, Any], expected: object) -> None:
    parsed = parse_json({"update_id": 31, **payload}, NOW, username=BOT)
    if expected is None:
        assert parsed is None
        return
    assert isinstance(parsed, Private)
    inbound = parsed.inbound
    assert inbound.event == expected
    assert inbound.channel == "telegram"
    assert inbound.address == "4711"
    assert inbound.external_id == "update:31"
    assert inbound.language_hint == "uk"
    assert inbound.received_at == NOW


def test_a_button_press_carries_what_answering_it_needs() -> None:
    keyboard = {
        "inline_keyboard": [
            [
                {"text": "Deutsch", "callback_data": "l:de"},
                {"text": "Українська", "callback_data": "l:uk"},
            ]
        ]
    }
    payload = {
        "update_id": 3,
        "callback_query": {
            "id": "q1",
            "from": USER,
            "chat_instance": "1",
            "data": "l:uk",
            "message": message(text="?", reply_markup=keyboard),
        },
    }
    parsed = parse_json(payload, NOW, username=BOT)
    assert isinstance(parsed, Private) and parsed.callback is not None
    assert parsed.callback.query_id == "q1"
    assert parsed.callback.chat_id == 4711
    assert parsed.callback.message_id == 9
    assert parsed.callback.label == "Українська"


def test_groups() -> None:
    joined = parse_json(
        {"update_id": 1, "my_chat_member": member("left", "member")}, NOW, None, BOT
    )
    assert joined == GroupJoined("telegram", "-100123", "Frauentreff Hoya", "uk")
    left = parse_json(
        {"update_id": 2, "my_chat_member": member("member", "kicked")}, NOW, None, BOT
    )
    assert left == GroupLeft("telegram", "-100123")
    promoted = parse_json(
        {"update_id": 3, "my_chat_member": member("member", "administrator")}, NOW, None, BOT
    )
    assert promoted is None  # still there: no second greeting
    blocked = parse_json(
        {"update_id": 4, "my_chat_member": member("member", "kicked", PRIVATE)}, NOW, None, BOT
    )
    # She blocked the bot: a clear signal, so the next broadcast leaves her out at once.
    assert blocked == Reachability("telegram", "4711", False, NOW)
    unblocked = parse_json(
        {"update_id": 9, "my_chat_member": member("kicked", "member", PRIVATE)}, NOW, None, BOT
    )
    assert unblocked == Reachability("telegram", "4711", True, NOW)
    cmd = parse_json({"update_id": 5, "message": command(f"/help@{BOT}", GROUP)}, NOW, None, BOT)
    assert cmd == GroupCommand("telegram", "-100123", "update:5", "/help", "uk")
    talk = parse_json(
        {"update_id": 6, "message": message(GROUP, text="Hallo alle")}, NOW, None, BOT
    )
    assert talk is None  # ordinary group talk is not for us (and never stored)
    other = parse_json(
        {"update_id": 7, "message": command("/help@OtherBot", GROUP)}, NOW, None, BOT
    )
    assert other is None
    group_button = {
        "update_id": 8,
        "callback_query": {
            "id": "q",
            "from": USER,
            "chat_instance": "1",
            "data": "x",
            "message": message(GROUP, text="?"),
        },
    }
    assert parse_json(group_button, NOW, None, BOT) is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=20,
)
update_keys = st.sampled_from(
    [
        "update_id",
        "message",
        "callback_query",
        "my_chat_member",
        "edited_message",
        "chat",
        "text",
        "from",
        "data",
        "id",
        "date",
        "type",
        "message_id",
        "photo",
        "new_chat_members",
    ]
)
update_like = st.recursive(
    json_values,
    lambda children: st.dictionaries(update_keys, children, max_size=6),
    max_leaves=30,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        update_like,
        st.builds(
            lambda u, p: {"update_id": u, **p},
            st.integers(),
            st.dictionaries(update_keys, update_like, max_size=4),
        ),
    )
)
def test_any_json_gives_an_event_or_none_and_never_raises(data: Any) -> None:
    parsed = parse_json(data, NOW, username=BOT)
    assert parsed is None or isinstance(parsed, Private | GroupJoined | GroupLeft | GroupCommand)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_any_text_in_a_private_chat_is_an_event(text: str) -> None:
    parsed = parse_json({"update_id": 1, "message": message(text=text)}, NOW, username=BOT)
    assert isinstance(parsed, Private)
    assert isinstance(parsed.inbound.event, TextIn | StartIn)
