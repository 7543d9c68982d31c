"""The one inbound path: every channel hands its events here, and only here.

``receive`` takes a person's message from any channel (simulator, Telegram polling or webhook,
Twilio's webhook, ``twc chat``).  Concurrent messages are queued and handed to the turn service
as one batch (:class:`bot.turns.TurnService`): one transaction records the inbound ids (a
re-delivery changes nothing), finds or creates the person (an invite code on a first
``/start`` picks her organisation), runs the flow engine and writes the state and every effect
— replies included, as outbox rows.  Under load batches grow by themselves, so a thousand
waiting messages cost a few dozen commits, while a lone message is handled at once; no request
handler blocks a thread while it waits.  After the commit the dispatcher is woken.

Before anything else each message passes the sender's flood limit (:mod:`bot.inbound.flood`):
beyond it, one "slow down" text and then nothing for a minute, at the cost of a dictionary
look-up.  Batches are taken round-robin across senders (one message of each waiting sender in
turn, each sender's in order), so whoever writes during someone else's flood is in the very next
batch, never behind the flood.

``notice`` takes what a platform reports that is not a message (the bot joined a group, she
blocked the bot, a delivery status) and hands it to the handler registered for its type.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from bot.channels.messages import Inbound, Notice
from bot.inbound.flood import FloodGuard, Verdict
from bot.turns.outcome import HandleOutcome
from bot.turns.service import TurnService
from conversations.events import TooFastIn

log = logging.getLogger(__name__)

NoticeHandler = Callable[[Any], bool]
"""Handles one notice (in a worker thread); returns whether the dispatcher has work now."""
_Waiting = tuple[Inbound, "asyncio.Future[HandleOutcome]"]


class InboundService:
    """Batches concurrent inbound events into shared transactions; routes notices."""

    def __init__(
        self,
        turns: TurnService,
        notice_handlers: Mapping[type, NoticeHandler] | None = None,
        wake: Callable[[], None] = lambda: None,
        max_batch: int = 200,
        keep_media: Callable[[int, Inbound], object] | None = None,
        flood: FloodGuard | None = None,
        limited_channels: frozenset[str] = frozenset(),
    ) -> None:
        self.turns = turns
        self.keep_media = keep_media
        """Keeps what files she sent (type and URL) once the turn is stored."""
        self.notice_handlers = dict(notice_handlers or {})
        self.wake = wake
        self.max_batch = max_batch
        self.flood = flood
        """Per-sender flood limits (``None``: none)."""
        self.limited_channels = limited_channels
        """The channels whose senders the flood limit applies to (not the simulator)."""
        self._waiting: OrderedDict[tuple[str, str], deque[_Waiting]] = OrderedDict()
        """Per sender, her messages not yet in a batch (in order); senders in turn order."""
        self._drain: asyncio.Task[None] | None = None

    async def receive(self, inbound: Inbound) -> HandleOutcome:
        """Handle one message; returns when its transaction has committed (or at once when it
        is dropped by the flood limit: ``dropped`` is set and nothing was stored)."""
        if self.flood is not None and inbound.channel in self.limited_channels:
            verdict = self.flood.check(inbound)
            if verdict is Verdict.DROP:
                return HandleOutcome(dropped=True)
            if verdict is Verdict.SLOW_DOWN:
                log.info("a sender on %s is over the flood limit: paused", inbound.channel)
                inbound = replace(inbound, event=TooFastIn(), media=())
        future: asyncio.Future[HandleOutcome] = asyncio.get_running_loop().create_future()
        sender = (inbound.channel, inbound.address)
        waiting = self._waiting.get(sender)
        if waiting is None:
            waiting = self._waiting[sender] = deque()
        waiting.append((inbound, future))
        if self._drain is None or self._drain.done():
            self._drain = asyncio.create_task(self._run())
        outcome = await future
        if outcome.outbox_keys:
            self.wake()
        keep = self.keep_media
        if keep is not None and inbound.media and outcome.person_id and not outcome.duplicate:
            await asyncio.to_thread(keep, outcome.person_id, inbound)
        return outcome

    async def notice(self, notice: Notice) -> None:
        """Hand one notice to its handler (unknown kinds are logged by type only)."""
        handler = self.notice_handlers.get(type(notice))
        if handler is None:
            log.info("a %s notice has no handler; ignored", type(notice).__name__)
            return
        if await asyncio.to_thread(handler, notice):
            self.wake()

    def _next_batch(self) -> list[_Waiting]:
        """Up to ``max_batch`` messages, one per waiting sender in turn (round-robin)."""
        batch: list[_Waiting] = []
        waiting = self._waiting
        while waiting and len(batch) < self.max_batch:
            sender, queue = next(iter(waiting.items()))
            batch.append(queue.popleft())
            if queue:
                waiting.move_to_end(sender)
            else:
                del waiting[sender]
        return batch

    async def _run(self) -> None:
        while self._waiting:
            batch = self._next_batch()
            try:
                results = await asyncio.to_thread(
                    self.turns.handle_batch, [inbound for inbound, _ in batch]
                )
            except BaseException as error:  # the thread itself failed: tell every caller
                results = [error] * len(batch)
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():
                    continue
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)


__all__ = ["InboundService", "NoticeHandler"]
