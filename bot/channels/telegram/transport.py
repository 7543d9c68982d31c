"""python-telegram-bot's ``Bot`` as a transport: the HTTP client, sending, and error classes.

Only this module and its neighbours in ``bot/channels/telegram/`` know python-telegram-bot.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot, InputFile
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.request import HTTPXRequest

from bot.channels.base import SendError
from bot.channels.messages import Outbound
from bot.channels.telegram import render
from bot.channels.telegram.files import file_url_of

# Opt in to python-telegram-bot's coming behaviour (durations as ``timedelta``); otherwise it
# warns on every 429 it raises.  ``retry_after_seconds`` handles both forms.
os.environ.setdefault("PTB_TIMEDELTA", "true")


class _ClientError(BadRequest):
    """A 4xx answer python-telegram-bot has no class for (it would call it a NetworkError)."""


class TelegramRequest(HTTPXRequest):
    """``HTTPXRequest`` that keeps "4xx" apart from "5xx": the first is final, the second not."""

    _KNOWN = frozenset({400, 401, 403, 404, 409, 429})

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        code, payload = await super().do_request(*args, **kwargs)
        if 400 <= code < 500 and code not in self._KNOWN:
            raise _ClientError(f"HTTP {code}: {payload[:200].decode(errors='replace')}")
        return code, payload


def make_bot(token: str, api_url: str, poll_timeout: float) -> Bot:
    """A ``Bot`` with a 16-connection pool for sends and its own client for long polls."""
    return Bot(
        token,
        base_url=api_url,
        base_file_url=file_url_of(api_url),
        request=TelegramRequest(
            connection_pool_size=16, read_timeout=15.0, media_write_timeout=None
        ),
        get_updates_request=TelegramRequest(read_timeout=poll_timeout + 10.0),
    )


def retry_after_seconds(error: RetryAfter) -> float:
    """``retry_after`` in seconds, without python-telegram-bot's deprecation warning."""
    value = getattr(error, "_retry_after", None)
    if value is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = error.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


def send_error(error: TelegramError) -> SendError:
    """A python-telegram-bot error classed for the dispatcher (courier's error table)."""
    if isinstance(error, RetryAfter):
        seconds = retry_after_seconds(error)
        return SendError(
            f"telegram 429: retry after {seconds:g} s", retryable=True, retry_after=seconds
        )
    if isinstance(error, Forbidden):
        return SendError(f"telegram 403: {error.message}", retryable=False, unreachable=True)
    if isinstance(error, ChatMigrated):
        return SendError("telegram: the group became a supergroup", retryable=False)
    if isinstance(error, InvalidToken):
        return SendError(f"telegram 401/404: {error.message}", retryable=False)
    if isinstance(error, BadRequest):  # 400 and every other 4xx
        return SendError(f"telegram 4xx: {error.message}", retryable=False)
    if isinstance(error, NetworkError):  # time-outs, connection errors, 5xx
        return SendError(f"telegram network/5xx: {error.message}", retryable=True)
    return SendError(f"telegram: {type(error).__name__}: {error.message}", retryable=False)


def chat_id(address: str) -> int | str:
    """Telegram chat ids are integers; channel usernames (``@name``) stay text."""
    try:
        return int(address)
    except ValueError:
        return address


async def send_message(
    bot: Bot,
    address: str,
    message: Outbound,
    chat_interval: float,
    sleep: Callable[[float], Awaitable[None]],
) -> int | None:
    """Send one message in parts: its files first, then its text (split if long), the
    keyboard under the last part.  Returns the last text part's message id.

    An earlier, interrupted attempt got ``message.parts_sent`` parts out: only the rest go.
    A file that is gone (``None``) still counts as a part, so a retry resumes at the right one.
    """
    parts: list[Any] = [*message.attachments, *render.split_text(message.text)]
    files = len(message.attachments)
    markup = render.keyboard(message.choices)
    sent_id = None
    delivered = message.parts_sent
    try:
        for index in range(delivered, len(parts)):
            if index > message.parts_sent:  # parts of one message keep the chat interval
                await sleep(chat_interval)
            part = parts[index]
            if index < files:
                if part is not None:
                    await bot.send_document(
                        chat_id(address), InputFile(part.data, filename=part.filename)
                    )
            else:
                last = index == len(parts) - 1
                sent = await bot.send_message(
                    chat_id(address), part, reply_markup=markup if last else None
                )
                sent_id = sent.message_id
            delivered = index + 1
    except TelegramError as error:
        classified = send_error(error)
        classified.parts_sent = delivered
        raise classified from error
    return sent_id


#: Telegram's limits for a poll: the question and each option (characters), and options.
POLL_QUESTION_MAX = 300
POLL_OPTION_MAX = 100
POLL_OPTIONS_MAX = 10
#: How far ahead Telegram takes a poll's ``close_date`` (seconds; ``Poll.MIN/MAX_OPEN_PERIOD``).
POLL_OPEN_MIN, POLL_OPEN_MAX = 5, 2_628_000


async def send_poll(bot: Bot, address: str, message: Outbound, now: datetime) -> str:
    """Send ``message.poll`` as a native poll (``sendPoll``): not anonymous, so a vote names its
    voter (who is then counted once, with her chat vote); several answers when ``multiple``;
    closed by Telegram at ``closes_at`` when that is within the range Telegram takes (else it
    stays open, and votes after the deadline are ignored by the bot).
    Returns the poll's id, the only thing a ``poll_answer`` update names."""
    poll = message.poll
    assert poll is not None
    close_date = None
    if poll.closes_at is not None:
        ahead = poll.closes_at - now.timestamp()
        close_date = poll.closes_at if POLL_OPEN_MIN < ahead <= POLL_OPEN_MAX else None
    try:
        sent = await bot.send_poll(
            chat_id(address),
            poll.question[:POLL_QUESTION_MAX],
            [option[:POLL_OPTION_MAX] for option in poll.options[:POLL_OPTIONS_MAX]],
            is_anonymous=False,
            allows_multiple_answers=poll.multiple,
            close_date=close_date,
        )
    except TelegramError as error:
        raise send_error(error) from error
    if sent.poll is None:  # Telegram always answers with the poll; anything else is broken
        raise SendError("telegram: sendPoll answered without a poll", retryable=False)
    return str(sent.poll.id)


__all__ = [
    "TelegramRequest",
    "chat_id",
    "make_bot",
    "retry_after_seconds",
    "send_error",
    "send_message",
    "send_poll",
]
