"""Telegram's send limits: 30 messages a second in total, 1 a second per chat, 20 a minute per group.

* The limiter's bookkeeping runs on a frozen clock (no sleeping).
* The dispatcher, driven with a frozen clock whose ``sleep`` moves time, never exceeds a limit.
* A real run: the dispatcher sends a burst through the real python-telegram-bot ``Bot`` to a
  local stand-in that answers 429 with ``retry_after`` when more than 30 messages arrive in a
  second, or more than one a second to one chat.  No 429 in normal operation; after a forced
  429 the message is sent again after ``retry_after`` and delivered exactly once.  Errors are
  classed: 403 marks her unreachable, other 4xx are final, 5xx retried.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from bot.channels.base import SendError
from bot.channels.messages import Outbound, SendResult
from bot.channels.telegram.transport import send_error
from bot.db.models import ChannelIdentity, OutboxMessage, Person
from bot.outbox.dispatcher import Dispatcher
from bot.outbox.ratelimit import Limits, RateLimiter
from bot.runtime import Runtime
from tests.auxil.clock import FrozenClock
from tests.auxil.limiting_bot_api import LimitingStandIn, max_in_window
from tests.auxil.telegram import live_telegram_runtime

outbox = OutboxMessage.__table__

# ---- the limiter on a frozen clock ------------------------------------------------------------


def test_one_message_a_second_per_chat() -> None:
    clock = FrozenClock()
    limiter = RateLimiter(Limits(), clock)
    assert limiter.wait_time("1") == 0
    limiter.release("1", limiter.reserve("1"))
    assert limiter.wait_time("1") == pytest.approx(1.0)
    assert limiter.wait_time("2") == 0  # another chat may go at once
    clock.advance(seconds=0.4)
    assert limiter.wait_time("1") == pytest.approx(0.6)
    clock.advance(seconds=0.6)
    assert limiter.wait_time("1") == 0


def test_thirty_a_second_in_total() -> None:
    clock = FrozenClock()
    limiter = RateLimiter(Limits(per_second=30), clock)
    for chat in range(30):
        assert limiter.wait_time(str(chat)) == 0
        limiter.release(str(chat), limiter.reserve(str(chat)))
        clock.advance(seconds=0.001)
    assert limiter.wait_time("99") == pytest.approx(1.0 - 0.030)
    clock.advance(seconds=0.971)
    assert limiter.wait_time("99") == 0


def test_twenty_a_minute_to_a_group() -> None:
    clock = FrozenClock()
    limiter = RateLimiter(Limits(group_per_minute=20), clock)
    limiter.release("-100", limiter.reserve("-100"))
    assert limiter.wait_time("-100") == pytest.approx(3.0)  # 60 s / 20
    assert limiter.wait_time("100") == 0  # a person's chat is not a group


def test_retry_after_pauses_the_whole_channel() -> None:
    clock = FrozenClock()
    limiter = RateLimiter(Limits(), clock)
    limiter.block(7)
    assert limiter.wait_time("5") == pytest.approx(7)
    clock.advance(seconds=7)
    assert limiter.wait_time("5") == 0


# ---- the dispatcher on a frozen clock ---------------------------------------------------------


class Recorder:
    """A Telegram adapter that records when (by the frozen clock) it sent what."""

    name = "telegram"

    def __init__(self, clock: FrozenClock) -> None:
        self.clock = clock
        self.sent: list[tuple[float, str, str]] = []

    async def send(self, address: str, message: Outbound) -> SendResult:
        self.sent.append((self.clock().timestamp(), address, message.text))
        self.clock.advance(seconds=0.002)  # the network takes a little time
        return SendResult(None)


def add_rows(runtime: Runtime, chats: list[str], per_chat: int, prefix: str = "m") -> None:
    now = runtime.clock()
    rows = [
        {
            "idempotency_key": f"{prefix}:{chat}:{n}",
            "channel": "telegram",
            "address": chat,
            "kind": "test",
            "priority": 0,
            "payload": {"text": f"{prefix} {chat} {n}", "choices": [], "language": "de"},
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for n in range(per_chat)
        for chat in chats
    ]
    with runtime.db.begin() as conn:
        conn.execute(insert(outbox), rows)


def test_a_burst_keeps_every_limit_with_a_frozen_clock(
    sqlite_runtime: Runtime, clock: FrozenClock
) -> None:
    recorder = Recorder(clock)

    async def sleep(seconds: float) -> None:
        clock.advance(seconds=seconds)

    limiter = RateLimiter(Limits(), clock)
    dispatcher = Dispatcher(
        sqlite_runtime.db, {"telegram": recorder}, clock, limits={"telegram": limiter}, sleep=sleep
    )
    chats = [str(1000 + i) for i in range(40)] + ["-100777"]
    add_rows(sqlite_runtime, chats, per_chat=3)

    async def drain() -> None:
        while await dispatcher.dispatch():
            pass

    started = clock().timestamp()
    asyncio.run(drain())
    assert len(recorder.sent) == 123
    times = [t for t, _, _ in recorder.sent]
    assert max_in_window(times, 1.0) <= 30
    by_chat: dict[str, list[float]] = {}
    for t, chat, _ in recorder.sent:
        by_chat.setdefault(chat, []).append(t)
    for chat, chat_times in by_chat.items():
        gaps = [b - a for a, b in itertools.pairwise(chat_times)]
        assert min(gaps) >= (3.0 if chat.startswith("-") else 1.0) - 1e-6, chat
    # Each chat's messages arrive in their order.
    for chat in chats:
        texts = [text for _, c, text in recorder.sent if c == chat]
        assert texts == [f"m {chat} {n}" for n in range(3)]
    # The group's 3 messages need 6 s (one per 3 s); the 120 others would need 4 s at 30/s.  Chats
    # are interleaved, so the whole burst takes about as long as its slowest chat.
    elapsed = clock().timestamp() - started
    assert elapsed < 7.5


# ---- a real run against a rate-limiting stand-in ----------------------------------------------


@pytest.fixture
def stand_in() -> Iterator[LimitingStandIn]:
    with LimitingStandIn() as server:
        yield server


@pytest.fixture
def live_runtime(sqlite_url: str, stand_in: LimitingStandIn) -> Iterator[Runtime]:
    with live_telegram_runtime(sqlite_url, stand_in.url) as runtime:
        yield runtime


def statuses(runtime: Runtime) -> Counter[str]:
    with runtime.db.connect() as conn:
        rows = conn.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status))
        return Counter(dict(rows.tuples().all()))


async def drain(runtime: Runtime) -> None:
    assert runtime.telegram is not None
    assert await runtime.telegram.ensure_ready()
    deadline = time.monotonic() + 30.0
    while time.monotonic() < deadline:
        await runtime.dispatcher.dispatch()
        left = statuses(runtime)
        if not left["pending"] and not left["sending"] and not left["claimed"]:
            break
        await asyncio.sleep(0.05)  # a retry is due in retry_after seconds
    await runtime.telegram.stop()


def test_a_burst_through_the_real_bot_sees_no_429(
    live_runtime: Runtime, stand_in: LimitingStandIn
) -> None:
    chats = [str(5000 + i) for i in range(60)]
    add_rows(live_runtime, chats, per_chat=2)
    started = time.monotonic()
    asyncio.run(drain(live_runtime))
    elapsed = time.monotonic() - started
    assert stand_in.refused == []
    assert statuses(live_runtime) == Counter({"sent": 120})
    assert len(stand_in.accepted) == 120
    assert len({(c, t) for _, c, t in stand_in.accepted}) == 120  # each exactly once
    times = [t for t, _, _ in stand_in.accepted]
    peak = max_in_window(times, 1.0)
    rate = len(times) / elapsed
    print(
        f"\nmeasured send rate: {rate:.1f} messages/s on average ({len(times)} messages to "
        f"{len(chats)} chats in {elapsed:.2f} s), at most {peak} in any 1 s window; "
        f"0 × 429 (limits: 30/s, 1/s per chat)"
    )
    assert peak <= 30
    assert rate > 20  # the limiter does not throttle far below Telegram's limit


def test_a_forced_429_is_retried_after_retry_after_and_delivered_once(
    live_runtime: Runtime, stand_in: LimitingStandIn
) -> None:
    stand_in.force.append(
        (
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 2",
                "parameters": {"retry_after": 2},
            },
        )
    )
    add_rows(live_runtime, ["6001", "6002", "6003"], per_chat=1)
    asyncio.run(drain(live_runtime))
    assert statuses(live_runtime) == Counter({"sent": 3})
    [(refused_at, chat, _)] = stand_in.refused
    delivered = [(t, text) for t, c, text in stand_in.accepted if c == chat]
    assert len(delivered) == 1  # exactly once
    assert delivered[0][0] - refused_at >= 2.0  # not before retry_after
    # The whole channel paused: nothing was started during retry_after.  Sends already in
    # flight beside the refused one (the dispatcher sends concurrently) arrive within
    # milliseconds of it; nothing may arrive later than that until retry_after is over.
    assert all(t - refused_at < 0.5 or t - refused_at >= 2.0 for t, _, _ in stand_in.accepted)


def _identity_row(runtime: Runtime, chat: str) -> int:
    now = runtime.clock()
    with runtime.db.begin() as conn:
        person = conn.execute(
            insert(Person.__table__)
            .values(
                organisation_id=1,
                role="participant",
                status="active",
                interests=[],
                attend_help=[],
                created_at=now,
            )
            .returning(Person.__table__.c.id)
        ).scalar_one()
        identity = conn.execute(
            insert(ChannelIdentity.__table__)
            .values(
                person_id=person,
                channel="telegram",
                lookup_key=f"k{chat}",
                address=chat,
                status="ok",
                created_at=now,
            )
            .returning(ChannelIdentity.__table__.c.id)
        ).scalar_one()
        for n in range(2):
            conn.execute(
                insert(outbox).values(
                    idempotency_key=f"blocked:{chat}:{n}",
                    person_id=person,
                    identity_id=identity,
                    channel="telegram",
                    kind="test",
                    priority=0,
                    payload={"text": f"x{n}", "choices": []},
                    status="pending",
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
    return identity


def test_403_marks_her_unreachable_and_stops_sends_there(
    live_runtime: Runtime, stand_in: LimitingStandIn
) -> None:
    identity = _identity_row(live_runtime, "7001")
    stand_in.force.append(
        (
            403,
            {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            },
        )
    )
    asyncio.run(drain(live_runtime))
    with live_runtime.db.connect() as conn:
        status = conn.execute(
            select(ChannelIdentity.__table__.c.status).where(
                ChannelIdentity.__table__.c.id == identity
            )
        ).scalar_one()
        errors = list(conn.execute(select(outbox.c.status, outbox.c.error).order_by(outbox.c.id)))
    assert status == "unreachable"
    assert [e[0] for e in errors] == ["failed", "failed"]
    assert "blocked" in errors[0][1]
    assert errors[1][1] == "recipient unreachable"
    assert len(stand_in.refused) == 1 and not stand_in.accepted  # the second was never tried


@pytest.mark.parametrize(
    ("status", "retryable", "unreachable"),
    [
        (400, False, False),
        (404, False, False),
        (413, False, False),
        (500, True, False),
        (502, True, False),
        (403, False, True),
    ],
)
def test_errors_are_classed(
    live_runtime: Runtime,
    stand_in: LimitingStandIn,
    status: int,
    retryable: bool,
    unreachable: bool,
) -> None:
    stand_in.force.append((status, {"ok": False, "error_code": status, "description": "nope"}))
    assert live_runtime.telegram is not None

    async def send_one() -> SendError:
        assert live_runtime.telegram is not None
        try:
            await live_runtime.telegram.send("8001", Outbound("hallo"))
        except SendError as error:
            return error
        finally:
            await live_runtime.telegram.stop()
        raise AssertionError("no error")

    error = asyncio.run(send_one())
    assert (error.retryable, error.unreachable) == (retryable, unreachable)
    assert error.reason


def test_network_errors_are_retryable() -> None:
    from telegram.error import NetworkError, RetryAfter, TimedOut

    assert send_error(TimedOut()).retryable
    assert send_error(NetworkError("connection reset")).retryable
    error = send_error(RetryAfter(timedelta(seconds=3)))
    assert error.retryable and error.retry_after == 3
    assert json.dumps(error.reason)
