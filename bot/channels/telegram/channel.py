"""The Telegram channel: python-telegram-bot's ``Bot`` as a transport, nothing more.

The flow engine stays channel-neutral (no ``ConversationHandler``, no PTB ``Application``).
Updates arrive by long polling (:mod:`.polling`) or webhook (:mod:`.webhook`), are parsed
(:mod:`.parse`) into an :class:`~bot.channels.messages.Inbound` or a notice and handed to the
inbound service; a button press is answered and its keyboard replaced first (:mod:`.buttons`).
Replies leave through the outbox dispatcher, which calls :meth:`TelegramChannel.send` within
Telegram's rate limits; :mod:`.transport` renders and sends (:mod:`.render`: keyboards, 64-byte
callback data, splitting at 4 096 UTF-16 units) and classes the errors.

Group chats (privacy mode on: the bot needs only its commands) are notices for the
groups feature.  Logs never contain chat ids or texts: update ids, counts and error classes only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from telegram import Bot, BotCommand, Update
from telegram.error import BadRequest, TelegramError

from bot.channels.base import MAX_MEDIA_BYTES, InboundSink, MediaFile, Reach, SentChoices
from bot.channels.messages import GroupCommand, GroupJoined, Outbound, SendResult
from bot.channels.telegram import files, polling
from bot.channels.telegram.buttons import Buttons
from bot.channels.telegram.parse import CHANNEL, Private, parse_update
from bot.channels.telegram.transport import make_bot, send_message, send_poll
from bot.channels.telegram.webhook import webhook_route
from bot.identity import lookup_key
from bot.settings import Settings
from conversations.events import ChoiceIn

log = logging.getLogger(__name__)

CommandMenu = Mapping[str | None, Sequence[tuple[str, str]]]
"""Per language code (``None``: the default menu): ``(command, description)`` pairs."""


class TelegramChannel:
    """Sends to and receives from Telegram for one bot token."""

    name = CHANNEL
    sends_files = True
    """A reminder brings its session's calendar file."""

    def __init__(
        self,
        settings: Settings,
        clock: Callable[[], datetime],
        sent_choices: SentChoices,
        command_menu: CommandMenu | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        assert settings.telegram_token, "the Telegram channel needs TWC_TELEGRAM_TOKEN"
        self.settings = settings
        self.clock = clock
        self.sleep = sleep
        self.command_menu = dict(command_menu or {})
        self.buttons = Buttons(
            make_bot(
                settings.telegram_token, settings.telegram_api_url, settings.telegram_poll_timeout
            ),
            sent_choices,
            self.message_key,
        )
        self.username: str | None = None
        self.sink: InboundSink | None = None
        """Where received events go (the inbound service); set by the runtime."""
        self._ready = False
        self._stop = asyncio.Event()
        self._polling: asyncio.Task[None] | None = None

    @property
    def bot(self) -> Bot:
        """python-telegram-bot's ``Bot`` (a test may put a recording fake in its place)."""
        return self.buttons.bot

    @bot.setter
    def bot(self, bot: Bot) -> None:
        self.buttons.bot = bot

    @property
    def webhook_mode(self) -> bool:
        """Updates arrive by webhook (a public HTTPS address is set), not by long polling."""
        return self.settings.telegram_effective_mode == "webhook"

    @property
    def bot_link(self) -> str:
        """A link to a private chat with the bot, once its name is known."""
        return f"https://t.me/{self.username}" if self.username else ""

    # ---- the channel's lifecycle ----------------------------------------------------------

    def routes(self, sink: InboundSink) -> list[Any]:
        """The webhook route, in webhook mode."""
        self.sink = sink
        if not self.webhook_mode:
            return []
        return [
            webhook_route(
                self.bot, self.settings.telegram_webhook_secret, self.handle_webhook_update
            )
        ]

    async def start(self, sink: InboundSink) -> None:
        """Initialise, set the command menu per language, register or remove the webhook,
        and start long polling when there is no webhook.

        Nothing here may stop the bot from starting: a failure is logged and the rest goes on.
        """
        self.sink = sink
        self._stop.clear()
        if await self.ensure_ready():
            await self.set_commands()
            try:
                if self.webhook_mode:
                    await self.bot.set_webhook(
                        self.settings.telegram_webhook_url,
                        secret_token=self.settings.telegram_webhook_secret,
                        allowed_updates=list(polling.ALLOWED_UPDATES),
                    )
                    log.info("telegram: webhook registered")
                else:
                    await self.bot.delete_webhook()
            except TelegramError as error:
                log.warning("telegram: setting the webhook failed: %s", type(error).__name__)
        if not self.webhook_mode:
            self._polling = asyncio.create_task(
                polling.poll(
                    self.bot,
                    self.ensure_ready,
                    self.handle_updates,
                    self._stop,
                    self.settings.telegram_poll_timeout,
                    self.settings.telegram_poll_interval,
                )
            )

    async def stop(self) -> None:
        """Stop polling and close the HTTP connections."""
        self._stop.set()
        if self._polling is not None:
            self._polling.cancel()  # a long poll would otherwise hold shutdown for its timeout
            with contextlib.suppress(asyncio.CancelledError):
                await self._polling
            self._polling = None
        if self._ready:
            with contextlib.suppress(TelegramError):
                await self.bot.shutdown()
            self._ready = False

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

    async def set_commands(self) -> int:
        """``setMyCommands`` in every language of the menu (and the default menu)."""
        done = 0
        for language, items in self.command_menu.items():
            commands = [BotCommand(name, text[:256]) for name, text in items]
            try:
                await self.bot.set_my_commands(commands, language_code=language)
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

    # ---- outbound -------------------------------------------------------------------------

    async def send(self, address: str, message: Outbound) -> SendResult:
        """Send one message (its files first, long text in parts, the keyboard last), or a
        native poll, whose external id is ``poll:<poll id>`` (votes name only the poll)."""
        if message.poll is not None:
            return SendResult(
                external_id=f"poll:{await send_poll(self.bot, address, message, self.clock())}"
            )
        sent_id = await send_message(
            self.bot, address, message, self.settings.telegram_chat_interval, self.sleep
        )
        return SendResult(external_id=self.message_key(address, sent_id))

    def can_reach(self, reach: Reach) -> bool:
        """Telegram takes any message while she has not blocked the bot."""
        return True

    async def fetch_media(self, reference: str, max_bytes: int = MAX_MEDIA_BYTES) -> MediaFile:
        """A file she sent (``telegram:file:<file_id>``), for the staff inbox (:mod:`.files`)."""
        return await files.fetch(self.bot, reference, max_bytes)

    def message_key(self, address: str, message_id: int | None) -> str | None:
        """The outbox ``external_id`` of a sent message: its id and a pseudonym of the chat."""
        if message_id is None:
            return None
        chat = lookup_key(self.settings.secret_key, CHANNEL, address)[:16]
        return f"{message_id}@{chat}"

    # ---- inbound --------------------------------------------------------------------------

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

    async def handle_webhook_update(self, update: Update) -> dict[str, Any] | None:
        """One update from the webhook; a button press is answered in the response."""
        callback = update.callback_query
        answered = callback is not None and isinstance(callback.id, str)
        await self.handle_update(update, answered=answered)
        if answered:
            assert callback is not None
            return {"method": "answerCallbackQuery", "callback_query_id": callback.id}
        return None

    async def handle_update(self, update: Update, answered: bool = False) -> None:
        """Hand one update to the inbound service: a person's message, or a notice.

        ``answered``: a button press was answered already (in the webhook's response)."""
        sink = self.sink
        assert sink is not None, "start() the channel or take its routes() first"
        parsed = parse_update(update, self.clock(), self.username)
        if parsed is None:
            return
        if not isinstance(parsed, Private):
            if isinstance(parsed, GroupJoined | GroupCommand):
                parsed = replace(parsed, bot_link=self.bot_link)
            await sink.notice(parsed)
            return
        inbound = parsed.inbound
        if parsed.callback is not None:
            choice_id = await self.buttons.press(parsed.callback, answered)
            if choice_id is None:
                return
            if choice_id != parsed.callback.data:
                inbound = replace(inbound, event=ChoiceIn(choice_id))
        await sink.receive(inbound)


def command_menu(
    languages: Sequence[str], translate: Callable[[str | None, Any], str], texts: Mapping[str, Any]
) -> dict[str | None, list[tuple[str, str]]]:
    """The command menu in every language Telegram takes (two-letter codes; Dari speakers see
    Persian's), and the master language's as the default (``None``)."""
    menu: dict[str | None, list[tuple[str, str]]] = {}
    for code in (None, *languages):
        if code is not None and len(code) != 2:
            continue
        menu[code] = [(name, translate(code, text)) for name, text in texts.items()]
    return menu


__all__ = ["CommandMenu", "TelegramChannel", "command_menu"]
