"""Issue 16, the linked Telegram group: a meetup's native poll, its votes, and neutral posts.

* The periodic job queues the poll once while the meetup is voting; the Telegram channel sends
  it as ``sendPoll`` (not anonymous, several answers) to the npm stand-in, whose missing
  ``sendPoll`` the fixing proxy answers as Telegram would; the poll's id becomes the outbox
  row's external id and then the meetup's ``telegram_poll_id``.
* ``poll_answer`` updates through the webhook count: a known active member as ``p:<id>`` (once,
  with her chat vote), anyone else as ``t:<keyed hash>``; a vote taken back removes it.
* The confirmation (time, place, counts), a move and a cancellation are posted once each, in
  the organisation's default language.
* No group post ever contains a member's name or number.
* 20 messages a minute to one group hold for posts and polls alike (the limiter's clock).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, update
from starlette.testclient import TestClient

from bot.channels.messages import Outbound, Poll, PollAnswer, SendResult
from bot.channels.telegram.parse import parse_json
from bot.channels.telegram.webhook import SECRET_HEADER
from bot.db.migrate import upgrade
from bot.db.tables import meetup_rsvps, meetup_votes, meetups, outbox
from bot.demo import load_demo
from bot.features.groups.meetup_votes import counts, record_votes
from bot.features.groups.telegram_posts import post_meetups
from bot.outbox.dispatcher import Dispatcher
from bot.outbox.ratelimit import Limits, RateLimiter
from bot.runtime import Runtime, build_runtime
from bot.web.app import create_app
from tests.auxil.clock import FrozenClock
from tests.auxil.constants import TEST_SECRET
from tests.auxil.group_posts import (
    GROUP_CHAT,
    LEYLA_TG,
    MARIAM_TG,
    MEMBER_NAMES,
    MEMBER_NUMBERS,
    STRANGER_TG,
    Linked,
    group_rows,
    linked_group,
)
from tests.auxil.limiting_bot_api import max_in_window
from tests.auxil.telegram import (
    WEBHOOK_SECRET,
    FixingProxy,
    StandIn,
    require_stand_in,
    webhook_settings,
)

_updates = itertools.count(1000)


def _runtime(url: str, clock: FrozenClock, api_url: str | None = None) -> Runtime:
    upgrade(url)
    settings = webhook_settings(url) if api_url is None else webhook_settings(url, api_url)
    runtime = build_runtime(settings, clock=clock)
    load_demo(runtime.db, TEST_SECRET, clock())
    return runtime


@pytest.fixture
def tg_runtime(database_url: str, clock: FrozenClock) -> Iterator[Runtime]:
    """Telegram in webhook mode (no Bot API needed: votes only come in), on both databases."""
    runtime = _runtime(database_url, clock)
    yield runtime
    runtime.close()


def post(runtime: Runtime) -> int:
    """One run of the periodic job."""
    with runtime.db.begin() as conn:
        return post_meetups(conn, runtime.flow_engine.catalogs, runtime.clock())


def poll_answer(poll_id: str, user: str, options: list[int]) -> dict[str, Any]:
    """A ``poll_answer`` update as Telegram posts it to the webhook."""
    return {
        "update_id": next(_updates),
        "poll_answer": {
            "poll_id": poll_id,
            "user": {"id": int(user), "is_bot": False, "first_name": "Someone"},
            "option_ids": options,
            "option_persistent_ids": [f"{poll_id}-{n}" for n in options],
        },
    }


def vote(client: TestClient, poll_id: str, user: str, options: list[int]) -> None:
    response = client.post(
        "/webhooks/telegram",
        json=poll_answer(poll_id, user, options),
        headers={SECRET_HEADER: WEBHOOK_SECRET},
    )
    assert response.status_code == 200, response.text


def votes(runtime: Runtime) -> list[tuple[str, int | None, str]]:
    with runtime.db.connect() as conn:
        return sorted(
            conn.execute(
                select(meetup_votes.c.voter, meetup_votes.c.person_id, meetup_votes.c.source)
            ).tuples()
        )


def tally(runtime: Runtime, meetup: int) -> list[int]:
    with runtime.db.connect() as conn:
        return [voters for _position, _at, voters in counts(conn, meetup)]


def pretend_sent(runtime: Runtime, poll_id: str) -> None:
    """What the dispatcher does once Telegram took the poll (the channel's external id)."""
    with runtime.db.begin() as conn:
        conn.execute(
            update(outbox)
            .where(outbox.c.idempotency_key.like("groups:tg-poll:%"))
            .values(status="sent", external_id=f"poll:{poll_id}", sent_at=runtime.clock())
        )


# ---- the poll through the stand-in ------------------------------------------------------------


@pytest.mark.slow
def test_the_poll_goes_to_telegram_as_a_native_poll_once(
    sqlite_url: str, clock: FrozenClock, tmp_path: Path
) -> None:
    require_stand_in()
    with StandIn(tmp_path) as stand_in, FixingProxy(stand_in.url) as proxy:
        runtime = _runtime(sqlite_url, clock, proxy.api_url)
        try:
            linked = linked_group(runtime, clock())
            assert post(runtime) == 1
            assert post(runtime) == 0  # queued once
            telegram = runtime.telegram
            assert telegram is not None

            async def sleep(seconds: float) -> None:
                clock.advance(seconds=seconds)

            async def send() -> None:
                assert await telegram.ensure_ready()
                dispatcher = Dispatcher(runtime.db, {"telegram": telegram}, clock, sleep=sleep)
                while await dispatcher.dispatch():
                    pass
                await telegram.stop()

            asyncio.run(send())
            (call,) = proxy.calls_of("sendPoll")
            assert int(call.params["chat_id"]) == int(GROUP_CHAT)
            assert call.params["question"] == (
                "📅 Frauencafé Hoya: Kaffee und Kuchen\n"
                "Wann können Sie kommen? Sie können mehrere Zeiten wählen."
            )
            assert [o["text"] for o in call.params["options"]] == [
                "Donnerstag, 3. Dezember 2026, 15:00",
                "Freitag, 4. Dezember 2026, 15:00",
                "Samstag, 5. Dezember 2026, 15:00",
                "Keine Zeit passt",
            ]
            assert call.params["is_anonymous"] is False
            assert call.params["allows_multiple_answers"] is True
            deadline = clock() + timedelta(days=2)  # Telegram closes the poll at the deadline
            assert int(call.params["close_date"]) == int(deadline.timestamp())
            (row,) = group_rows(runtime)
            assert row["status"] == "sent"
            assert row["external_id"] == f"poll:{call.params['poll_id']}"
            # The next run links the poll to its meetup and sends nothing more.
            assert post(runtime) == 0
            with runtime.db.connect() as conn:
                poll_id = conn.execute(
                    select(meetups.c.telegram_poll_id).where(meetups.c.id == linked.meetup)
                ).scalar()
            assert poll_id == call.params["poll_id"]
        finally:
            runtime.close()


# ---- votes from poll_answer updates ------------------------------------------------------------


def test_poll_answer_updates_are_parsed_into_notices() -> None:
    now = FrozenClock()()
    parsed = parse_json(poll_answer("p-1", "4242", [0, 2]), now)
    assert parsed == PollAnswer("telegram", "p-1", "4242", (0, 2), now)
    taken_back = parse_json(poll_answer("p-1", "4242", []), now)
    assert isinstance(taken_back, PollAnswer) and taken_back.option_ids == ()
    assert parse_json({"update_id": 5, "poll_answer": {"poll_id": "x"}}, now) is None


def test_poll_votes_through_the_webhook_count_once_per_woman(
    tg_runtime: Runtime, clock: FrozenClock
) -> None:
    linked = linked_group(tg_runtime, clock())
    post(tg_runtime)
    pretend_sent(tg_runtime, "5000000000000000001")
    leyla = f"p:{linked.leyla}"
    with TestClient(create_app(tg_runtime, background=False)) as client:
        # A vote before the job linked the poll: the outbox row's external id finds the meetup.
        vote(client, "5000000000000000001", LEYLA_TG, [0, 2])
        assert votes(tg_runtime) == [(leyla, linked.leyla, "poll"), (leyla, linked.leyla, "poll")]
        vote(client, "5000000000000000001", STRANGER_TG, [1, 2])
        vote(client, "5000000000000000001", MARIAM_TG, [0])  # she left: counted, not named
        assert tally(tg_runtime, linked.meetup) == [2, 1, 2]
        voters = {v for v, _p, _s in votes(tg_runtime)}
        assert len(voters) == 3 and leyla in voters
        assert all(v.startswith("t:") for v in voters - {leyla})
        assert not any(STRANGER_TG in v or MARIAM_TG in v for v in voters)
        # She changes her mind in the poll (replaces), then in her chat (still one vote).
        vote(client, "5000000000000000001", LEYLA_TG, [1])
        assert tally(tg_runtime, linked.meetup) == [1, 2, 1]
        with tg_runtime.db.begin() as conn:
            record_votes(conn, linked.meetup, leyla, linked.leyla, [2], "chat", clock())
        assert tally(tg_runtime, linked.meetup) == [1, 1, 2]
        # The stranger takes his vote back; "none fits" (position 3) is no vote either.
        vote(client, "5000000000000000001", STRANGER_TG, [])
        vote(client, "5000000000000000001", MARIAM_TG, [3])
        assert tally(tg_runtime, linked.meetup) == [0, 0, 1]
        # A vote in an unknown poll, or after the vote closed, changes nothing.
        vote(client, "123", STRANGER_TG, [0])
        with tg_runtime.db.begin() as conn:
            conn.execute(update(meetups).values(status="confirmed"))
        vote(client, "5000000000000000001", STRANGER_TG, [0])
        assert tally(tg_runtime, linked.meetup) == [0, 0, 1]
    with tg_runtime.db.connect() as conn:
        linked_poll = conn.execute(select(meetups.c.telegram_poll_id)).scalar()
    assert linked_poll == "5000000000000000001"


# ---- posts: confirmation, move, cancellation ---------------------------------------------------


def confirm(runtime: Runtime, linked: Linked, position: int, at: Any = None) -> None:
    with runtime.db.begin() as conn:
        option = conn.execute(
            select(meetups.c.id).where(meetups.c.id == linked.meetup)  # exists
        ).scalar_one()
        from bot.db.tables import meetup_options

        option_id, starts_at = conn.execute(
            select(meetup_options.c.id, meetup_options.c.starts_at).where(
                meetup_options.c.meetup_id == option, meetup_options.c.position == position
            )
        ).one()
        conn.execute(
            update(meetups)
            .where(meetups.c.id == linked.meetup)
            .values(status="confirmed", option_id=option_id, starts_at=at or starts_at)
        )


def answer(runtime: Runtime, meetup: int, person: int, value: str) -> None:
    with runtime.db.begin() as conn:
        conn.execute(
            insert(meetup_rsvps).values(
                meetup_id=meetup, person_id=person, answer=value, answered_at=runtime.clock()
            )
        )


def texts(runtime: Runtime) -> list[str]:
    return [row["payload"]["text"] for row in group_rows(runtime)]


def test_confirmation_move_and_cancellation_are_posted_once_each(
    tg_runtime: Runtime, clock: FrozenClock
) -> None:
    linked = linked_group(tg_runtime, clock())
    post(tg_runtime)
    with tg_runtime.db.begin() as conn:
        record_votes(conn, linked.meetup, f"p:{linked.leyla}", linked.leyla, [1], "chat", clock())
        record_votes(conn, linked.meetup, "t:abc", None, [1, 2], "poll", clock())
    confirm(tg_runtime, linked, 1)
    assert post(tg_runtime) == 1
    assert post(tg_runtime) == 0
    assert texts(tg_runtime)[1] == (
        "✅ Frauencafé Hoya: Kaffee und Kuchen\n"
        "Das Treffen findet statt.\n"
        "📅 Freitag, 4. Dezember 2026, 15:00\n"
        "📍 Gemeindehaus Hoya\n"
        "🙋 Stimmen für diese Zeit: 2"
    )
    # Moved: posted once per new time.
    moved_to = linked.options[1] + timedelta(hours=2)
    with tg_runtime.db.begin() as conn:
        conn.execute(update(meetups).values(starts_at=moved_to))
    assert post(tg_runtime) == 1
    assert post(tg_runtime) == 0
    assert texts(tg_runtime)[2] == (
        "🔁 Frauencafé Hoya: Kaffee und Kuchen\n"
        "Das Treffen ist verschoben. Die neue Zeit:\n"
        "📅 Freitag, 4. Dezember 2026, 17:00\n"
        "📍 Gemeindehaus Hoya"
    )
    with tg_runtime.db.begin() as conn:
        conn.execute(update(meetups).values(status="cancelled", updated_at=clock()))
    assert post(tg_runtime) == 1
    assert post(tg_runtime) == 0
    assert texts(tg_runtime)[3] == (
        "❌ Frauencafé Hoya: Kaffee und Kuchen\n"
        "Das Treffen fällt aus.\n"
        "📅 Freitag, 4. Dezember 2026, 17:00"
    )
    assert {row["address"] for row in group_rows(tg_runtime)} == {GROUP_CHAT}


def test_the_confirmation_counts_the_answers_in_the_organisation_language(
    tg_runtime: Runtime, clock: FrozenClock
) -> None:
    linked = linked_group(tg_runtime, clock(), language="uk")
    assert post(tg_runtime) == 1
    (poll_row,) = group_rows(tg_runtime)
    poll = Poll.from_payload(poll_row["payload"]["poll"])
    assert poll is not None and poll.multiple
    assert poll.question.startswith("📅 Жіноче кафе Хоя: Kaffee und Kuchen\n")
    assert poll.question.endswith("\nКоли ви можете прийти? Можна вибрати кілька варіантів часу.")
    assert poll.options[0] == "четвер, 3 грудня 2026\u202fр., 15:00"
    assert poll.options[-1] == "Жоден час не підходить"
    assert poll_row["payload"]["language"] == "uk"
    confirm(tg_runtime, linked, 0)
    answer(tg_runtime, linked.meetup, linked.leyla, "yes")
    answer(tg_runtime, linked.meetup, linked.olena, "maybe")
    assert post(tg_runtime) == 1
    assert texts(tg_runtime)[1] == (
        "✅ Жіноче кафе Хоя: Kaffee und Kuchen\n"
        "Зустріч відбудеться.\n"
        "📅 четвер, 3 грудня 2026\u202fр., 15:00\n"
        "📍 Gemeindehaus Hoya\n"
        "🙋 Прийдуть: 1 · Можливо: 1"
    )


def test_nothing_is_posted_for_an_unlinked_or_left_group(
    tg_runtime: Runtime, clock: FrozenClock
) -> None:
    from bot.db.tables import telegram_groups

    linked_group(tg_runtime, clock())
    with tg_runtime.db.begin() as conn:
        conn.execute(update(telegram_groups).values(status="left"))
    assert post(tg_runtime) == 0
    assert group_rows(tg_runtime) == []


# ---- privacy ----------------------------------------------------------------------------------


def test_no_group_post_contains_a_members_name_or_number(
    tg_runtime: Runtime, clock: FrozenClock
) -> None:
    linked = linked_group(tg_runtime, clock())
    post(tg_runtime)
    pretend_sent(tg_runtime, "5000000000000000002")
    with TestClient(create_app(tg_runtime, background=False)) as client:
        vote(client, "5000000000000000002", LEYLA_TG, [0])
        vote(client, "5000000000000000002", STRANGER_TG, [0, 1])
    confirm(tg_runtime, linked, 0)
    answer(tg_runtime, linked.meetup, linked.leyla, "yes")
    answer(tg_runtime, linked.meetup, linked.olena, "maybe")
    post(tg_runtime)
    with tg_runtime.db.begin() as conn:
        conn.execute(update(meetups).values(starts_at=linked.options[0] + timedelta(days=7)))
    post(tg_runtime)
    with tg_runtime.db.begin() as conn:
        conn.execute(update(meetups).values(status="cancelled", updated_at=clock()))
    post(tg_runtime)
    rows = group_rows(tg_runtime)
    assert len(rows) == 4  # poll, confirmation, move, cancellation
    forbidden = [
        *MEMBER_NAMES,
        *(part for name in MEMBER_NAMES for part in name.split()),
        *MEMBER_NUMBERS,
        STRANGER_TG,
    ]
    for row in rows:
        assert row["person_id"] is None and row["identity_id"] is None
        payload = row["payload"]
        seen = " ".join([payload["text"], *(payload.get("poll") or {}).get("options", [])]).lower()
        for word in forbidden:
            assert word.lower() not in seen, (word, seen)


# ---- 20 a minute to one group, polls included --------------------------------------------------


class Recorder:
    """A Telegram adapter that records when (by the frozen clock) it sent what."""

    name = "telegram"

    def __init__(self, clock: FrozenClock) -> None:
        self.clock = clock
        self.sent: list[tuple[float, str, bool]] = []

    async def send(self, address: str, message: Outbound) -> SendResult:
        self.sent.append((self.clock().timestamp(), address, message.poll is not None))
        self.clock.advance(seconds=0.002)
        return SendResult("poll:1" if message.poll is not None else None)


def test_twenty_a_minute_to_one_group_for_posts_and_polls(
    sqlite_runtime: Runtime, clock: FrozenClock
) -> None:
    now = clock()
    poll = Poll("📅 Frage", ("a", "b", "Keine Zeit passt")).to_payload()
    rows = [
        {
            "idempotency_key": f"groups:burst:{n}",
            "channel": "telegram",
            "address": GROUP_CHAT,
            "kind": "group",
            "priority": 5,
            "payload": {
                "text": f"post {n}",
                "choices": [],
                "language": "de",
                **({"poll": poll} if n % 2 else {}),
            },
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for n in range(45)
    ]
    with sqlite_runtime.db.begin() as conn:
        conn.execute(insert(outbox), rows)
    recorder = Recorder(clock)

    async def sleep(seconds: float) -> None:
        clock.advance(seconds=seconds)

    dispatcher = Dispatcher(
        sqlite_runtime.db,
        {"telegram": recorder},  # type: ignore[dict-item]
        clock,
        limits={"telegram": RateLimiter(Limits(), clock)},
        sleep=sleep,
    )

    async def drain() -> None:
        while await dispatcher.dispatch():
            pass

    asyncio.run(drain())
    assert len(recorder.sent) == 45
    assert sum(1 for *_, is_poll in recorder.sent if is_poll) == 22
    times = [t for t, _, _ in recorder.sent]
    assert max_in_window(times, 60.0) <= 20
    assert min(b - a for a, b in itertools.pairwise(times)) >= 3.0 - 1e-6
    assert times[-1] - times[0] >= 44 * 3.0 - 1e-6


def test_the_periodic_job_wakes_the_dispatcher_only_when_it_queued(
    tg_runtime: Runtime, clock: FrozenClock
) -> None:
    from bot.features.groups.poll_side import PART

    (job,) = PART.periodic_jobs
    assert job.id == "groups_telegram_posts"
    assert job.run(tg_runtime) is False  # no group, nothing to post
    linked_group(tg_runtime, clock())
    assert job.run(tg_runtime) is True
    assert job.run(tg_runtime) is False
    # A vote past its deadline is not polled any more (even with its poll row gone).
    clock.advance(days=3)
    with tg_runtime.db.begin() as conn:
        conn.execute(delete(outbox))
    assert post(tg_runtime) == 0


def test_a_malformed_poll_in_a_payload_is_no_poll() -> None:
    assert Poll.from_payload(None) is None
    assert Poll.from_payload({"question": "?", "options": ["only one"]}) is None
    assert Poll.from_payload({"question": "?", "options": "a,b"}) is None
    message = Outbound.from_payload({"text": "x", "poll": {"question": "q", "options": [1, 2]}})
    assert message.poll == Poll("q", ("1", "2"), True)
    assert Poll("q", ("a", "b"), closes_at=5).to_payload()["closes_at"] == 5
