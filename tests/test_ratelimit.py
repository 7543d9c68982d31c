"""The WhatsApp send rate: one total rate per sender (Twilio), no per-chat spacing."""

from __future__ import annotations

from datetime import timedelta

from bot.outbox.ratelimit import Limits, RateLimiter
from tests.auxil.clock import FrozenClock


def whatsapp_limiter(clock: FrozenClock, rate: float = 80.0) -> RateLimiter:
    return RateLimiter(
        Limits(per_second=rate, chat_interval=0.0), clock, is_group=lambda _address: False
    )


def test_eighty_per_second_then_the_next_waits(clock: FrozenClock) -> None:
    limiter = whatsapp_limiter(clock)
    for index in range(80):
        address = f"whatsapp:+4915100000{index:03d}"
        assert limiter.wait_time(address) == 0.0
        limiter.release(address, limiter.reserve(address))
    assert limiter.wait_time("whatsapp:+4915100000999") > 0.0
    clock.advance(seconds=1)
    assert limiter.wait_time("whatsapp:+4915100000999") == 0.0


def test_one_person_may_get_several_messages_at_once(clock: FrozenClock) -> None:
    limiter = whatsapp_limiter(clock)
    address = "whatsapp:+491510000001"
    limiter.release(address, limiter.reserve(address))
    assert limiter.wait_time(address) == 0.0  # no per-chat interval on WhatsApp


def test_slow_down_blocks_the_channel_for_a_while(clock: FrozenClock) -> None:
    limiter = whatsapp_limiter(clock)
    limiter.block(5.0)
    assert 4.9 < limiter.wait_time("whatsapp:+491510000001") <= 5.0
    clock.now += timedelta(seconds=5)
    assert limiter.wait_time("whatsapp:+491510000001") == 0.0
