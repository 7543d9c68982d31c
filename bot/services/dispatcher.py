"""The outbox dispatcher: claims due rows, sends them through their channel, records the outcome.

Each row is claimed (``pending`` → ``sending``) in its own short transaction before the network
call, and settled (``sent``, back to ``pending`` with a later ``next_attempt_at``, or ``failed``)
after it.  A row found in ``sending`` at start-up was in flight when the process died: it may or
may not have reached the platform, so it is marked ``in_doubt`` and reported, never sent again.
That is what "never sends a row twice after a restart" costs: at most the messages in flight at
the moment of a crash need a human look.

On PostgreSQL several dispatchers can run at once: the claim uses ``FOR UPDATE SKIP LOCKED``.

Channels with send limits (Telegram) have a :class:`bot.services.ratelimit.RateLimiter`: a
batch's rows are then sent chat by chat in their order, always the chat that may send soonest
next, waiting (really, via ``sleep``) only when no chat may send yet.  A platform's "retry
after" pauses the whole channel.  Known cost: rows of a batch wait in ``sending`` while other
chats go first (seconds at most for replies); a crash in those seconds marks them ``in_doubt``
although they never left.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select, update

from bot.channels.base import ChannelAdapter, SendError
from bot.db.models import ChannelIdentity, Organisation, OutboxMessage, Person
from bot.domain import Outbound
from bot.services.ratelimit import RateLimiter

log = logging.getLogger(__name__)

outbox = OutboxMessage.__table__
identities = ChannelIdentity.__table__
people = Person.__table__
organisations = Organisation.__table__

MAX_ATTEMPTS = 8
BASE_BACKOFF_SECONDS = 5.0
MAX_BACKOFF_SECONDS = 3600.0


def backoff(attempts: int, retry_after: float | None = None) -> float:
    """Seconds to wait before attempt ``attempts + 1``: the platform's wish, else exponential."""
    if retry_after is not None:
        return max(0.0, float(retry_after))
    return min(BASE_BACKOFF_SECONDS * 2 ** max(0, attempts - 1), MAX_BACKOFF_SECONDS)


def opted_out(row: Mapping[str, Any]) -> bool:
    """Whether a claimed row must not go out because she opted out.

    Opted out on the channel itself (WhatsApp error 21610): nothing goes there.  Opted out as a
    person (``STOP``): answers to her own messages still go (the confirmation of ``STOP``),
    nothing the bot starts does.
    """
    if row.get("identity_status") == "opted_out":
        return True
    return row.get("person_status") == "opted_out" and (row.get("kind") or "reply") != "reply"


class Dispatcher:
    """Sends outbox rows.  ``run`` loops until stopped; ``dispatch`` does one batch."""

    def __init__(
        self,
        db: Engine,
        adapters: Mapping[str, ChannelAdapter],
        clock: Callable[[], datetime],
        batch_size: int = 50,
        limits: Mapping[str, RateLimiter] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.db = db
        self.adapters = dict(adapters)
        self.clock = clock
        self.batch_size = batch_size
        self.limits = dict(limits or {})
        self.sleep = sleep
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """New rows are waiting: skip the rest of the polling interval."""
        self._wake.set()

    def recover(self) -> int:
        """After a crash: rows that were sending become ``in_doubt``; rows only claimed (waiting
        for their turn under a rate limit, never handed to a platform) go back to ``pending``.

        Returns how many rows are in doubt.
        """
        with self.db.begin() as conn:
            conn.execute(
                update(outbox).where(outbox.c.status == "claimed").values(status="pending")
            )
            result = conn.execute(
                update(outbox)
                .where(outbox.c.status == "sending")
                .values(
                    status="in_doubt",
                    error="in flight when the process stopped; not resent to avoid a duplicate",
                )
            )
        if result.rowcount:
            log.warning(
                "%d outbox message(s) were in flight at a crash: marked in_doubt", result.rowcount
            )
        return result.rowcount

    def claim(
        self, ids: Iterable[int] | None = None, keys: Iterable[str] | None = None
    ) -> list[dict[str, Any]]:
        """Atomically take due rows (or exactly ``ids``/``keys``, if still pending) to send."""
        now = self.clock()
        with self.db.begin() as conn:
            query = (
                select(outbox.c.id)
                .where(outbox.c.status == "pending", outbox.c.next_attempt_at <= now)
                .order_by(outbox.c.priority, outbox.c.id)
                .limit(self.batch_size)
            )
            if ids is not None:
                query = query.where(outbox.c.id.in_(list(ids)))
            if keys is not None:
                query = query.where(outbox.c.idempotency_key.in_(list(keys)))
            if self.db.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            chosen = list(conn.execute(query).scalars())
            if not chosen:
                return []
            # Only rows this claim really moved out of "pending" are ours: another dispatcher
            # (the simulator's immediate send, a second process) may have taken some meanwhile.
            chosen = list(
                conn.execute(
                    update(outbox)
                    .where(outbox.c.id.in_(chosen), outbox.c.status == "pending")
                    .values(status="claimed", claimed_at=now, attempts=outbox.c.attempts + 1)
                    .returning(outbox.c.id)
                ).scalars()
            )
            if not chosen:
                return []
            rows = conn.execute(
                select(
                    outbox.c.id,
                    outbox.c.channel,
                    outbox.c.payload,
                    outbox.c.attempts,
                    outbox.c.address,
                    identities.c.address.label("identity_address"),
                    identities.c.status.label("identity_status"),
                    # What a channel with rules about bot-initiated messages needs (WhatsApp).
                    outbox.c.kind,
                    identities.c.last_inbound_at,
                    people.c.status.label("person_status"),
                    organisations.c.default_language,
                )
                .outerjoin(identities, identities.c.id == outbox.c.identity_id)
                .outerjoin(people, people.c.id == outbox.c.person_id)
                .outerjoin(organisations, organisations.c.id == people.c.organisation_id)
                .where(outbox.c.id.in_(chosen))
                .order_by(outbox.c.priority, outbox.c.id)
            ).mappings()
            return [dict(row) for row in rows]

    async def dispatch(
        self, ids: Iterable[int] | None = None, keys: Iterable[str] | None = None
    ) -> int:
        """Send one batch (or just the given rows); return how many rows were handled."""
        rows = await asyncio.to_thread(self.claim, ids, keys)
        # Recipients found unreachable during this batch: her later rows are not even tried.
        stopped: set[tuple[str, str]] = set()
        chats: dict[tuple[str, str], deque[dict[str, Any]]] = {}
        for row in rows:
            address = row["address"] or row["identity_address"]
            if row["channel"] in self.limits and address is not None:
                chats.setdefault((row["channel"], address), deque()).append(row)
            else:
                await self._send(row, stopped)
        await self._send_limited(chats, stopped)
        return len(rows)

    async def _send_limited(
        self,
        chats: dict[tuple[str, str], deque[dict[str, Any]]],
        stopped: set[tuple[str, str]],
    ) -> None:
        """Each chat's rows in order; next always the chat that may send soonest."""
        while chats:
            waits = {key: self.limits[key[0]].wait_time(key[1]) for key in chats}
            key = min(waits, key=waits.__getitem__)
            if waits[key] > 0:
                await self.sleep(waits[key])
                continue
            row = chats[key].popleft()
            if not chats[key]:
                del chats[key]
            if key in stopped:
                await self._send(row, stopped)  # settles it without sending
                continue
            limiter = self.limits[key[0]]
            slots = limiter.reserve(key[1])
            try:
                await self._send(row, stopped)
            finally:
                limiter.release(key[1], slots)

    async def _send(self, row: dict[str, Any], stopped: set[tuple[str, str]]) -> None:
        adapter = self.adapters.get(row["channel"])
        address = row["address"] or row["identity_address"]
        if adapter is None:  # the channel may be switched back on: retry, but not for ever
            await self._retry_or_fail(row, f"channel {row['channel']} not configured")
            return
        if (
            address is None
            or row["identity_status"] == "unreachable"
            or (row["channel"], address) in stopped
        ):
            await asyncio.to_thread(self._settle_failed, row, "recipient unreachable", False)
            return
        if opted_out(row):
            await asyncio.to_thread(
                self._settle_failed, row, "she opted out: not sent", False, "skipped"
            )
            return
        await asyncio.to_thread(self._mark_sending, row)
        try:
            result = await adapter.send(address, Outbound.from_row(row))
        except SendError as error:
            limiter = self.limits.get(row["channel"])
            if limiter is not None and error.retry_after is not None:
                limiter.block(error.retry_after)
            if error.unreachable and address is not None:
                stopped.add((row["channel"], address))
            if limiter is not None and error.slow_down:
                limiter.block(backoff(1, error.retry_after))
            if error.retryable and row["attempts"] < MAX_ATTEMPTS:
                await asyncio.to_thread(
                    self._settle_retry, row, error.reason, error.retry_after, error.parts_sent
                )
            else:
                await asyncio.to_thread(
                    self._settle_failed,
                    row,
                    error.reason,
                    error.unreachable,
                    error.status,
                    error.identity_status,
                    error.code,
                )
            return
        except Exception as error:  # an adapter bug must not stop every other send
            log.exception("adapter %s crashed on outbox row %s", row["channel"], row["id"])
            await self._retry_or_fail(row, f"adapter error: {type(error).__name__}")
            return
        await asyncio.to_thread(self._settle_sent, row, result.external_id)

    async def _retry_or_fail(self, row: dict[str, Any], reason: str) -> None:
        """Try again later, unless the row has used up its attempts."""
        if row["attempts"] < MAX_ATTEMPTS:
            await asyncio.to_thread(self._settle_retry, row, reason, None)
        else:
            await asyncio.to_thread(self._settle_failed, row, reason, False)

    def _settle_sent(self, row: dict[str, Any], external_id: str | None) -> None:
        with self.db.begin() as conn:
            conn.execute(
                update(outbox)
                .where(outbox.c.id == row["id"])
                .values(
                    status="sent",
                    sent_at=self.clock(),
                    external_id=external_id,
                    error=None,
                    address=None,
                )
            )

    def _mark_sending(self, row: dict[str, Any]) -> None:
        """From here on a crash leaves the row ``in_doubt``: it may have reached her."""
        with self.db.begin() as conn:
            conn.execute(update(outbox).where(outbox.c.id == row["id"]).values(status="sending"))

    def _settle_retry(
        self, row: dict[str, Any], reason: str, retry_after: float | None, parts_sent: int = 0
    ) -> None:
        wait = backoff(row["attempts"], retry_after)
        values: dict[str, Any] = {
            "status": "pending",
            "next_attempt_at": self.clock() + timedelta(seconds=wait),
            "error": reason[:500],
        }
        if parts_sent:  # remember how far a long message got, so the retry sends the rest
            values["payload"] = {**row["payload"], "parts_sent": parts_sent}
        with self.db.begin() as conn:
            conn.execute(update(outbox).where(outbox.c.id == row["id"]).values(**values))

    def _settle_failed(
        self,
        row: dict[str, Any],
        reason: str,
        unreachable: bool,
        status: str = "failed",
        identity_status: str | None = None,
        code: int | None = None,
    ) -> None:
        identity_status = identity_status or ("unreachable" if unreachable else None)
        with self.db.begin() as conn:
            values: dict[str, Any] = {"status": status, "error": reason[:500], "address": None}
            if code is not None:
                values["error_code"] = code
            conn.execute(update(outbox).where(outbox.c.id == row["id"]).values(**values))
            if identity_status:
                identity = select(outbox.c.identity_id).where(outbox.c.id == row["id"])
                conn.execute(
                    update(identities)
                    .where(identities.c.id == identity.scalar_subquery())
                    .values(status=identity_status)
                )

    async def run(self, stop: asyncio.Event, interval: float) -> None:
        """Send until ``stop`` is set, polling every ``interval`` seconds or when woken."""
        while not stop.is_set():
            try:
                handled = await self.dispatch()
            except Exception:
                log.exception("dispatcher batch failed; retrying")
                handled = 0
            if handled:
                continue
            self._wake.clear()
            waiter = asyncio.create_task(self._wake.wait())
            stopper = asyncio.create_task(stop.wait())
            await asyncio.wait(
                {waiter, stopper}, timeout=interval, return_when=asyncio.FIRST_COMPLETED
            )
            waiter.cancel()
            stopper.cancel()
