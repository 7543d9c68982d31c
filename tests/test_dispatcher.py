"""The outbox dispatcher against a real database (SQLite and PostgreSQL) and a scripted platform.

Outbox rows are made the real way, by people writing to the bot through the conversation
service on the simulator channel.  They are then sent by a :class:`Dispatcher` whose
"simulator" adapter is :class:`ScriptedPlatform`: a fake that stands in for a messaging platform
(Telegram, WhatsApp).  It records every delivery attempt and fails or succeeds as each test
scripts it, so retries, final failures and crashes can be provoked on demand.  Time is a frozen
clock moved by hand; nothing sleeps.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, event, insert, select, text

from bot.channels.base import SendError
from bot.channels.messages import Outbound, SendResult
from bot.channels.simulator.parse import parse_request
from bot.db.models import ChannelIdentity, OutboxMessage
from bot.outbox.dispatcher import (
    MAX_ATTEMPTS,
    MAX_BACKOFF_SECONDS,
    Dispatcher,
    backoff,
    opted_out,
)
from bot.runtime import Runtime
from bot.turns.outcome import HandleOutcome
from tests.auxil.clock import FrozenClock
from tests.auxil.runtimes import make_runtime


@pytest.fixture
def runtime(database_url: str, clock: FrozenClock) -> Iterator[Runtime]:
    """Simulator replies wait in the outbox: these tests send them with a dispatcher."""
    rt = make_runtime(database_url, clock, simulator_screens=False)
    yield rt
    rt.close()


outbox = OutboxMessage.__table__
identities = ChannelIdentity.__table__


class ScriptedPlatform:
    """A fake messaging platform: records each send and fails as scripted per address.

    It stands in for Telegram or WhatsApp so the dispatcher's retry, failure and crash handling
    can be tested without a network.  ``script[address]`` is a queue of exceptions to raise on
    that address's next sends; when it is empty, a send succeeds with a fresh external id.
    """

    name = "simulator"

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.script: dict[str, list[BaseException]] = defaultdict(list)
        self.delivered = 0

    def fail_next(self, address: str, *errors: BaseException) -> None:
        """Make the next ``len(errors)`` sends to ``address`` raise these, in order."""
        self.script[address].extend(errors)

    async def send(self, address: str, message: Outbound) -> SendResult:
        """Record the attempt, then raise the next scripted error or accept the message."""
        self.calls.append((address, message.text))
        if self.script[address]:
            raise self.script[address].pop(0)
        self.delivered += 1
        return SendResult(external_id=f"platform-{self.delivered}")

    def texts_to(self, address: str) -> list[str]:
        """Every text an attempt was made to send to ``address``, in order."""
        return [sent_text for to, sent_text in self.calls if to == address]


@pytest.fixture
def platform() -> ScriptedPlatform:
    return ScriptedPlatform()


@pytest.fixture
def dispatcher(runtime: Runtime, platform: ScriptedPlatform, clock: FrozenClock) -> Dispatcher:
    """A dispatcher sending every simulator row to the scripted platform."""
    return Dispatcher(runtime.db, {"simulator": platform}, clock)


def say(runtime: Runtime, clock: FrozenClock, user: str, body: dict[str, Any]) -> HandleOutcome:
    """Let ``user`` send one simulator message to the bot; return what handling it produced."""
    return runtime.turns.handle_inbound(parse_request({"user": user, **body}, clock()))


def hello(runtime: Runtime, clock: FrozenClock, user: str) -> int:
    """``user`` says hello; return the id of the single reply row it queued."""
    outcome = say(runtime, clock, user, {"text": "Hallo"})
    assert len(outcome.outbox_keys) == 1
    return row_id(runtime, outcome.outbox_keys[0])


def row_id(runtime: Runtime, key: str) -> int:
    """The outbox row id for an idempotency key."""
    with runtime.db.connect() as conn:
        return conn.execute(
            select(outbox.c.id).where(outbox.c.idempotency_key == key)
        ).scalar_one()


def dispatch(dispatcher: Dispatcher) -> int:
    """Run one dispatcher batch; return how many rows it handled."""
    return asyncio.run(dispatcher.dispatch())


def row(runtime: Runtime, outbox_id: int) -> dict[str, Any]:
    """One outbox row, with its address decrypted."""
    with runtime.db.connect() as conn:
        return dict(conn.execute(select(outbox).where(outbox.c.id == outbox_id)).mappings().one())


def identity_status(runtime: Runtime, outbox_id: int) -> str:
    """The status of the channel identity an outbox row is addressed to."""
    with runtime.db.connect() as conn:
        return conn.execute(
            select(identities.c.status)
            .join(outbox, outbox.c.identity_id == identities.c.id)
            .where(outbox.c.id == outbox_id)
        ).scalar_one()


def queue_bulk(runtime: Runtime, clock: FrozenClock, like: int, texts: list[str]) -> list[int]:
    """Insert bulk rows (priority 5) to the same person as row ``like``; return their ids."""
    model = row(runtime, like)
    now = clock()
    with runtime.db.begin() as conn:
        return list(
            conn.execute(
                insert(outbox).returning(outbox.c.id),
                [
                    {
                        "idempotency_key": f"bulk:{model['id']}:{index}",
                        "person_id": model["person_id"],
                        "identity_id": model["identity_id"],
                        "channel": model["channel"],
                        "kind": "announcement",
                        "priority": 5,
                        "payload": {"text": body, "choices": [], "language": "de", "rtl": False},
                        "status": "pending",
                        "attempts": 0,
                        "next_attempt_at": now,
                        "created_at": now,
                    }
                    for index, body in enumerate(texts)
                ],
            ).scalars()
        )


def test_backoff_doubles_from_five_seconds_up_to_an_hour() -> None:
    """The retry schedule: 5 s, 10 s, 20 s … capped; a platform's own wait is taken as is."""
    assert [backoff(n) for n in (1, 2, 3, 4)] == [5.0, 10.0, 20.0, 40.0]
    assert backoff(30) == MAX_BACKOFF_SECONDS
    assert backoff(3, retry_after=42) == 42.0
    assert backoff(3, retry_after=-1) == 0.0


def test_pending_row_is_sent_once_and_recorded(
    runtime: Runtime, clock: FrozenClock, platform: ScriptedPlatform, dispatcher: Dispatcher
) -> None:
    """A reply goes out exactly once; sent_at, the platform's id and the status are stored."""
    outbox_id = hello(runtime, clock, "amina")
    queued = row(runtime, outbox_id)
    assert queued["status"] == "pending"
    assert queued["channel"] == "simulator"
    clock.advance(seconds=2)

    assert dispatch(dispatcher) == 1

    assert platform.calls == [("amina", queued["payload"]["text"])]
    sent = row(runtime, outbox_id)
    assert sent["status"] == "sent"
    assert sent["sent_at"] == clock.now
    assert sent["external_id"] == "platform-1"
    assert sent["attempts"] == 1
    assert sent["error"] is None

    assert dispatch(dispatcher) == 0
    clock.advance(hours=2)
    assert dispatch(dispatcher) == 0
    assert len(platform.calls) == 1


def test_retryable_failure_backs_off_and_is_sent_later(
    runtime: Runtime, clock: FrozenClock, platform: ScriptedPlatform, dispatcher: Dispatcher
) -> None:
    """A passing platform error is retried after 5 s, 10 s, 20 s…, never before it is due."""
    outbox_id = hello(runtime, clock, "amina")
    platform.fail_next("amina", *(SendError("gateway timeout", retryable=True) for _ in range(3)))

    for attempt, wait in enumerate([5, 10, 20], start=1):
        assert dispatch(dispatcher) == 1
        waiting = row(runtime, outbox_id)
        assert waiting["status"] == "pending"
        assert waiting["error"] == "gateway timeout"
        assert waiting["attempts"] == attempt
        assert waiting["next_attempt_at"] == clock.now + timedelta(seconds=wait)
        assert dispatch(dispatcher) == 0  # not due yet
        clock.advance(seconds=wait - 1)
        assert dispatch(dispatcher) == 0  # still not due
        assert len(platform.calls) == attempt
        clock.advance(seconds=1)

    assert dispatch(dispatcher) == 1
    sent = row(runtime, outbox_id)
    assert sent["status"] == "sent"
    assert sent["sent_at"] == clock.now
    assert sent["error"] is None
    assert len(platform.calls) == 4
    assert len(set(platform.calls)) == 1  # the same message each time


def test_platform_retry_after_is_honoured_exactly(
    runtime: Runtime, clock: FrozenClock, platform: ScriptedPlatform, dispatcher: Dispatcher
) -> None:
    """When the platform says "retry after 42 s", the row waits exactly 42 s."""
    outbox_id = hello(runtime, clock, "amina")
    platform.fail_next("amina", SendError("too many requests", retryable=True, retry_after=42))

    assert dispatch(dispatcher) == 1
    assert row(runtime, outbox_id)["next_attempt_at"] == clock.now + timedelta(seconds=42)
    clock.advance(seconds=41)
    assert dispatch(dispatcher) == 0
    clock.advance(seconds=1)
    assert dispatch(dispatcher) == 1
    assert row(runtime, outbox_id)["status"] == "sent"
    assert len(platform.calls) == 2


def test_row_fails_after_max_attempts_retryable_failures(
    runtime: Runtime, clock: FrozenClock, platform: ScriptedPlatform, dispatcher: Dispatcher
) -> None:
    """Retrying stops after MAX_ATTEMPTS: the row is failed with the last reason."""
    outbox_id = hello(runtime, clock, "amina")
    platform.fail_next(
        "amina", *(SendError("service unavailable", retryable=True) for _ in range(MAX_ATTEMPTS))
    )

    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert dispatch(dispatcher) == 1
        current = row(runtime, outbox_id)
        assert current["attempts"] == attempt
        if attempt < MAX_ATTEMPTS:
            assert current["status"] == "pending"
            clock.advance(seconds=backoff(attempt))

    failed = row(runtime, outbox_id)
    assert failed["status"] == "failed"
    assert failed["error"] == "service unavailable"
    assert failed["sent_at"] is None
    assert len(platform.calls) == MAX_ATTEMPTS
    clock.advance(days=1)
    assert dispatch(dispatcher) == 0
    assert len(platform.calls) == MAX_ATTEMPTS


def test_final_failure_fails_at_once_and_keeps_the_identity(
    runtime: Runtime, clock: FrozenClock, platform: ScriptedPlatform, dispatcher: Dispatcher
) -> None:
    """A non-retryable error fails the row without retries; she stays reachable."""
    outbox_id = hello(runtime, clock, "amina")
    platform.fail_next("amina", SendError("message too long", retryable=False))

    assert dispatch(dispatcher) == 1
    failed = row(runtime, outbox_id)
    assert failed["status"] == "failed"
    assert failed["error"] == "message too long"
    assert identity_status(runtime, outbox_id) == "ok"
    clock.advance(hours=2)
    assert dispatch(dispatcher) == 0
    assert len(platform.calls) == 1

    later = hello(runtime, clock, "amina")
    assert dispatch(dispatcher) == 1
    assert row(runtime, later)["status"] == "sent"


def test_unreachable_marks_the_identity_and_fails_later_rows_without_sending(
    runtime: Runtime, clock: FrozenClock, platform: ScriptedPlatform, dispatcher: Dispatcher
) -> None:
    """After "she blocked the bot" no further message to her reaches the platform."""
    outbox_id = hello(runtime, clock, "amina")
    other = hello(runtime, clock, "bea")
    platform.fail_next("amina", SendError("blocked by user", retryable=False, unreachable=True))

    assert dispatch(dispatcher) == 2
    failed = row(runtime, outbox_id)
    assert failed["status"] == "failed"
    assert failed["error"] == "blocked by user"
    assert identity_status(runtime, outbox_id) == "unreachable"
    assert identity_status(runtime, other) == "ok"  # only her identity
    assert row(runtime, other)["status"] == "sent"

    # A message the bot starts itself (an announcement) for her later on:
    (later,) = queue_bulk(runtime, clock, outbox_id, ["Neuer Kurs in Hoya"])
    calls = len(platform.calls)
    assert dispatch(dispatcher) == 1
    assert len(platform.calls) == calls  # the platform was not asked
    not_sent = row(runtime, later)
    assert not_sent["status"] == "failed"
    assert not_sent["error"] == "recipient unreachable"


def test_writing_again_after_being_unreachable_gets_her_replies_again(
    runtime: Runtime, clock: FrozenClock, platform: ScriptedPlatform, dispatcher: Dispatcher
) -> None:
    """A message from her proves she can be reached again (she unblocked the bot)."""
    first = hello(runtime, clock, "amina")
    platform.fail_next("amina", SendError("blocked by user", retryable=False, unreachable=True))
    assert dispatch(dispatcher) == 1
    assert identity_status(runtime, first) == "unreachable"

    clock.advance(days=3)
    again = hello(runtime, clock, "amina")
    assert dispatch(dispatcher) == 1
    assert row(runtime, again)["status"] == "sent"
    assert len(platform.texts_to("amina")) == 2


def test_adapter_crash_does_not_stop_the_batch_and_is_retried(
    runtime: Runtime, clock: FrozenClock, platform: ScriptedPlatform, dispatcher: Dispatcher
) -> None:
    """An adapter bug on one row costs neither the other rows nor that row itself."""
    rows = {user: hello(runtime, clock, user) for user in ("amina", "bea", "chiara")}
    platform.fail_next("bea", RuntimeError("adapter bug"))

    assert dispatch(dispatcher) == 3
    assert row(runtime, rows["amina"])["status"] == "sent"
    assert row(runtime, rows["chiara"])["status"] == "sent"
    crashed = row(runtime, rows["bea"])
    assert crashed["status"] == "pending"
    assert crashed["error"] == "adapter error: RuntimeError"
    assert crashed["next_attempt_at"] == clock.now + timedelta(seconds=backoff(1))

    clock.advance(seconds=backoff(1))
    assert dispatch(dispatcher) == 1
    assert row(runtime, rows["bea"])["status"] == "sent"
    assert [to for to, _ in platform.calls] == ["amina", "bea", "chiara", "bea"]


def test_rows_in_flight_at_a_crash_become_in_doubt_and_are_never_resent(
    runtime: Runtime, clock: FrozenClock, platform: ScriptedPlatform, dispatcher: Dispatcher
) -> None:
    """Claimed but unsettled rows (the process died mid-send) are not sent twice."""
    in_flight = [hello(runtime, clock, user) for user in ("amina", "bea")]
    claimed = dispatcher.claim()
    assert sorted(r["id"] for r in claimed) == sorted(in_flight)
    # handed to the platform ... and the process dies
    dispatcher._mark_sending_many([claimed_row["id"] for claimed_row in claimed])
    assert {row(runtime, i)["status"] for i in in_flight} == {"sending"}
    fresh = hello(runtime, clock, "chiara")  # queued after the crash, never in flight

    restarted = Dispatcher(runtime.db, {"simulator": platform}, clock)
    assert restarted.recover() == 2
    for outbox_id in in_flight:
        doubtful = row(runtime, outbox_id)
        assert doubtful["status"] == "in_doubt"
        assert doubtful["error"]

    assert asyncio.run(restarted.dispatch()) == 1
    clock.advance(days=1)
    assert asyncio.run(restarted.dispatch()) == 0
    assert asyncio.run(restarted.dispatch(in_flight)) == 0
    assert [to for to, _ in platform.calls] == ["chiara"]
    assert row(runtime, fresh)["status"] == "sent"
    assert {row(runtime, i)["status"] for i in in_flight} == {"in_doubt"}
    assert restarted.recover() == 0


def test_two_dispatchers_claiming_at_once_never_both_take_a_row(
    runtime: Runtime,
    clock: FrozenClock,
    platform: ScriptedPlatform,
    dispatcher: Dispatcher,
) -> None:
    """A row claimed by another dispatcher between our SELECT and our UPDATE is not ours.

    The web app's simulator endpoint calls ``dispatch(ids)`` while the background loop runs
    ``dispatch()``; if both claims returned the row, it would be sent twice.
    """
    outbox_id = hello(runtime, clock, "amina")
    other = Dispatcher(runtime.db, {"simulator": platform}, clock)
    taken_by_other: list[list[dict[str, Any]]] = []
    interleaved = False

    def claim_in_between(conn: Connection, cursor: Any, statement: str, *_: Any) -> None:
        nonlocal interleaved
        if not interleaved and statement.startswith("SELECT outbox.id \nFROM outbox"):
            interleaved = True  # before claiming: the other claim runs this hook too
            taken_by_other.append(other.claim())

    event.listen(runtime.db, "after_cursor_execute", claim_in_between)
    try:
        taken_by_us = dispatcher.claim()
    finally:
        event.remove(runtime.db, "after_cursor_execute", claim_in_between)

    assert len(taken_by_other) == 1
    winners = [r["id"] for r in taken_by_us + taken_by_other[0]]
    assert winners == [outbox_id]


def test_replies_go_before_bulk_messages(
    runtime: Runtime, clock: FrozenClock, platform: ScriptedPlatform
) -> None:
    """Priority 0 (someone chatting now) is sent before priority 5, even older bulk rows."""
    first_reply = hello(runtime, clock, "amina")
    bulk = queue_bulk(runtime, clock, first_reply, ["Bulk 1", "Bulk 2", "Bulk 3"])
    clock.advance(seconds=1)
    second_reply = hello(runtime, clock, "amina")
    assert first_reply < bulk[0] < bulk[-1] < second_reply
    replies = [row(runtime, i)["payload"]["text"] for i in (first_reply, second_reply)]

    small_batches = Dispatcher(runtime.db, {"simulator": platform}, clock, batch_size=2)
    assert dispatch(small_batches) == 2
    assert platform.texts_to("amina") == replies  # the first batch holds only the replies
    assert dispatch(small_batches) == 2
    assert dispatch(small_batches) == 1
    assert platform.texts_to("amina") == [*replies, "Bulk 1", "Bulk 2", "Bulk 3"]


def test_goodbye_to_an_erased_person_is_sent_and_then_forgets_the_address(
    runtime: Runtime, clock: FrozenClock, platform: ScriptedPlatform, dispatcher: Dispatcher
) -> None:
    """Erased by "/stop" before consent, she still gets the goodbye; then no address is kept."""
    user = "erin"
    start = say(runtime, clock, user, {"text": "/start"})
    language = start.replies[-1]["choices"][0]["id"]
    say(runtime, clock, user, {"choice": language})
    goodbye = say(runtime, clock, user, {"text": "/stop"})
    assert goodbye.person_id is None  # she is forgotten
    (goodbye_key,) = goodbye.outbox_keys
    goodbye_id = row_id(runtime, goodbye_key)

    queued = row(runtime, goodbye_id)
    assert queued["person_id"] is None
    assert queued["identity_id"] is None
    assert queued["address"] == user  # the only place her address is left
    with runtime.db.connect() as conn:
        stored = conn.execute(
            text("SELECT address FROM outbox WHERE id = :id"), {"id": goodbye_id}
        ).scalar_one()
    assert stored is not None

    clock.advance(seconds=1)
    dispatch(dispatcher)

    assert platform.calls[-1] == (user, goodbye.replies[-1]["text"])
    assert platform.texts_to(user).count(goodbye.replies[-1]["text"]) == 1
    sent = row(runtime, goodbye_id)
    assert sent["status"] == "sent"
    assert sent["sent_at"] == clock.now
    with runtime.db.connect() as conn:
        stored = conn.execute(
            text("SELECT address FROM outbox WHERE id = :id"), {"id": goodbye_id}
        ).scalar_one()
    assert stored is None
    assert dispatch(dispatcher) == 0


def test_rows_only_claimed_at_a_crash_go_back_to_pending_and_are_sent_once(
    runtime: Runtime, clock: FrozenClock, platform: ScriptedPlatform, dispatcher: Dispatcher
) -> None:
    """Claimed but not yet handed to the platform (waiting for a rate limit): safe to send."""
    waiting = hello(runtime, clock, "amina")
    dispatcher.claim()  # ... and the process dies while the row waits for its turn
    assert row(runtime, waiting)["status"] == "claimed"
    restarted = Dispatcher(runtime.db, {"simulator": platform}, clock)
    assert restarted.recover() == 0
    assert row(runtime, waiting)["status"] == "pending"
    assert asyncio.run(restarted.dispatch()) == 1
    assert [to for to, _ in platform.calls] == ["amina"]


def test_a_retry_after_a_partly_sent_message_starts_where_it_stopped(
    runtime: Runtime, clock: FrozenClock, platform: ScriptedPlatform, dispatcher: Dispatcher
) -> None:
    """The platform took the first part of a long message, then failed: the retry knows."""
    seen: list[int] = []
    original = platform.send

    async def remembering(address: str, message: Outbound) -> SendResult:
        seen.append(message.parts_sent)
        return await original(address, message)

    platform.send = remembering  # type: ignore[method-assign]
    outbox_id = hello(runtime, clock, "amina")
    platform.fail_next("amina", SendError("network", retryable=True, parts_sent=1))
    assert dispatch(dispatcher) == 1
    assert row(runtime, outbox_id)["payload"]["parts_sent"] == 1
    clock.advance(seconds=backoff(1))
    assert dispatch(dispatcher) == 1
    assert seen == [0, 1]
    assert row(runtime, outbox_id)["status"] == "sent"


def test_a_failed_mark_gives_the_rows_back_instead_of_stranding_them(
    runtime: Runtime,
    clock: FrozenClock,
    platform: ScriptedPlatform,
    dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A database error between choosing rows and marking them ``sending`` (a locked
    database, say) sends nothing and leaves nothing ``claimed`` until a restart."""
    waiting = [hello(runtime, clock, user) for user in ("amina", "bea")]
    marking = dispatcher._mark_sending_many

    def locked(_ids: list[int]) -> set[int]:
        raise RuntimeError("database is locked")

    monkeypatch.setattr(dispatcher, "_mark_sending_many", locked)
    with pytest.raises(RuntimeError, match="locked"):
        asyncio.run(dispatcher.dispatch())
    assert {row(runtime, i)["status"] for i in waiting} == {"pending"}

    monkeypatch.setattr(dispatcher, "_mark_sending_many", marking)
    asyncio.run(dispatcher.dispatch())
    assert {row(runtime, i)["status"] for i in waiting} == {"sent"}


def test_after_stop_answers_to_her_go_and_nothing_the_bot_starts() -> None:
    """Her confirmation, her data and her export files answer her (reply priority, whatever
    their kind); reminders and broadcasts are the bot's own and stop.  A channel opt-out
    (WhatsApp 21610) stops everything on that channel."""
    stopped = {"person_status": "opted_out"}
    assert not opted_out({**stopped, "kind": "reply", "priority": 0})
    assert not opted_out({**stopped, "kind": "my_data_export", "priority": 0})
    assert opted_out({**stopped, "kind": "broadcast", "priority": 5})
    assert opted_out({**stopped, "kind": "course_reminder", "priority": 5})
    assert opted_out({"identity_status": "opted_out", "kind": "reply", "priority": 0})
    assert not opted_out({"person_status": "active", "kind": "broadcast", "priority": 5})
