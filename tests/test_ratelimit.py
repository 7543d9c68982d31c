"""The token bucket keeps a send rate on a fake monotonic clock (nothing really sleeps)."""

from __future__ import annotations

import asyncio

from bot.services.ratelimit import TokenBucket


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_eighty_per_second_sends_a_burst_then_keeps_the_rate() -> None:
    time = FakeTime()
    bucket = TokenBucket(80, clock=time, sleep=time.sleep)

    async def send(n: int) -> None:
        for _ in range(n):
            await bucket.acquire()

    asyncio.run(send(80))
    assert time.slept == [] and time.now == 100.0  # one second's worth at once
    asyncio.run(send(160))
    assert abs(time.now - 102.0) < 1e-6  # then 80 a second


def test_pause_stops_sending_for_a_while() -> None:
    time = FakeTime()
    bucket = TokenBucket(10, clock=time, sleep=time.sleep)
    bucket.pause(5)
    assert 5 <= bucket.wait_time() <= 5.1
    asyncio.run(bucket.acquire())
    assert time.now >= 105.0
