"""Telegram updates → channel-neutral events (private chats) or notices (groups, blocking).

``parse_update`` never raises: anything it does not understand (edited messages, channel
posts, a malformed update) is ``None`` and ignored; a private message of a kind it does not
know (a forwarded story, anything Telegram adds later) is :class:`MediaIn` ``other``, so she
still gets an answer.  A private chat's ``my_chat_member`` (she blocked or unblocked the bot)
is a :class:`Reachability` notice; a vote in one of the bot's polls (``poll_answer``) a
:class:`PollAnswer` notice (handled again harmlessly: a vote replaces the voter's last).
The chat id becomes the :class:`~bot.channels.messages.Inbound` address (stored only
encrypted; the lookup key is its HMAC), and
``update:<update_id>`` its external id, so a re-delivered update is handled once through the
``inbound_messages`` table.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telegram import Bot, Message, Update

from bot.channels.messages import (
    GroupCommand,
    GroupJoined,
    GroupLeft,
    Inbound,
    PollAnswer,
    Reachability,
)
from bot.channels.telegram.files import media_of
from conversations.events import ChoiceIn, Event, MediaIn, StartIn, TextIn
from conversations.matching import clean_text

log = logging.getLogger(__name__)

CHANNEL = "telegram"

#: Message attributes that are content we cannot read yet, and the kind we report.
MEDIA_KINDS = (
    ("photo", "photo"),
    ("voice", "voice"),
    ("video_note", "voice"),
    ("audio", "audio"),
    ("video", "video"),
    ("animation", "video"),
    ("sticker", "sticker"),
    ("document", "document"),
    ("location", "location"),
    ("venue", "location"),
    ("contact", "contact"),
    ("poll", "poll"),
    ("dice", "sticker"),
)
#: Message attributes that mark a service message: not something she said, no answer.
SERVICE_ATTRIBUTES = (
    "pinned_message",
    "new_chat_members",
    "left_chat_member",
    "new_chat_title",
    "new_chat_photo",
    "delete_chat_photo",
    "group_chat_created",
    "supergroup_chat_created",
    "message_auto_delete_timer_changed",
    "migrate_to_chat_id",
    "migrate_from_chat_id",
    "write_access_allowed",
    "users_shared",
    "chat_shared",
    "chat_background_set",
    "successful_payment",
    "refunded_payment",
    "connected_website",
    "proximity_alert_triggered",
    "video_chat_scheduled",
    "video_chat_started",
    "video_chat_ended",
    "video_chat_participants_invited",
    "forum_topic_created",
    "forum_topic_edited",
    "forum_topic_closed",
    "forum_topic_reopened",
    "general_forum_topic_hidden",
    "general_forum_topic_unhidden",
    "giveaway_created",
    "boost_added",
)
GROUP_TYPES = ("group", "supergroup")
MAX_TEXT = 20_000


@dataclass(frozen=True, slots=True)
class Callback:
    """What the adapter needs to answer a button press and edit the pressed keyboard."""

    query_id: str
    chat_id: int | None
    message_id: int | None
    data: str
    label: str | None
    """The pressed button's label, read from the message's keyboard."""


@dataclass(frozen=True, slots=True)
class Private:
    """Something she did in her private chat with the bot."""

    inbound: Inbound
    callback: Callback | None = None


Parsed = Private | GroupJoined | GroupLeft | GroupCommand | PollAnswer | Reachability


def parse_json(
    data: Any, now: datetime, bot: Bot | None = None, username: str | None = None
) -> Parsed | None:
    """Parse the JSON of one update; ``None`` for anything malformed or uninteresting."""
    if not isinstance(data, dict):
        return None
    try:
        update = Update.de_json(data, bot)
    except Exception:  # a malformed update from anywhere must not stop the others
        return None
    return parse_update(update, now, username)


def parse_update(
    update: Update | None, now: datetime, username: str | None = None
) -> Parsed | None:
    """Classify one update; ``username`` is the bot's (to recognise ``/help@OurBot``)."""
    try:
        return _parse(update, now, username)
    except Exception:
        return None


def _parse(update: Update | None, now: datetime, username: str | None) -> Parsed | None:
    if update is None or not isinstance(update.update_id, int):
        return None
    external_id = f"update:{update.update_id}"
    if update.poll_answer is not None:
        return _poll_answer(update, now)
    member = update.my_chat_member
    if member is not None and member.chat is not None:
        status = member.new_chat_member.status
        if member.chat.type == "private":  # she blocked the bot, or unblocked it
            if status in ("kicked", "left"):
                return Reachability(CHANNEL, str(member.chat.id), False, now)
            if status == "member":
                return Reachability(CHANNEL, str(member.chat.id), True, now)
            return None
        if member.chat.type not in GROUP_TYPES:
            return None
        if status in ("member", "administrator"):
            if member.old_chat_member.status in ("left", "kicked"):
                return GroupJoined(
                    CHANNEL, str(member.chat.id), member.chat.title or "", _lang(member)
                )
            return None
        if status in ("left", "kicked"):
            return GroupLeft(CHANNEL, str(member.chat.id))
        return None
    query = update.callback_query
    if query is not None:
        message = query.message if isinstance(query.message, Message) else None
        chat = message.chat if message is not None else None
        if chat is not None and chat.type != "private":
            return None
        address = chat.id if chat is not None else query.from_user.id
        data = query.data
        if not isinstance(data, str) or not data:
            return None
        callback = Callback(
            query_id=str(query.id),
            chat_id=address,
            message_id=message.message_id if message is not None else None,
            data=data,
            label=_label_of(message, data),
        )
        inbound = Inbound(
            channel=CHANNEL,
            address=str(address),
            external_id=external_id,
            event=ChoiceIn(data),
            received_at=now,
            language_hint=query.from_user.language_code,
        )
        return Private(inbound, callback)
    message = update.message
    if message is None or message.chat is None:
        # Edited messages, channel posts, kinds Telegram adds later: logged by type only.
        kinds = sorted(k for k in update.to_dict() if k != "update_id")
        shown = ",".join(k[:32] for k in kinds[:3]) or "empty"
        log.info("telegram: an update we do not handle (%s)", shown)
        return None
    chat = message.chat
    if chat.type in GROUP_TYPES:
        return _group_message(update.update_id, message, username)
    if chat.type != "private":
        return None
    event = _event_of(message, username)
    if event is None:
        return None
    user = message.from_user
    return Private(
        Inbound(
            channel=CHANNEL,
            address=str(chat.id),
            external_id=external_id,
            event=event,
            received_at=now,
            language_hint=user.language_code if user is not None else None,
            media=media_of(message),
        )
    )


def _poll_answer(update: Update, now: datetime) -> PollAnswer | None:
    """A vote in one of the bot's polls: the poll, who voted (a user, or a chat voting as
    itself) and the chosen options' positions (none: the vote was taken back)."""
    answer = update.poll_answer
    assert answer is not None
    voter = answer.user.id if answer.user is not None else None
    if voter is None and answer.voter_chat is not None:
        voter = answer.voter_chat.id
    if voter is None or not answer.poll_id:
        return None
    options = tuple(int(i) for i in answer.option_ids if isinstance(i, int) and 0 <= i < 100)
    return PollAnswer(CHANNEL, str(answer.poll_id), str(voter), options, now)


def _lang(member: Any) -> str | None:
    user = getattr(member, "from_user", None)
    return getattr(user, "language_code", None)


def _command(text: str, username: str | None) -> tuple[str, str] | None:
    """``("/start", "argument")`` for a command to us, else ``None``."""
    if not text.startswith("/"):
        return None
    head, _, rest = text.partition(" ")
    name, _, target = head.partition("@")
    if target and (username is None or target.lower() != username.lower()):
        return None  # a command for another bot
    return name.lower(), rest.strip()


def _event_of(message: Message, username: str | None) -> Event | None:
    text = message.text
    if isinstance(text, str):
        text = text[:MAX_TEXT]
        command = _command(text.strip(), username)
        if command is not None:
            name, argument = command
            if name == "/start":
                return StartIn(clean_text(argument)[:64] or None)
            return TextIn(f"{name} {argument}".strip())
        return TextIn(text)
    for attribute, kind in MEDIA_KINDS:
        if getattr(message, attribute, None):
            return MediaIn(kind)
    if any(getattr(message, attribute, None) for attribute in SERVICE_ATTRIBUTES):
        return None  # service messages (pinned, auto-delete timer…): nothing she said
    log.info("telegram: a private message of an unknown kind (%s)", _kind_of(message))
    return MediaIn("other")


def _group_message(update_id: int, message: Message, username: str | None) -> Parsed | None:
    chat = message.chat
    joined = message.new_chat_members or ()
    if username and any(
        (u.username or "").lower() == username.lower() and u.is_bot for u in joined
    ):
        return GroupJoined(CHANNEL, str(chat.id), chat.title or "", _lang(message))
    if isinstance(message.text, str):
        command = _command(message.text.strip(), username)
        if command is not None:
            user = message.from_user
            return GroupCommand(
                CHANNEL,
                str(chat.id),
                f"update:{update_id}",
                command[0],
                user.language_code if user else None,
            )
    return None  # ordinary group talk is not for us


def _kind_of(message: Message) -> str:
    """What kind of message it is, for a log line (never its content)."""
    attachment = getattr(message, "effective_attachment", None)
    if attachment is not None:
        return type(attachment).__name__
    api = getattr(message, "api_kwargs", None) or {}
    return ",".join(str(k)[:32] for k in sorted(api)[:3]) or "unknown"


def _label_of(message: Message | None, data: str) -> str | None:
    markup = message.reply_markup if message is not None else None
    if markup is None:
        return None
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return button.text
    return None
