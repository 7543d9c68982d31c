"""The chat simulator: a channel whose "phone" is a table, so the bot can be tried with no account.

It is a channel like Telegram and WhatsApp.  Inbound, its routes (:mod:`.routes`) turn the
simulator's JSON into an :class:`~bot.channels.messages.Inbound` for the inbound service;
outbound, :meth:`SimulatorChannel.send` puts the message on the test user's screen (a
:class:`Screen`, kept in the database by ``bot.db.simulator_screen``: the channel itself does
no SQL).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from bot.channels.base import InboundSink, Reach
from bot.channels.messages import Outbound, SendResult
from bot.channels.simulator.parse import CHANNEL
from bot.channels.simulator.routes import simulator_routes


class Screen(Protocol):
    """Where the simulated phones' screens are kept (``bot.db.simulator_screen``)."""

    def deliver(self, address: str, message: Outbound) -> int:
        """Show one message of the bot; its id on the screen."""
        ...

    def deliver_many(self, messages: Sequence[tuple[str, Outbound]]) -> list[int]:
        """Show many messages in one go; their ids on the screens, in order."""
        ...

    def transcript(self, user: str) -> list[dict[str, Any]]:
        """Everything on her screen, oldest first."""
        ...

    def last_choices(self, user: str) -> dict[str, str]:
        """Button ids → labels from her recent messages."""
        ...

    def users(self) -> list[str]:
        """Test users seen so far."""
        ...


DeliverNow = Callable[[list[str]], Awaitable[int]]
"""Send the outbox rows with these keys at once (the dispatcher's ``dispatch(keys=…)``)."""


class SimulatorChannel:
    """The simulated phones: a web page and JSON API in, a table of screens out."""

    name = CHANNEL
    sends_files = False

    def __init__(
        self,
        screen: Screen,
        clock: Callable[[], datetime],
        deliver_now: DeliverNow | None = None,
    ) -> None:
        self.screen = screen
        self.clock = clock
        self.deliver_now = deliver_now
        """Set by the runtime: the API shows a message's replies before it answers."""
        self._waiting: list[tuple[list[str], asyncio.Future[None]]] = []
        self._drain: asyncio.Task[None] | None = None
        self._sends: list[tuple[str, Outbound, asyncio.Future[int]]] = []
        self._writer: asyncio.Task[None] | None = None

    def routes(self, sink: InboundSink) -> list[Any]:
        """The simulator's page and API."""
        return simulator_routes(self, sink)

    async def start(self, sink: InboundSink) -> None:
        """Nothing to start: messages arrive through the API."""

    async def stop(self) -> None:
        """Nothing to stop."""

    def can_reach(self, reach: Reach) -> bool:
        """A simulated phone takes anything."""
        return True

    async def send(self, address: str, message: Outbound) -> SendResult:
        """Deliver one message to her simulated screen.

        Sends that arrive together are written together (one transaction for all of them): the
        screen is a table, and a commit per message would cap the simulator far below what
        the rest of the path takes.
        """
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._sends.append((address, message, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_sends())
        new_id = await future
        return SendResult(external_id=f"sim-{new_id}")

    async def _write_sends(self) -> None:
        await asyncio.sleep(0)  # let the sends started in this same moment join the batch
        while self._sends:
            batch, self._sends = self._sends, []
            try:
                ids = await asyncio.to_thread(
                    self.screen.deliver_many, [(address, message) for address, message, _ in batch]
                )
            except Exception as error:  # every send of the batch hears it
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for (_, _, future), new_id in zip(batch, ids, strict=True):
                if not future.done():
                    future.set_result(new_id)

    async def show_now(self, keys: list[str]) -> None:
        """Deliver these outbox rows before answering the request that wrote them.

        Concurrent requests share one delivery: every key that arrives while one runs goes
        in the next, so a hundred messages at once cost a few batches, not a hundred.
        """
        if not keys or self.deliver_now is None:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((keys, future))
        if self._drain is None or self._drain.done():
            self._drain = asyncio.create_task(self._deliver_waiting())
        await future

    async def _deliver_waiting(self) -> None:
        assert self.deliver_now is not None
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                await self.deliver_now([key for keys, _ in batch for key in keys])
            except Exception as error:  # every request of the batch hears it
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for _, future in batch:
                if not future.done():
                    future.set_result(None)


__all__ = ["DeliverNow", "Screen", "SimulatorChannel"]
