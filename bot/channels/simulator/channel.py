"""The chat simulator: a channel whose "phone" is a table, so the bot can be tried with no account.

It is a channel like Telegram and WhatsApp.  Inbound, its routes (:mod:`.routes`) turn the
simulator's JSON into an :class:`~bot.channels.messages.Inbound` for the inbound service;
outbound, :meth:`SimulatorChannel.send` puts the message on the test user's screen (a
:class:`Screen`, kept in the database by ``bot.db.simulator_screen``: the channel itself does
no SQL).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from bot.channels.base import InboundSink, Reach
from bot.channels.messages import Outbound, SendResult
from bot.channels.simulator.parse import CHANNEL
from bot.channels.simulator.routes import simulator_routes


class Screen(Protocol):
    """Where the simulated phones' screens are kept (``bot.db.simulator_screen``)."""

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


class SimulatorChannel:
    """The simulated phones: a web page and JSON API in, a table of screens out."""

    name = CHANNEL
    sends_files = False

    def __init__(
        self,
        screen: Screen,
        clock: Callable[[], datetime],
    ) -> None:
        self.screen = screen
        self.clock = clock
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


__all__ = ["Screen", "SimulatorChannel"]
