"""The asynchronous front of the conversation service, for the web app and the benchmark.

Request handlers ``await pipeline.submit(inbound)``.  One drain task takes everything queued so
far (up to ``max_batch``) and hands it to a worker thread as one batch, so under load batches
grow by themselves and a thousand waiting messages cost a few dozen commits, while a lone
message is handled at once.  No request handler blocks a thread while it waits.
"""

from __future__ import annotations

import asyncio
from collections import deque

from bot.channels.messages import HandleOutcome, Inbound
from bot.turns.service import TurnService


class InboundPipeline:
    """Batches concurrent inbound events into shared transactions."""

    def __init__(self, service: TurnService, max_batch: int = 200) -> None:
        self.service = service
        self.max_batch = max_batch
        self._queue: deque[tuple[Inbound, asyncio.Future[HandleOutcome]]] = deque()
        self._drain: asyncio.Task[None] | None = None

    async def submit(self, inbound: Inbound) -> HandleOutcome:
        """Handle one event; returns when its transaction has committed."""
        future: asyncio.Future[HandleOutcome] = asyncio.get_running_loop().create_future()
        self._queue.append((inbound, future))
        if self._drain is None or self._drain.done():
            self._drain = asyncio.create_task(self._run())
        return await future

    async def _run(self) -> None:
        while self._queue:
            batch = [self._queue.popleft() for _ in range(min(self.max_batch, len(self._queue)))]
            try:
                results = await asyncio.to_thread(
                    self.service.handle_batch, [inbound for inbound, _ in batch]
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
