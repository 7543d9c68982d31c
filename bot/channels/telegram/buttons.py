"""Button presses: answered at once, the pressed keyboard replaced, pages turned, short
callback data resolved.

Transport actions, not outbox messages: every press is answered (``answerCallbackQuery``, or
Telegram shows a spinner), its keyboard becomes one inert "✓ label" button so an old keyboard
cannot be pressed twice, and "◀️ / ▶️" turn a long keyboard's page by editing it.  A choice id
too long for Telegram's 64 bytes travels as a hash, resolved against the buttons of the message
it was pressed on (:data:`bot.channels.base.SentChoices`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram import Bot
from telegram.error import TelegramError

from bot.channels.base import SentChoices
from bot.channels.telegram import render
from bot.channels.telegram.parse import CHANNEL, Callback

log = logging.getLogger(__name__)

MessageKey = Callable[[str, int | None], str | None]
"""``(chat, message id) → the outbox's external id`` of a sent message."""


class Buttons:
    """What happens on Telegram's side when she presses a button."""

    def __init__(self, bot: Bot, sent_choices: SentChoices, message_key: MessageKey) -> None:
        self.bot = bot
        self.sent_choices = sent_choices
        self.message_key = message_key

    async def press(self, callback: Callback, answered: bool = False) -> str | None:
        """Answer the press (unless ``answered`` elsewhere: a webhook's response); the choice
        id it stands for, or ``None`` when it was handled here (a page turned, an inert
        button) or cannot be resolved any more."""
        if not answered:
            await self._answer(callback)
        data = callback.data
        if data == render.NO_OP:
            return None
        if data.startswith(render.PAGE_PREFIX):
            await self._turn_page(callback)
            return None
        choice_id: str | None = data
        if data.startswith(render.HASH_PREFIX):
            choices = await self._choices(callback)
            choice_id = render.resolve_callback(data, [c for c, _ in choices])
            if choice_id is None:
                return None
        await self._mark_chosen(callback)
        return choice_id

    async def _choices(self, callback: Callback) -> list[tuple[str, str]]:
        key = self.message_key(str(callback.chat_id), callback.message_id)
        if key is None:
            return []
        return await self.sent_choices(CHANNEL, key)

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
        choices = await self._choices(callback)
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


__all__ = ["Buttons"]
