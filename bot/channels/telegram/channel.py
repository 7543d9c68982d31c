"""The Telegram channel: python-telegram-bot's ``Bot`` as a transport, nothing more.

The flow engine stays channel-neutral (no ``ConversationHandler``, no PTB ``Application``):
updates arrive by long polling (:meth:`TelegramChannel.poll`) or webhook
(``bot.channels.telegram.webhook``), are parsed (``parse.py``) into
:class:`bot.channels.messages.Inbound` and go
through the same inbound pipeline as every other channel; replies leave through the outbox
dispatcher, which calls :meth:`TelegramChannel.send` within Telegram's rate limits
(``bot.outbox.ratelimit``).

Transport actions happen here, at once, and are not outbox messages: every button press is
answered (``answerCallbackQuery``) and its keyboard replaced by one inert "✓ label" button, so
an old keyboard cannot be pressed twice; "◀️ / ▶️" turn a long keyboard's page by editing it.

Group chats (DESIGN.md §4: privacy mode on, the bot needs only its commands): being added
records the group and greets it once; a command there gets one neutral answer pointing to the
private chat.  Nothing about a person is ever posted in a group.

Logs never contain chat ids or texts: update ids, counts and error classes only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import warnings
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError
from telegram import Bot, BotCommand, InputFile, Update
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
from bot.channels.messages import Inbound, Outbound, SendResult
from bot.channels.telegram import render
from bot.channels.telegram.parse import (
    CHANNEL,
    Callback,
    GroupCommand,
    GroupJoined,
    GroupLeft,
    Private,
    parse_update,
)
from bot.channels.telegram.texts import COMMAND_DESCRIPTIONS, GROUP_GREETING, GROUP_PRIVATE_ONLY
from bot.db.tables import organisations, outbox, telegram_groups
from bot.features.courses.ics import session_calendar_file
from bot.features.invites.service import organisation_for_code
from bot.identity import lookup_key
from bot.settings import Settings
from conversations.events import ChoiceIn, Reply, StartIn
from conversations.flow_engine import FlowEngine
from conversations.texts import Text

log = logging.getLogger(__name__)

# Opt in to python-telegram-bot's coming behaviour (durations as ``timedelta``); otherwise it
# warns on every 429 it raises.  ``retry_after_seconds`` handles both forms.
os.environ.setdefault("PTB_TIMEDELTA", "true")


#: The updates the bot asks Telegram for.
ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member")

#: How often an update that failed to be handled is tried again before it is skipped.
UPDATE_ATTEMPTS = 3


class _ClientError(BadRequest):
    """A 4xx answer python-telegram-bot has no class for (it would call it a NetworkError)."""


class _Request(HTTPXRequest):
    """``HTTPXRequest`` that keeps "4xx" apart from "5xx": the first is final, the second not."""

    _KNOWN = frozenset({400, 401, 403, 404, 409, 429})

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        code, payload = await super().do_request(*args, **kwargs)
        if 400 <= code < 500 and code not in self._KNOWN:
            raise _ClientError(f"HTTP {code}: {payload[:200].decode(errors='replace')}")
        return code, payload


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


#: How long a session's calendar file is reused before it is read again (a moved session).
CALENDAR_CACHE = timedelta(minutes=1)


def _calendar_session(message: Outbound) -> int | None:
    """The session a course reminder is about, if the message is one."""
    if message.kind != "course_reminder":
        return None
    try:
        return int(message.values.get("session", ""))
    except (TypeError, ValueError):
        return None


class TelegramChannel:
    """Sends to and receives from Telegram for one bot token."""

    name = CHANNEL

    def __init__(
        self,
        settings: Settings,
        db: Engine,
        flow_engine: FlowEngine,
        clock: Callable[[], datetime],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        assert settings.telegram_token, "the Telegram channel needs TWC_TELEGRAM_TOKEN"
        self.settings = settings
        self.db = db
        self.flow_engine = flow_engine
        self.clock = clock
        self.sleep = sleep
        self.bot = Bot(
            settings.telegram_token,
            base_url=settings.telegram_api_url,
            request=_Request(connection_pool_size=16, read_timeout=15.0, media_write_timeout=None),
            get_updates_request=_Request(read_timeout=settings.telegram_poll_timeout + 10.0),
        )
        self.username: str | None = None
        self._submit: Callable[[Inbound], Awaitable[Any]] | None = None
        self._wake: Callable[[], None] = lambda: None
        self._ready = False
        self._calendars: dict[tuple[int, str], tuple[datetime, str | None]] = {}

    # ---- wiring and start-up --------------------------------------------------------------

    def attach(
        self, submit: Callable[[Inbound], Awaitable[Any]], wake: Callable[[], None]
    ) -> None:
        """Where parsed events go (the inbound pipeline) and whom to tell about new outbox rows."""
        self._submit = submit
        self._wake = wake

    async def ensure_ready(self) -> bool:
        """Initialise the bot (``getMe``) if that has not worked yet; ``False`` if it failed."""
        if self._ready:
            return True
        try:
            await self.bot.initialize()
            self.username = self.bot.username
        except TelegramError as error:
            log.warning("telegram: getMe failed (%s); will try again", type(error).__name__)
            return False
        self._ready = True
        return True

    async def start(self) -> None:
        """Initialise, set the command menu per language, and register or remove the webhook.

        Nothing here may stop the bot from starting: a failure is logged and the rest goes on.
        """
        if not await self.ensure_ready():
            return
        await self.set_commands()
        try:
            if self.settings.telegram_effective_mode == "webhook":
                await self.bot.set_webhook(
                    self.settings.telegram_webhook_url,
                    secret_token=self.settings.telegram_webhook_secret,
                    allowed_updates=list(ALLOWED_UPDATES),
                )
                log.info("telegram: webhook registered")
            else:
                await self.bot.delete_webhook()
        except TelegramError as error:
            log.warning("telegram: setting the webhook failed: %s", type(error).__name__)

    async def set_commands(self) -> int:
        """``setMyCommands`` in every language (and the master language as the default)."""
        table = self.flow_engine.languages
        catalogs = self.flow_engine.catalogs
        done = 0
        for language in (None, *table.languages):
            if language is not None and len(language.code) != 2:
                continue  # Telegram takes two-letter codes only (Dari users see Persian's)
            shown = language or table.get(table.master)
            commands = [
                BotCommand(name, catalogs.translate(shown, text)[:256])
                for name, text in COMMAND_DESCRIPTIONS.items()
            ]
            try:
                await self.bot.set_my_commands(
                    commands, language_code=language.code if language else None
                )
                done += 1
            except BadRequest as error:  # this language refused: the others may still work
                log.warning("telegram: setMyCommands refused one language (%s)", error.message)
            except TelegramError as error:  # the method itself is unavailable: stop trying
                log.warning(
                    "telegram: setMyCommands failed (%s); the command menu stays as it was",
                    type(error).__name__,
                )
                break
        return done

    async def stop(self) -> None:
        """Close the HTTP connections."""
        if self._ready:
            with contextlib.suppress(TelegramError):
                await self.bot.shutdown()
            self._ready = False

    # ---- outbound -------------------------------------------------------------------------

    async def send(self, address: str, message: Outbound) -> SendResult:
        """Send one message (in parts if it is long); the keyboard goes under the last part.

        A course reminder first brings the session as a calendar file (``.ics``), so that she
        can add it with one tap; the question with its buttons stays the last thing she sees.
        The file's place is part 0 whenever the message is a reminder, even if the session is
        gone by now, so that a retry after a partial send resumes at the right part.
        """
        session = _calendar_session(message)
        parts: list[str | None] = [None] if session is not None else []
        parts += render.split_text(message.text)
        markup = render.keyboard(message.choices)
        sent_id = None
        delivered = message.parts_sent  # an earlier attempt got this far: send only the rest
        try:
            for index in range(delivered, len(parts)):
                if index > message.parts_sent:  # parts of one message keep the chat interval
                    await self.sleep(self.settings.telegram_chat_interval)
                part = parts[index]
                if part is None:
                    assert session is not None
                    calendar = await self._calendar_file(session, message)
                    if calendar is not None:
                        name, data = calendar
                        await self.bot.send_document(
                            chat_id(address), InputFile(data, filename=name)
                        )
                else:
                    last = index == len(parts) - 1
                    sent = await self.bot.send_message(
                        chat_id(address), part, reply_markup=markup if last else None
                    )
                    sent_id = sent.message_id
                delivered = index + 1
        except TelegramError as error:
            classified = send_error(error)
            classified.parts_sent = delivered
            raise classified from error
        return SendResult(external_id=self.message_key(address, sent_id))

    async def _calendar_file(self, session: int, message: Outbound) -> tuple[str, bytes] | None:
        """The ``.ics`` of a reminder's session, named by its course and date in her language;
        ``None`` if the session is gone.  Many reminders go out for one session at once, so
        each file is read once a minute at most, not once per recipient."""
        now = self.clock()
        key = (session, message.language)
        cached = self._calendars.get(key)
        if cached is None or now - cached[0] > CALENDAR_CACHE:
            if len(self._calendars) > 1000:
                self._calendars.clear()
            text = await asyncio.to_thread(
                session_calendar_file, self.db, session, message.language, now
            )
            cached = self._calendars[key] = (now, text)
        if cached[1] is None:
            return None
        values = message.values
        label = " ".join(str(values[key]) for key in ("course", "date") if values.get(key))
        name = re.sub(r'[\\/:*?"<>|\n\r\t]+', " ", label).strip()[:80] or "kurs"
        return f"{name}.ics", cached[1].encode()

    def message_key(self, address: str, message_id: int | None) -> str | None:
        """The outbox ``external_id`` of a sent message: its id and a pseudonym of the chat."""
        if message_id is None:
            return None
        chat = lookup_key(self.settings.secret_key, CHANNEL, address)[:16]
        return f"{message_id}@{chat}"

    # ---- inbound --------------------------------------------------------------------------

    async def poll(self, stop: asyncio.Event) -> None:
        """Long-poll ``getUpdates`` until ``stop`` is set (polling mode)."""
        offset: int | None = None
        failures = 0
        tries: dict[int, int] = defaultdict(int)
        timeout = self.settings.telegram_poll_timeout
        interval = self.settings.telegram_poll_interval
        while not stop.is_set():
            if not await self.ensure_ready():
                failures += 1
                await _wait(stop, min(30.0, 2.0**failures))
                continue
            try:
                updates = await self.bot.get_updates(
                    offset=offset, timeout=timeout, allowed_updates=list(ALLOWED_UPDATES)
                )
                failures = 0
            except TelegramError as error:
                failures += 1
                log.warning("telegram: getUpdates failed: %s", type(error).__name__)
                await _wait(stop, min(30.0, 2.0**failures))
                continue
            if updates:
                failed = await self.handle_updates(updates)
                done = [u.update_id for u in updates if u.update_id not in failed]
                for update_id in failed:
                    tries[update_id] += 1
                retry = [i for i in failed if tries[i] < UPDATE_ATTEMPTS]
                for update_id in failed:
                    if tries[update_id] >= UPDATE_ATTEMPTS:
                        log.error(
                            "telegram: update %d skipped after %d failures",
                            update_id,
                            UPDATE_ATTEMPTS,
                        )
                        tries.pop(update_id, None)
                # Telegram forgets everything below the offset: stop before a failed update.
                ids = sorted(done + [i for i in failed if i not in retry])
                if retry:
                    ids = [i for i in ids if i < min(retry)]
                    offset = (max(ids) + 1) if ids else offset
                    await _wait(stop, 1.0)
                elif ids:
                    offset = max(ids) + 1
            if interval and not updates:
                await _wait(stop, interval)

    async def handle_updates(self, updates: Sequence[Update]) -> set[int]:
        """Handle updates; chats in parallel, each chat's in order.  Returns failed ids."""
        by_chat: dict[Any, list[Update]] = defaultdict(list)
        for update in updates:
            chat = update.effective_chat
            by_chat[chat.id if chat is not None else None].append(update)
        failed: set[int] = set()

        async def one_chat(chat_updates: list[Update]) -> None:
            for update in chat_updates:
                try:
                    await self.handle_update(update)
                except Exception:
                    log.exception("telegram: update %d failed", update.update_id)
                    failed.add(update.update_id)

        await asyncio.gather(*(one_chat(u) for u in by_chat.values()))
        log.debug("telegram: %d update(s) handled", len(updates))
        return failed

    async def handle_update(self, update: Update) -> None:
        """Turn one update into an event for the flows, or a group action."""
        parsed = parse_update(update, self.clock(), self.username)
        if parsed is None:
            return
        if isinstance(parsed, Private):
            await self._private(parsed)
        elif isinstance(parsed, GroupJoined):
            await asyncio.to_thread(self._group_joined, parsed)
            self._wake()
        elif isinstance(parsed, GroupLeft):
            await asyncio.to_thread(self._group_left, parsed)
        elif isinstance(parsed, GroupCommand):
            await asyncio.to_thread(self._group_command, parsed)
            self._wake()

    async def _private(self, parsed: Private) -> None:
        inbound = parsed.inbound
        callback = parsed.callback
        if callback is not None:
            await self._answer(callback)
            data = callback.data
            if data == render.NO_OP:
                return
            if data.startswith(render.PAGE_PREFIX):
                await self._turn_page(callback)
                return
            if data.startswith(render.HASH_PREFIX):
                choices = await asyncio.to_thread(self._stored_choices, callback)
                choice_id = render.resolve_callback(data, [c for c, _ in choices])
                if choice_id is None:
                    return
                inbound = replace(inbound, event=ChoiceIn(choice_id))
            await self._mark_chosen(callback)
        event = inbound.event
        if isinstance(event, StartIn) and event.code:
            slug = await asyncio.to_thread(organisation_for_code, self.db, event.code)
            if slug is not None:
                inbound = replace(inbound, organisation_slug=slug)
        assert self._submit is not None, "attach() the adapter to the pipeline first"
        await self._submit(inbound)
        self._wake()

    async def _answer(self, callback: Callback) -> None:
        try:
            await self.bot.answer_callback_query(callback.query_id)
        except TelegramError as error:  # too old (15 s) or already answered: nothing to do
            log.info("telegram: answerCallbackQuery failed: %s", type(error).__name__)

    async def _mark_chosen(self, callback: Callback) -> None:
        if callback.chat_id is None or callback.message_id is None:
            return
        try:
            await self.bot.edit_message_reply_markup(
                chat_id=callback.chat_id,
                message_id=callback.message_id,
                reply_markup=render.chosen_keyboard(callback.label),
            )
        except TelegramError as error:  # "message is not modified", too old to edit…
            log.info("telegram: editing a pressed keyboard failed: %s", type(error).__name__)

    async def _turn_page(self, callback: Callback) -> None:
        if callback.chat_id is None or callback.message_id is None:
            return
        try:
            page = int(callback.data.removeprefix(render.PAGE_PREFIX))
        except ValueError:
            return
        choices = await asyncio.to_thread(self._stored_choices, callback)
        if not choices:
            return
        try:
            await self.bot.edit_message_reply_markup(
                chat_id=callback.chat_id,
                message_id=callback.message_id,
                reply_markup=render.keyboard(choices, page),
            )
        except TelegramError as error:
            log.info("telegram: turning a keyboard page failed: %s", type(error).__name__)

    def _stored_choices(self, callback: Callback) -> list[tuple[str, str]]:
        """The full choice list of the message a button belongs to (from its outbox row)."""
        key = self.message_key(str(callback.chat_id), callback.message_id)
        with self.db.connect() as conn:
            payload = conn.execute(
                select(outbox.c.payload)
                .where(outbox.c.channel == CHANNEL, outbox.c.external_id == key)
                .limit(1)
            ).scalar()
        if not payload:
            return []
        return list(Outbound.from_payload(payload).choices)

    # ---- groups ---------------------------------------------------------------------------

    def _group_joined(self, joined: GroupJoined) -> None:
        now = self.clock()
        chat = str(joined.chat_id)
        with self.db.begin() as conn:
            organisation_id = conn.execute(
                select(organisations.c.id).where(
                    organisations.c.slug == self.settings.default_organisation
                )
            ).scalar()
            known = conn.execute(
                select(telegram_groups.c.id).where(telegram_groups.c.chat_id == chat)
            ).scalar()
            if known is None:
                conn.execute(
                    insert(telegram_groups).values(
                        chat_id=chat,
                        title=joined.title[:256],
                        organisation_id=organisation_id,
                        status="member",
                        added_at=now,
                    )
                )
            else:
                conn.execute(
                    sql_update(telegram_groups)
                    .where(telegram_groups.c.id == known)
                    .values(status="member", title=joined.title[:256])
                )
        self._post_to_group(
            chat, f"telegram:group-greeting:{chat}", GROUP_GREETING, joined.language, now
        )
        log.info("telegram: added to a group")

    def _group_left(self, left: GroupLeft) -> None:
        with self.db.begin() as conn:
            conn.execute(
                sql_update(telegram_groups)
                .where(telegram_groups.c.chat_id == str(left.chat_id))
                .values(status="left")
            )
        log.info("telegram: removed from a group")

    def _group_command(self, command: GroupCommand) -> None:
        self._post_to_group(
            str(command.chat_id),
            f"telegram:update:{command.update_id}:0",
            GROUP_PRIVATE_ONLY,
            command.language,
            self.clock(),
        )

    def _post_to_group(
        self, chat: str, key: str, text: Text, language_code: str | None, now: datetime
    ) -> None:
        """Queue a neutral text for a group, once per ``key`` (the outbox's idempotency)."""
        table = self.flow_engine.languages
        language = table.get(language_code) or table.get(table.master)
        assert language is not None
        link = f"https://t.me/{self.username}" if self.username else ""
        body = self.flow_engine.catalogs.translate(language, text).replace("{bot}", link)
        reply = Reply(body, (), language.code, language.rtl)
        try:
            with self.db.begin() as conn:
                conn.execute(
                    insert(outbox).values(
                        idempotency_key=key,
                        channel=CHANNEL,
                        address=chat,
                        kind="group",
                        priority=0,
                        payload=reply.to_payload(),
                        status="pending",
                        attempts=0,
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
        except IntegrityError:
            pass  # said already (the greeting is once per group; a command once per update)


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    """Sleep ``seconds`` unless ``stop`` is set first."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
