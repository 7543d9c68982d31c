"""The dispatcher at speed: replies overtake a running broadcast, sends overlap, crashes stay safe.

* On a frozen clock (``sleep`` moves it; nothing really waits): a reply committed while a bulk
  run is going out reaches the platform at the next free slot, ahead of every bulk row still
  waiting; several sends are in flight at once yet each chat's rows arrive in order and no
  limit is overrun; a process killed between the platform's answers and their write leaves
  exactly those rows ``in_doubt`` (never resent) and sends everything else once after a restart.
* Against a local Bot API stand-in that answers 429 beyond 30/s or 1/s per chat, through the
  real python-telegram-bot: bulk sends overlap (the stand-in sees several at once, though each
  answer takes 50 ms) and provoke no 429; a reply committed mid-broadcast overtakes the rest.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from bot.channels.messages import Outbound, SendResult
from bot.channels.simulator.parse import parse_request
from bot.db.models import OutboxMessage
from bot.outbox.dispatcher import Dispatcher
from bot.outbox.ratelimit import Limits, RateLimiter
from bot.runtime import Runtime
from tests.auxil.clock import FrozenClock
from tests.auxil.limiting_bot_api import LimitingBotApi, max_in_window
from tests.auxil.runtimes import make_runtime
from tests.auxil.telegram import live_telegram_runtime


@pytest.fixture
def sqlite_runtime(sqlite_url: str, clock: FrozenClock) -> Iterator[Runtime]:
    """Simulator replies wait in the outbox: these tests send them with a dispatcher."""
    rt = make_runtime(sqlite_url, clock, simulator_screens=False)
    yield rt
    rt.close()


outbox = OutboxMessage.__table__


class Killed(BaseException):
    """Stands for ``kill -9``: nothing after it runs, no handler catches it."""


class Platform:
    """A fake platform on the frozen clock: records each arrival, overlaps sends, may act."""

    name = "simulator"

    def __init__(self, clock: FrozenClock, latency: float = 0.002) -> None:
        self.clock = clock
        self.latency = latency
        self.arrived: list[tuple[float, str, str]] = []
        self.during: dict[int, Callable[[], None]] = {}
        """Something to do when the n-th message (from 0) arrives."""
        self.in_flight = 0
        self.max_in_flight = 0

    async def send(self, address: str, message: Outbound) -> SendResult:
        number = len(self.arrived)
        self.arrived.append((self.clock().timestamp(), address, message.text))
        action = self.during.pop(number, None)
        if action is not None:
            action()
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        await asyncio.sleep(0)  # other sends may start meanwhile
        self.clock.advance(seconds=self.latency)
        self.in_flight -= 1
        return SendResult(f"p-{number}")

    def addresses(self) -> list[str]:
        return [address for _, address, _ in self.arrived]


def frozen_sleep(clock: FrozenClock) -> Callable[[float], Any]:
    async def sleep(seconds: float) -> None:
        clock.advance(seconds=seconds)
        await asyncio.sleep(0)

    return sleep


def add_rows(
    runtime: Runtime,
    addresses: list[str],
    priority: int = 5,
    per_chat: int = 1,
    channel: str = "simulator",
) -> None:
    """Outbox rows addressed directly, as a broadcast writes them (``broadcast:<id>:<n>``)."""
    now = runtime.clock()
    rows = [
        {
            "idempotency_key": f"broadcast:1:{address}:{n}",
            "channel": channel,
            "address": address,
            "kind": "broadcast",
            "priority": priority,
            "payload": {"text": f"{address} {n}", "choices": [], "language": "de"},
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for n in range(per_chat)
        for address in addresses
    ]
    with runtime.db.begin() as conn:
        conn.execute(insert(outbox), rows)


def statuses(runtime: Runtime) -> Counter[str]:
    with runtime.db.connect() as conn:
        rows = conn.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status))
        return Counter(dict(rows.tuples().all()))


async def run_until(dispatcher: Dispatcher, done: Callable[[], bool]) -> None:
    """Run the dispatcher's loop until ``done()``, then stop it.

    The loop yields to the dispatcher until it is done; the deadline only keeps a broken
    dispatcher from hanging the suite (a slow machine's database calls take real time, so a
    count of yields is no measure of it).
    """
    stop = asyncio.Event()
    loop = asyncio.create_task(dispatcher.run(stop, interval=0.5))
    deadline = time.monotonic() + 120
    for _ in itertools.count():
        if done() or loop.done() or time.monotonic() > deadline:
            break
        await asyncio.sleep(0)
    stop.set()
    await loop


# ---- on a frozen clock ------------------------------------------------------------------------


def test_a_reply_committed_during_a_bulk_run_overtakes_the_bulk_rows_still_waiting(
    sqlite_runtime: Runtime, clock: FrozenClock
) -> None:
    """Bulk rows already claimed do not hold a reply back: it takes the next free slot."""
    runtime = sqlite_runtime
    platform = Platform(clock)
    limiter = RateLimiter(Limits(per_second=30), clock, is_group=lambda _: False)
    dispatcher = Dispatcher(
        runtime.db,
        {"simulator": platform},
        clock,
        limits={"simulator": limiter},
        sleep=frozen_sleep(clock),
    )
    bulk = [f"b{n:02}" for n in range(60)]
    add_rows(runtime, bulk)
    committed: list[float] = []

    def amina_writes() -> None:
        outcome = runtime.turns.handle_inbound(
            parse_request({"user": "amina", "text": "Hallo"}, clock())
        )
        assert len(outcome.outbox_keys) == 1
        committed.append(clock().timestamp())
        dispatcher.wake()  # what the inbound pipeline does after each committed turn

    platform.during[10] = amina_writes
    asyncio.run(run_until(dispatcher, lambda: len(platform.arrived) == 61))

    order = platform.addresses()
    assert sorted(order) == sorted([*bulk, "amina"])  # everyone exactly once
    reply_at = order.index("amina")
    # Sent 11th or 12th: only a bulk send already started may be ahead of it, although 50
    # bulk rows were claimed before she wrote.
    assert 11 <= reply_at <= 12
    assert order[:reply_at] + order[reply_at + 1 :] == bulk  # bulk otherwise in its order
    waited = platform.arrived[reply_at][0] - committed[0]
    assert waited <= 1 / 30 + 0.01  # at most one pacing interval (frozen clock)
    assert statuses(runtime) == Counter({"sent": 61})


def test_sends_overlap_yet_each_chat_keeps_its_order_and_every_limit(
    sqlite_runtime: Runtime, clock: FrozenClock
) -> None:
    runtime = sqlite_runtime
    platform = Platform(clock, latency=0.05)
    limiter = RateLimiter(Limits(per_second=30), clock, is_group=lambda _: False)
    dispatcher = Dispatcher(
        runtime.db,
        {"simulator": platform},
        clock,
        limits={"simulator": limiter},
        sleep=frozen_sleep(clock),
        concurrency=6,
    )
    chats = [f"c{n}" for n in range(12)]
    add_rows(runtime, chats, priority=0, per_chat=3)

    async def drain() -> None:
        while await dispatcher.dispatch():
            pass

    asyncio.run(drain())
    assert 2 <= platform.max_in_flight <= 6
    assert len(platform.arrived) == 36
    times = [t for t, _, _ in platform.arrived]
    assert max_in_window(times, 1.0) <= 30
    for chat in chats:
        mine = [(t, text) for t, address, text in platform.arrived if address == chat]
        assert [text for _, text in mine] == [f"{chat} {n}" for n in range(3)]
        gaps = [b - a for (a, _), (b, _) in itertools.pairwise(mine)]
        assert min(gaps) >= 1.0 - 1e-6
    assert statuses(runtime) == Counter({"sent": 36})


def test_bulk_is_paced_one_send_per_interval() -> None:
    clock = FrozenClock()
    limiter = RateLimiter(Limits(per_second=30), clock)
    limiter.release("1", limiter.reserve("1", paced=True))
    assert limiter.wait_time("2", paced=True) == pytest.approx(1 / 30)
    assert limiter.wait_time("2") == 0  # a reply is not paced
    clock.advance(seconds=1 / 30 + 1e-5)
    assert limiter.wait_time("2", paced=True) == 0


def test_a_kill_mid_broadcast_leaves_only_unwritten_answers_in_doubt_and_sends_the_rest_once(
    runtime: Runtime, clock: FrozenClock
) -> None:
    """The batched bookkeeping loses nothing: what the platform got but the database did not
    record as ``sent`` is in doubt (never resent); everything else goes out exactly once."""
    platform = Platform(clock)
    first = Dispatcher(
        runtime.db, {"simulator": platform}, clock, concurrency=4, settle_interval=0.0
    )
    dead = False

    def kill() -> None:  # kill -9 while the 12th message is in flight
        nonlocal dead
        dead = True
        raise Killed

    def unless_dead(write: Callable[..., Any]) -> Callable[..., Any]:
        def guarded(*args: Any) -> Any:
            if dead:
                raise Killed  # a killed process writes nothing more
            return write(*args)

        return guarded

    for name in ("_settle_sent_many", "_mark_sending_many", "_unclaim", "_settle_failed"):
        setattr(first, name, unless_dead(getattr(first, name)))
    platform.during[11] = kill
    chats = [f"k{n:02}" for n in range(30)]
    add_rows(runtime, chats)
    with pytest.raises(Killed):
        asyncio.run(first.dispatch())

    delivered = set(platform.addresses())
    with runtime.db.connect() as conn:
        at_kill = {
            status: set(addresses)
            for status, addresses in itertools.groupby(
                conn.execute(
                    select(outbox.c.status, outbox.c.idempotency_key).order_by(outbox.c.status)
                ).tuples(),
                key=lambda pair: pair[0],
            )
        }
    assert len(delivered) == 12
    sent_keys = {key for _, key in at_kill.get("sent", set())}
    unwritten = len(delivered) - len(sent_keys)
    assert unwritten >= 1  # at least the one in flight at the kill
    assert len(at_kill.get("sending", set())) == unwritten

    restarted = Dispatcher(runtime.db, {"simulator": platform}, clock)
    assert restarted.recover() == unwritten
    while asyncio.run(restarted.dispatch()):
        pass

    assert Counter(platform.addresses()) == Counter(chats)  # nobody missed, nobody twice
    with runtime.db.connect() as conn:
        doubtful = set(
            conn.execute(select(outbox.c.address).where(outbox.c.status == "in_doubt")).scalars()
        )
    assert len(doubtful) == unwritten
    assert doubtful <= delivered  # only messages that did reach the platform are in doubt
    assert statuses(runtime) == Counter({"sent": len(chats) - unwritten, "in_doubt": unwritten})


# ---- against a limit-enforcing Bot API stand-in, through python-telegram-bot ---------------


@pytest.fixture
def stand_in() -> Iterator[LimitingBotApi]:
    with LimitingBotApi(per_second=30, latency=0.05).in_thread() as server:
        yield server


@pytest.fixture
def live_runtime(sqlite_url: str, stand_in: LimitingBotApi) -> Iterator[Runtime]:
    with live_telegram_runtime(sqlite_url, stand_in.url) as runtime:
        yield runtime


def test_a_broadcast_through_the_real_bot_overlaps_sends_and_sees_no_429(
    live_runtime: Runtime, stand_in: LimitingBotApi
) -> None:
    chats = [str(9000 + n) for n in range(75)]
    add_rows(live_runtime, chats, channel="telegram")
    reply_chat = "8999"
    at_reply: list[int] = []

    async def scenario() -> None:
        assert live_runtime.telegram is not None
        assert await live_runtime.telegram.ensure_ready()
        stop = asyncio.Event()
        loop = asyncio.create_task(live_runtime.dispatcher.run(stop, interval=0.2))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(stand_in.accepted) < 76:
            if not at_reply and len(stand_in.accepted) >= 20:
                at_reply.append(len(stand_in.accepted))
                await asyncio.to_thread(add_rows, live_runtime, [reply_chat], 0, 1, "telegram")
                live_runtime.dispatcher.wake()
            await asyncio.sleep(0.01)
        stop.set()
        await loop
        await live_runtime.telegram.stop()

    asyncio.run(scenario())
    assert stand_in.refused == []  # no 429 provoked
    received = [chat for _, chat, _ in stand_in.accepted]
    assert sorted(received) == sorted([*chats, reply_chat])  # each exactly once
    assert stand_in.max_in_flight >= 2  # sends overlap although each answer takes 50 ms
    # The reply went out right away: at most the sends in flight and the next slot ahead of it.
    assert received.index(reply_chat) <= at_reply[0] + live_runtime.dispatcher.concurrency + 1
    assert statuses(live_runtime) == Counter({"sent": 76})
