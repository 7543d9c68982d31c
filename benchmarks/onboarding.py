"""Onboarding throughput: N simulated participants through the real inbound path, concurrently.

Each message takes the path a real one takes: the simulator adapter parses the JSON body, the
conversation service runs the engine and commits state, inbound id and outbox rows in one
transaction.  (Sending the outbox is the dispatcher's separate job and is not timed here.)

    make bench                                   # SQLite, 2 000 participants
    python -m benchmarks.onboarding --people 500
    TWC_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1/postgres make bench

Prints messages per second, latency percentiles and peak RSS per database.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bot.channels.simulator.parse import parse_request
from bot.db.migrate import upgrade
from bot.demo import load_demo
from bot.runtime import build_runtime, utc_now
from bot.settings import Settings
from tests.auxil.databases import postgres_database

SECRET = "benchmark-secret-key-0123456789-0123456789"


def script(user: str) -> list[dict[str, Any]]:
    """The nine messages of one onboarding, as the simulator API would receive them."""
    return [
        {"user": user, "text": "Hallo"},
        {"user": user, "choice": "onboarding.choose_language:ar"},
        {"user": user, "choice": "onboarding.privacy_notice:yes"},
        {"user": user, "text": "Amina"},
        {"user": user, "choice": "onboarding.ask_town:t1"},
        {"user": user, "choice": "onboarding.ask_interests:course"},
        {"user": user, "choice": "onboarding.ask_interests:done"},
        {"user": user, "choice": "onboarding.ask_support:done"},
        {"user": user, "choice": "onboarding.ask_messages:yes"},
    ]


@dataclass
class Outcome:
    """One database's figures."""

    database: str
    messages: int
    seconds: float
    latencies: list[float]
    peak_rss_mib: float
    replies: int

    @property
    def rate(self) -> float:
        return self.messages / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


def run(database: str, url: str, people: int) -> Outcome:
    """Drive ``people`` onboardings at once, each one message after the other."""
    settings = Settings(database_url=url, environment="test", secret_key=SECRET)
    upgrade(url)
    # The channel-neutral inbound path: state, inbound id and the replies as outbox rows for
    # the dispatcher (the simulator's own screens are measured over HTTP: benchmarks.http).
    runtime = build_runtime(settings, simulator_screens=False)
    load_demo(runtime.db, SECRET, utc_now())
    latencies: list[float] = []
    replies = 0

    async def participant(user: str) -> None:
        nonlocal replies
        for body in script(user):
            started = time.perf_counter()
            outcome = await runtime.inbound.receive(parse_request(body, utc_now()))
            latencies.append(time.perf_counter() - started)
            replies += len(outcome.replies)

    async def everyone() -> None:
        await asyncio.gather(*(participant(f"bench-{i}") for i in range(people)))

    started = time.perf_counter()
    asyncio.run(everyone())
    elapsed = time.perf_counter() - started
    runtime.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return Outcome(database, len(latencies), elapsed, latencies, peak, replies)


def main() -> None:
    """Parse arguments, run each configured database, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--people", type=int, default=int(os.environ.get("TWC_BENCH_PEOPLE", 2000))
    )
    parser.add_argument(
        "--quiet-people",
        type=int,
        default=20,
        help="a second, light run: latency when few people write at the same moment",
    )
    args = parser.parse_args()
    outcomes = []
    databases = [("SQLite (WAL)", None)]
    postgres = os.environ.get("TWC_BENCH_POSTGRES_URL")
    if postgres:
        databases.append(("PostgreSQL", postgres))
    for name, server in databases:
        for people in (args.people, args.quiet_people):
            label = f"{name}, {people} at once"
            if server is None:
                with tempfile.TemporaryDirectory() as folder:
                    url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
                    outcomes.append(run(label, url, people))
            else:
                with postgres_database(server, prefix="twc_bench") as url:
                    outcomes.append(run(label, url, people))
    table = Table(title="Onboarding through the real inbound path, 9 messages per participant")
    for column in (
        "run",
        "messages",
        "msg/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "mean ms",
        "replies",
        "peak RSS MiB",
    ):
        table.add_column(column, justify="right")
    for o in outcomes:
        table.add_row(
            o.database,
            str(o.messages),
            f"{o.rate:,.0f}",
            f"{o.percentile(50):.2f}",
            f"{o.percentile(95):.2f}",
            f"{o.percentile(99):.2f}",
            f"{statistics.fmean(o.latencies) * 1000:.2f}",
            str(o.replies),
            f"{o.peak_rss_mib:.0f}",
        )
    Console().print(table)


if __name__ == "__main__":
    main()
