"""The outbox dispatcher: claims due rows, sends them through their channel, records the outcome.

**Speed.**  Several sends are in flight at once (up to ``concurrency``), so the rate is set by the
platform's limit, not by the network's round trip (one send at a time with 100 ms to Telegram
would cap it at 10/s).  Every channel with limits has a rate limiter (``services/ratelimit.py``;
Telegram: 30/s in total, 1/s per chat, 20/min per group; WhatsApp: ``TWC_TWILIO_RATE``); a send
starts only when it allows, so a limit-enforcing platform never has reason to answer 429.  Bulk
takes only the places in flight the rate needs at the measured round trip.  Each chat's rows
go one after the other in ``(priority, id)`` order (:mod:`bot.outbox.send_queue`).

**Replies first.**  Bulk rows (priority 5) are paced, one every ``1/rate`` seconds; a reply
(priority 0) is not paced and is offered every free slot first.  :meth:`Dispatcher.run` keeps
claiming while it sends: when woken (the inbound pipeline calls :meth:`Dispatcher.wake` after
each committed turn) and every ``reply_poll`` seconds it claims waiting replies, so a reply
committed during a broadcast goes out at the next free slot (33 ms at 30/s), never behind the
bulk rows already claimed.  Bulk is claimed ``batch_size`` rows (or two seconds' worth) ahead,
topped up when half gone.

**Exactly once, in batches.**  Rows move ``pending`` → ``claimed`` (taken, waiting for their
turn) → ``sending`` (handed to the platform) → ``sent``.  The rows that start together are
marked ``sending`` in one statement just before they go; answers are collected and written
as ``sent`` together, at least every ``settle_interval`` seconds.  A row is ``sent`` only after the
platform answered.  After a crash, :meth:`Dispatcher.recover` turns ``sending`` rows into
``in_doubt`` (they may have reached her: reported, never resent: the rows in flight and the
answers not yet written, a fraction of a second's worth) and ``claimed``
rows back into ``pending``.  Failures are written at once, one by one (they are rare).  The
database work is awaited between sends, not run beside them: a worker thread running Python
holds the interpreter lock the sends need (measured: their round trip tripled).

On PostgreSQL several dispatchers can run at once: the claim uses ``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, select, update

from bot.channels.base import AttachmentsFor, Channel, SendError
from bot.channels.messages import Outbound
from bot.consent.records import withdraw
from bot.db.tables import identities, organisations, outbox, people
from bot.outbox.ratelimit import RateLimiter
from bot.outbox.rows import kept_after_sending
from bot.outbox.scrub import scrub
from bot.outbox.send_queue import REPLY_PRIORITY, Key, Row, SendQueue, is_reply
from conversations.consent import MESSAGES

log = logging.getLogger(__name__)


MAX_ATTEMPTS = 8
#: Seconds of sending :meth:`Dispatcher.run` keeps claimed on a fast channel (claimed rows go
#: back to ``pending`` after a crash, so this costs no safety).
CLAIM_AHEAD_SECONDS = 2.0
#: The round trip assumed for a channel before its first answer (Telegram: about 100 ms).
DEFAULT_ROUND_TRIP = 0.1
#: Waits shorter than this count as none (datetimes have microseconds; float rounding is less).
CLOCK_RESOLUTION = 1e-6
BASE_BACKOFF_SECONDS = 5.0
MAX_BACKOFF_SECONDS = 3600.0


def backoff(attempts: int, retry_after: float | None = None) -> float:
    """Seconds to wait before attempt ``attempts + 1``: the platform's wish, else exponential."""
    if retry_after is not None:
        return max(0.0, float(retry_after))
    return float(min(BASE_BACKOFF_SECONDS * 2 ** max(0, attempts - 1), MAX_BACKOFF_SECONDS))


def opted_out(row: Mapping[str, Any]) -> bool:
    """Whether a claimed row must not go out because she opted out.

    Opted out on the channel itself (WhatsApp error 21610): nothing goes there.  Opted out as a
    person (``STOP``): answers to her own messages still go (the confirmation of ``STOP``, her
    data and its export files when she asks), nothing the bot starts does.  An answer is
    written at :data:`REPLY_PRIORITY` whatever its kind.
    """
    if row.get("identity_status") == "opted_out":
        return True
    if row.get("person_status") != "opted_out":
        return False
    answer = (row.get("kind") or "reply") == "reply" or row.get("priority") == REPLY_PRIORITY
    return not answer


#: Sends in flight at once, over all channels (a crash leaves at most these ``in_doubt``).
CONCURRENCY = 8


class Dispatcher:
    """Sends outbox rows.  ``run`` loops until stopped; ``dispatch`` does one batch."""

    def __init__(
        self,
        db: Engine,
        adapters: Mapping[str, Channel],
        clock: Callable[[], datetime],
        batch_size: int = 50,
        limits: Mapping[str, RateLimiter] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        concurrency: int = CONCURRENCY,
        settle_interval: float = 0.1,
        reply_poll: float = 0.1,
        mark_ahead: float = 0.0,
        attachments: Mapping[str, AttachmentsFor] | None = None,
    ) -> None:
        self.db = db
        self.adapters = dict(adapters)
        self.attachments = dict(attachments or {})
        """Per outbox kind: the files its messages bring (a reminder's calendar file),
        resolved just before sending, for channels that send files."""
        self.clock = clock
        self.batch_size = batch_size
        self.limits = dict(limits or {})
        self.sleep = sleep
        self.concurrency = concurrency
        """Sends in flight at once (Telegram's HTTP pool has 16 connections)."""
        self.settle_interval = settle_interval
        """Longest wait before answers are written as ``sent``: bounds the rows a crash leaves
        ``in_doubt`` although they were delivered."""
        self.reply_poll = reply_poll
        """While sending, look for new replies at least this often (other processes write
        replies too, without waking us)."""
        self.mark_ahead = mark_ahead
        """Seconds' worth of sends (at the channel's rate) marked ``sending`` ahead of time:
        fewer database round trips at high rates, but a crash then leaves rows ``in_doubt``
        that never left (never resent: missed).  Off by default."""
        self._wake = asyncio.Event()
        self._session: _Session | None = None

    def wake(self) -> None:
        """New rows are waiting (a reply was committed): claim them now, even mid-broadcast."""
        self._wake.set()
        if self._session is not None:
            self._session.poke()

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
        self,
        ids: Iterable[int] | None = None,
        keys: Iterable[str] | None = None,
        replies_only: bool = False,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Atomically take due rows (or exactly ``ids``/``keys``, if still pending) to send.

        ``replies_only`` takes only rows of someone chatting now (the reply lane).
        """
        now = self.clock()
        with self.db.begin() as conn:
            query = (
                select(outbox.c.id)
                .where(outbox.c.status == "pending", outbox.c.next_attempt_at <= now)
                .order_by(outbox.c.priority, outbox.c.id)
                .limit(limit or self.batch_size)
            )
            if replies_only:
                query = query.where(outbox.c.priority <= REPLY_PRIORITY)
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
                    outbox.c.priority,
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
        if rows:
            session = _Session(self)
            session.add(rows)
            await session.drain()
        return len(rows)

    # ---- bookkeeping (each runs in a worker thread) ----------------------------------------

    def _mark_sending_many(self, ids: list[int]) -> set[int]:
        """The rows that start now, in one statement, before any of them leaves; returns the
        ids it marked.

        Only rows still ``claimed``: a mark made ahead of time must never turn a row that was
        meanwhile sent and written back into ``sending``, and a row withdrawn while it waited
        in the queue (a cancelled broadcast) must not go.
        """
        with self.db.begin() as conn:
            return set(
                conn.execute(
                    update(outbox)
                    .where(outbox.c.id.in_(ids), outbox.c.status == "claimed")
                    .values(status="sending")
                    .returning(outbox.c.id)
                ).scalars()
            )

    def _settle_sent_many(self, sent: list[_Sent]) -> None:
        """The platform accepted these: ``sent``, with its id; the address and the text are
        not kept (only the buttons and language, for a later press)."""
        statement = (
            update(outbox)
            .where(outbox.c.id == bindparam("row_id"))
            .values(
                status="sent",
                sent_at=bindparam("at"),
                external_id=bindparam("ext"),
                error=None,
                address=None,
                payload=bindparam("kept"),
            )
        )
        with self.db.begin() as conn:
            conn.execute(
                statement,
                [
                    {"row_id": s.row_id, "ext": s.external_id, "at": s.at, "kept": s.kept}
                    for s in sent
                ],
            )

    def _unclaim(self, ids: list[int]) -> None:
        """Rows still queued, never handed to a platform, go back (stopping, not crashing)."""
        with self.db.begin() as conn:
            conn.execute(
                update(outbox)
                .where(outbox.c.id.in_(ids), outbox.c.status.in_(("claimed", "sending")))
                .values(status="pending", attempts=outbox.c.attempts - 1)
            )

    async def _retry_or_fail(self, row: dict[str, Any], reason: str) -> None:
        """Try again later, unless the row has used up its attempts."""
        if row["attempts"] < MAX_ATTEMPTS:
            await asyncio.to_thread(self._settle_retry, row, reason, None)
        else:
            await asyncio.to_thread(self._settle_failed, row, reason, False)

    def _settle_retry(
        self, row: dict[str, Any], reason: str, retry_after: float | None, parts_sent: int = 0
    ) -> None:
        wait = backoff(row["attempts"], retry_after)
        values: dict[str, Any] = {
            "status": "pending",
            "next_attempt_at": self.clock() + timedelta(seconds=wait),
            "error": scrub(reason),
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
            values: dict[str, Any] = {"status": status, "error": scrub(reason), "address": None}
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
            if identity_status == "opted_out":
                # She said STOP to the platform itself (WhatsApp 21610): her consent to
                # messages ends as with "Stopp" in the chat; "Start" asks for it again.
                person = select(outbox.c.person_id).where(outbox.c.id == row["id"])
                withdraw(conn, person.scalar_subquery(), MESSAGES, self.clock())

    # ---- the long-running loop -------------------------------------------------------------

    async def run(self, stop: asyncio.Event, interval: float) -> None:
        """Send until ``stop`` is set, polling every ``interval`` seconds or when woken.

        One session lives for the whole run, so sends never wait for a batch to finish: bulk is
        topped up while it goes, and replies are claimed whenever they arrive.
        """
        session = self._session = _Session(self)
        timers = _Timers()
        stopping = asyncio.create_task(stop.wait())
        stopping.add_done_callback(lambda _task: session.poke())
        try:
            while not stop.is_set():
                try:
                    await self._refill(session, timers, interval)
                    timeout = await session.step()
                    await session.settle(due_only=True)
                except Exception:
                    log.exception("dispatcher step failed; retrying")
                    timeout = interval
                if session.idle:
                    timeout = min(timeout, max(0.0, timers.next_bulk - self._now()))
                else:
                    timeout = min(timeout, self.reply_poll, self.settle_interval)
                await session.wait(timeout, self._wake, stop)
        finally:
            stopping.cancel()
            self._session = None
            await session.close()

    def _now(self) -> float:
        return self.clock().timestamp()

    def _claim_ahead(self) -> int:
        """How many rows :meth:`run` keeps claimed: ``batch_size``, or on a fast channel
        ``CLAIM_AHEAD_SECONDS`` of its rate.  A claim sorts every due row (about 4 ms with
        10 000 waiting on SQLite), and no send starts meanwhile: fewer, larger claims."""
        fastest = max((limiter.limits.per_second for limiter in self.limits.values()), default=0)
        return max(self.batch_size, math.ceil(fastest * CLAIM_AHEAD_SECONDS))

    async def _refill(self, session: _Session, timers: _Timers, interval: float) -> None:
        """Claim what is waiting: replies whenever woken or due, bulk when the queue runs low."""
        now = self._now()
        woken = self._wake.is_set()
        self._wake.clear()
        ahead = self._claim_ahead()
        low = len(session.queue) < max(1, ahead // 2)
        if low and (woken or now >= timers.next_bulk):
            wanted = ahead - len(session.queue)
            rows = await session.claim(None, None, False, wanted)
            # Nothing more due: look again after the interval (or when woken).
            timers.next_bulk = now if len(rows) == wanted else now + interval
            timers.next_reply = now + self.reply_poll
        elif not session.idle and (woken or now >= timers.next_reply):
            await session.claim(None, None, True)
            timers.next_reply = now + self.reply_poll


@dataclass(slots=True)
class _Sent:
    """An answer from the platform, waiting to be written."""

    row_id: int
    external_id: str | None
    at: datetime
    kept: dict[str, Any] | None
    """What stays of its payload (``bot.outbox.rows.kept_after_sending``)."""


@dataclass(slots=True)
class _Timers:
    """When :meth:`Dispatcher.run` looks for work again (clock seconds)."""

    next_bulk: float = 0.0
    next_reply: float = 0.0


Going = tuple[Key, Row, RateLimiter | None, list[list[float]]]


class _Session:
    """One stretch of sending: the queue, the sends in flight, the answers not yet written."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.d = dispatcher
        self.queue = SendQueue()
        self.flying: dict[asyncio.Task[None], Key] = {}
        self.busy: set[Key] = set()
        """Chats with a send in flight: their next row waits (per-chat order)."""
        self.claims = 0
        """Counts the batches of claimed rows: each row remembers which one brought it."""
        self.stopped: dict[Key, int] = {}
        """Chats found unreachable, with the claim count at that moment: the rows claimed by
        then are not even tried.  Rows claimed later are judged by her identity's status in
        the database, which she clears by writing again or unblocking the bot."""
        self.sent: list[_Sent] = []
        self.marked: set[int] = set()
        """Queued rows already marked ``sending`` (next in line on a fast channel)."""
        self.bulk_places = max(1, dispatcher.concurrency - 1)
        self.round_trip: dict[str, float] = {}
        """Per channel, how long a send takes (moving average), to size bulk's share in flight."""
        self._kick: asyncio.Future[None] | None = None

    @property
    def idle(self) -> bool:
        """Nothing queued and nothing in flight."""
        return not self.queue and not self.flying

    def add(self, rows: Iterable[Row]) -> None:
        """Queue claimed rows, each in its chat's line."""
        self.claims += 1
        for row in rows:
            row["claimed_in"] = self.claims
            self.queue.add((row["channel"], row["address"] or row["identity_address"] or ""), row)

    async def drain(self) -> None:
        """Send everything queued (one :meth:`Dispatcher.dispatch`)."""
        try:
            while not self.idle:
                timeout = await self.step()
                await self.wait(timeout)
                await self.settle(due_only=True)
        finally:
            await self.close()

    # ---- database work (awaited between sends; see the module docstring) ----------------

    async def claim(self, *args: Any) -> list[Row]:
        """Claim rows (see :meth:`Dispatcher.claim`) and queue them."""
        rows = await asyncio.to_thread(self.d.claim, *args)
        self.add(rows)
        return rows

    async def settle(self, due_only: bool = False) -> None:
        """Write the answers collected so far as ``sent`` (if due: enough, or old enough)."""
        if not self.sent:
            return
        age = (self.d.clock() - self.sent[0].at).total_seconds()
        if due_only and len(self.sent) < 100 and age < self.d.settle_interval:
            return
        batch, self.sent = self.sent, []
        try:
            await asyncio.to_thread(self.d._settle_sent_many, batch)
        except Exception:
            self.sent = batch + self.sent  # try again with the next write
            raise

    async def _mark(self, going: list[Going]) -> set[int]:
        """Mark the rows about to go ``sending`` in one statement, with the next few in line;
        return the ids of rows that were no longer ``claimed`` (withdrawn: they must not go).

        With ``mark_ahead`` (off by default) the rows due in the next moments are marked too,
        saving round trips at high rates; a crash then leaves those ``in_doubt`` as well.
        """
        fresh = [row["id"] for _, row, _, _ in going if row["id"] not in self.marked]
        if not fresh:
            return set()
        channel, limiter = going[0][0][0], going[0][2]
        count = int(limiter.limits.per_second * self.d.mark_ahead) if limiter else 0
        heads = (k for k in self.queue.chats() if k[0] == channel and k not in self.busy)
        ahead = [self.queue.head(key)["id"] for key in itertools.islice(heads, count)]
        ahead = [i for i in ahead if i not in self.marked]
        marked = await asyncio.to_thread(self.d._mark_sending_many, fresh + ahead)
        self.marked.update(i for i in ahead if i in marked)
        return {i for i in fresh if i not in marked}

    # ---- the sending loop ------------------------------------------------------------------

    async def step(self) -> float:
        """Start every send that may go now; return the seconds until another one could."""
        going: list[Going] = []
        try:
            wait = await self._choose(going)
            withdrawn = await self._mark(going) if going else set()
        except BaseException:
            # A database error before anything left: the chosen rows go back in line and
            # their chats and slots are free again, so nothing stays stuck until a restart.
            for key, row, limiter, slots in going:
                self._release(key, limiter, slots)
                self.queue.add(key, row)
            raise
        for key, row, limiter, slots in going:
            self.marked.discard(row["id"])
            if row["id"] in withdrawn:
                self._release(key, limiter, slots)
                continue
            task = asyncio.create_task(self._send(key, row, limiter, slots))
            task.add_done_callback(lambda _task: self.poke())
            self.flying[task] = key
        return wait

    async def _choose(self, going: list[Going]) -> float:
        """Take the rows that may go now into ``going`` (their slots reserved); return the
        seconds until another one could."""
        wait = math.inf
        lanes: dict[tuple[str, bool], float] = {}  # (channel, paced) → wait, this look
        for key in self.queue.chats():
            if len(self.flying) + len(going) >= self.d.concurrency:
                break
            if key in self.busy:
                continue
            row = self.queue.head(key)
            if not is_reply(row) and len(self.flying) + len(going) >= self._bulk_cap(key[0]):
                continue  # enough bulk in flight; the last place is always kept for a reply
            if not self._sendable(key, row):
                await self._refuse(key, row)  # settled first: a failed write keeps it queued
                self.queue.pop(key)
                continue
            limiter = self.d.limits.get(key[0])
            slots: list[list[float]] = []
            if limiter is not None:
                paced = not is_reply(row)
                lane = (key[0], paced)
                if lane not in lanes:
                    lanes[lane] = limiter.channel_wait(paced)
                ahead = lanes[lane]
                if ahead <= CLOCK_RESOLUTION:  # the channel may send: may this chat?
                    ahead = limiter.wait_time(key[1], paced)
                if ahead > CLOCK_RESOLUTION:
                    wait = min(wait, ahead)
                    continue
                slots = limiter.reserve(key[1], paced)
                lanes.pop((key[0], True), None)  # the channel's state changed: ask again
                lanes.pop((key[0], False), None)
            self.busy.add(key)
            going.append((key, self.queue.pop(key), limiter, slots))
        return wait

    async def wait(self, seconds: float, *events: asyncio.Event) -> None:
        """Until a send finishes, one of ``events`` is set (with :meth:`poke`), or ``seconds``
        passed.  One future and one timer, no task per wait: this runs several times a send."""
        if any(event.is_set() for event in events):
            return
        if any(task.done() for task in self.flying):  # it poked before this wait began
            self._reap()
            return
        if not self.flying and not events and not math.isfinite(seconds):
            return
        loop = asyncio.get_running_loop()
        self._kick = loop.create_future()
        timer: asyncio.TimerHandle | None = None
        sleeper: asyncio.Task[None] | None = None
        if math.isfinite(seconds):
            if self.d.sleep is asyncio.sleep:
                timer = loop.call_later(seconds, self.poke)
            else:  # an injected sleep (tests move a frozen clock with it)
                sleeper = asyncio.ensure_future(self.d.sleep(seconds))
                sleeper.add_done_callback(lambda _task: self.poke())
        try:
            await self._kick
        finally:
            self._kick = None
            if timer is not None:
                timer.cancel()
            if sleeper is not None:
                sleeper.cancel()
        self._reap()

    def poke(self) -> None:
        """Something happened (a send finished, new rows, stop): end the current wait."""
        if self._kick is not None and not self._kick.done():
            self._kick.set_result(None)

    def _reap(self) -> None:
        """Forget finished sends; an error in one is logged, a kill goes on up."""
        for task in [t for t in self.flying if t.done()]:
            self.flying.pop(task)
            self._check(task)

    @staticmethod
    def _check(task: asyncio.Task[Any]) -> None:
        if task.cancelled() or task.exception() is None:
            return
        error = task.exception()
        if error is not None and not isinstance(error, Exception):
            raise error  # KeyboardInterrupt, SystemExit and the like: not ours to swallow
        log.error("dispatcher: a send failed to settle", exc_info=error)

    async def close(self) -> None:
        """Let the sends in flight finish, write the answers, give back the rows never sent."""
        if self.flying:
            await asyncio.wait(set(self.flying))
            self._reap()
        await self.settle()
        if self.queue:
            ids = self.queue.ids()
            self.queue.clear()
            await asyncio.to_thread(self.d._unclaim, ids)

    # ---- one row ---------------------------------------------------------------------------

    def _sendable(self, key: Key, row: Row) -> bool:
        """Whether the row is to go to the platform at all (else it is settled at once)."""
        return (
            row["channel"] in self.d.adapters
            and bool(key[1])
            and row["identity_status"] != "unreachable"
            and not self._stopped_before(key, row)
            and not opted_out(row)
        )

    def _stopped_before(self, key: Key, row: Row) -> bool:
        """The platform said she is unreachable after this row was claimed."""
        stopped = self.stopped.get(key)
        return stopped is not None and row.get("claimed_in", 0) <= stopped

    async def _refuse(self, key: Key, row: Row) -> None:
        """Settle a row that is not sent: no channel, unreachable, or she opted out."""
        if row["channel"] not in self.d.adapters:  # may be switched back on: retry, not for ever
            await self.d._retry_or_fail(row, f"channel {row['channel']} not configured")
        elif (
            not key[1] or row["identity_status"] == "unreachable" or self._stopped_before(key, row)
        ):
            await asyncio.to_thread(self.d._settle_failed, row, "recipient unreachable", False)
        else:
            await asyncio.to_thread(
                self.d._settle_failed, row, "she opted out: not sent", False, "skipped"
            )

    def _bulk_cap(self, channel: str) -> int:
        """How many sends may be in flight before bulk waits: what the channel's rate needs at
        its round trip (with room to spare), never more than ``concurrency - 1``.

        Enough to keep the rate; not more, because every open connection costs the HTTP
        client time on each request (measured: a quarter more CPU per message with 8).
        """
        limiter = self.d.limits.get(channel)
        if limiter is None:
            return self.bulk_places
        round_trip = self.round_trip.get(channel, DEFAULT_ROUND_TRIP)
        needed = math.ceil(limiter.limits.per_second * round_trip * 1.5) + 1
        return max(1, min(self.bulk_places, needed))

    async def _send(
        self, key: Key, row: Row, limiter: RateLimiter | None, slots: list[list[float]]
    ) -> None:
        """Hand one row to its adapter; keep the answer, or settle the failure at once."""
        started = self.d.clock()
        try:
            channel = self.d.adapters[key[0]]
            message = Outbound.from_row(row)
            files = self.d.attachments.get(message.kind)
            if files is not None and getattr(channel, "sends_files", False):
                message = replace(message, attachments=await files(message))
            result = await channel.send(key[1], message)
        except SendError as error:
            try:
                await self._failed(key, row, limiter, error)
            finally:
                self._release(key, limiter, slots)
            return
        except Exception as error:  # an adapter bug must not stop every other send
            log.exception("adapter %s crashed on outbox row %s", row["channel"], row["id"])
            try:
                await self.d._retry_or_fail(row, f"adapter error: {type(error).__name__}")
            finally:
                self._release(key, limiter, slots)
            return
        self._release(key, limiter, slots)
        answered = self.d.clock()
        kept = kept_after_sending(str(row.get("kind") or "reply"), row["payload"])
        self.sent.append(_Sent(row["id"], result.external_id, answered, kept))
        took = (answered - started).total_seconds()
        before = self.round_trip.get(key[0], took)
        self.round_trip[key[0]] = 0.8 * before + 0.2 * took

    def _release(self, key: Key, limiter: RateLimiter | None, slots: list[list[float]]) -> None:
        if limiter is not None:
            limiter.release(key[1], slots)
        self.busy.discard(key)

    async def _failed(
        self, key: Key, row: Row, limiter: RateLimiter | None, error: SendError
    ) -> None:
        """A platform's refusal: pause the channel if asked, retry later or fail for good."""
        if limiter is not None and error.retry_after is not None:
            limiter.block(error.retry_after)
        if limiter is not None and error.slow_down:
            limiter.block(backoff(1, error.retry_after))
        if error.unreachable:
            self.stopped[key] = self.claims
        if error.retryable and row["attempts"] < MAX_ATTEMPTS:
            await asyncio.to_thread(
                self.d._settle_retry, row, error.reason, error.retry_after, error.parts_sent
            )
        else:
            await asyncio.to_thread(
                self.d._settle_failed,
                row,
                error.reason,
                error.unreachable,
                error.status,
                error.identity_status,
                error.code,
            )
