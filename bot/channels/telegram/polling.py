"""Long polling: ``getUpdates`` in a loop, for a bot without a public HTTPS address."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence

from telegram import Bot, Update
from telegram.error import TelegramError

log = logging.getLogger(__name__)

#: The updates the bot asks Telegram for.
ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member", "poll_answer")

#: How often an update that failed to be handled is tried again before it is skipped.
UPDATE_ATTEMPTS = 3


async def poll(
    bot: Bot,
    ensure_ready: Callable[[], Awaitable[bool]],
    handle: Callable[[Sequence[Update]], Awaitable[set[int]]],
    stop: asyncio.Event,
    poll_timeout: int,
    interval: float,
) -> None:
    """Long-poll until ``stop`` is set; ``handle`` returns the ids of updates that failed.

    Telegram forgets every update below the offset, so the offset never passes an update that
    failed and may still succeed; one that failed :data:`UPDATE_ATTEMPTS` times is skipped.
    """
    offset: int | None = None
    failures = 0
    tries: dict[int, int] = defaultdict(int)
    while not stop.is_set():
        if not await ensure_ready():
            failures += 1
            await wait(stop, min(30.0, 2.0**failures))
            continue
        try:
            updates = await bot.get_updates(
                offset=offset, timeout=poll_timeout, allowed_updates=list(ALLOWED_UPDATES)
            )
            failures = 0
        except TelegramError as error:
            failures += 1
            log.warning("telegram: getUpdates failed: %s", type(error).__name__)
            await wait(stop, min(30.0, 2.0**failures))
            continue
        if updates:
            failed = await handle(updates)
            done = [u.update_id for u in updates if u.update_id not in failed]
            for update_id in failed:
                tries[update_id] += 1
            retry = [i for i in failed if tries[i] < UPDATE_ATTEMPTS]
            for update_id in failed:
                if tries[update_id] >= UPDATE_ATTEMPTS:
                    log.error(
                        "telegram: update %d skipped after %d failures", update_id, UPDATE_ATTEMPTS
                    )
                    tries.pop(update_id, None)
            ids = sorted(done + [i for i in failed if i not in retry])
            if retry:
                ids = [i for i in ids if i < min(retry)]
                offset = (max(ids) + 1) if ids else offset
                await wait(stop, 1.0)
            elif ids:
                offset = max(ids) + 1
        if interval and not updates:
            await wait(stop, interval)


async def wait(stop: asyncio.Event, seconds: float) -> None:
    """Sleep ``seconds`` unless ``stop`` is set first."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


__all__ = ["ALLOWED_UPDATES", "UPDATE_ATTEMPTS", "poll", "wait"]
