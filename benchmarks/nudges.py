"""Nudge throughput: claim and enqueue 100 000 due nudges on SQLite.

Sets up 10 000 consenting participants (one simulator identity each) in a course with ten
sessions tomorrow, and 100 000 due reminder rows (ten per person) — inserted with executemany,
not timed.  Then it times :func:`scheduler.due.fire_due` in a loop until every row is handled:
each reminder is formatted in her language (the engine runs once per session and language,
see bot.turns.uniform) and written as an outbox row with its nudge marked ``done``,
exactly as the sweep does it.  Prints a table: wall and CPU seconds (CPU time tells the work
apart from a busy machine), nudges per second and the most memory the process held while
the sweep ran.

    make bench                                    # includes this, 100 000 nudges
    python -m benchmarks.nudges --people 1000 --per-person 10
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, insert, select

from bot.db.migrate import upgrade
from bot.db.models import (
    ChannelIdentity,
    ConsentRecord,
    Course,
    CourseSession,
    Enrolment,
    Nudge,
    OutboxMessage,
    Person,
)
from bot.demo import load_demo
from bot.identity import lookup_key
from bot.runtime import build_runtime
from bot.settings import Settings
from scheduler.due import fire_due
from tests.auxil.databases import postgres_database

SECRET = "benchmark-secret-key-0123456789-0123456789"
LANGUAGES = ("de", "ar", "fa", "uk", "tr", "ru", "en")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def prepare(url: str, people_count: int, per_person: int, clock: Clock) -> None:
    """The people, the course, its sessions, and the due reminder rows."""
    settings = Settings(database_url=url, environment="test", secret_key=SECRET)
    upgrade(url)
    runtime = build_runtime(settings, clock=clock)
    load_demo(runtime.db, SECRET, clock())
    org = runtime.turns.organisations.by_slug("vnb-nienburg")
    assert org is not None
    with runtime.db.begin() as conn:
        course = conn.execute(
            insert(Course.__table__)
            .values(
                organisation_id=org.id,
                code="bench",
                title={"de": "Deutsch A2", "ar": "الألمانية A2", "fa": "آلمانی A2"},
                created_at=NOW,
                reminders=["2h"],
            )
            .returning(Course.__table__.c.id)
        ).scalar_one()
        session_ids, starts = [], {}
        for n in range(per_person):
            start = NOW + timedelta(days=1, minutes=30 * n)
            session_ids.append(
                conn.execute(
                    insert(CourseSession.__table__)
                    .values(
                        course_id=course,
                        starts_at=start,
                        ends_at=start + timedelta(hours=2),
                        place="VHS Nienburg",
                        address="Rühmkorffstraße 12",
                        directions="Bus 3",
                        childcare=True,
                        status="planned",
                    )
                    .returning(CourseSession.__table__.c.id)
                ).scalar_one()
            )
            starts[session_ids[-1]] = start.isoformat()
        first = conn.execute(select(func.coalesce(func.max(Person.__table__.c.id), 0))).scalar()
        conn.execute(
            insert(Person.__table__),
            [
                {
                    "organisation_id": org.id,
                    "role": "participant",
                    "language": LANGUAGES[i % len(LANGUAGES)],
                    "display_name": None,
                    "status": "active",
                    "interests": ["course"],
                    "attend_help": [],
                    "consent_given_at": NOW,
                    "created_at": NOW,
                }
                for i in range(people_count)
            ],
        )
        ids = list(
            conn.execute(
                select(Person.__table__.c.id)
                .where(Person.__table__.c.id > first, Person.__table__.c.role == "participant")
                .order_by(Person.__table__.c.id)
            ).scalars()
        )
        conn.execute(
            insert(ChannelIdentity.__table__),
            [
                {
                    "person_id": p,
                    "channel": "simulator",
                    "lookup_key": lookup_key(SECRET, "simulator", f"bench-{p}"),
                    "address": f"bench-{p}",
                    "status": "ok",
                    "created_at": NOW,
                    "last_inbound_at": NOW,
                }
                for p in ids
            ],
        )
        conn.execute(
            insert(Enrolment.__table__),
            [{"course_id": course, "person_id": p, "created_at": NOW} for p in ids],
        )
        conn.execute(  # reminders go only to people who agreed to messages
            insert(ConsentRecord.__table__),
            [
                {
                    "person_id": p,
                    "purpose": purpose,
                    "wording_version": "bench",
                    "language": "de",
                    "channel": "simulator",
                    "given_at": NOW,
                }
                for p in ids
                for purpose in ("profile", "messages")
            ],
        )
        conn.execute(
            insert(Nudge.__table__),
            [
                {
                    "person_id": p,
                    "kind": "reminder",
                    "due_at": NOW - timedelta(minutes=n),
                    "payload": {"session": s, "rule": "2h", "starts_at": starts[s]},
                    "idempotency_key": f"reminder:{s}:{p}:2h:bench",
                    "status": "pending",
                    "created_at": NOW,
                }
                for p in ids
                for n, s in enumerate(session_ids)
            ],
        )
    runtime.close()


class RssWatch:
    """The most memory the process held while the sweep ran (sampled).(sampled every 20 ms)."""

    def __init__(self) -> None:
        self.process = psutil.Process()
        self.peak = self.process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __enter__(self) -> RssWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def measure(url: str, clock: Clock, batch: int) -> tuple[int, float, float, float]:
    """Sweep until nothing is due; return nudges fired, wall and CPU seconds, and the most
    memory (MB) held meanwhile."""
    settings = Settings(database_url=url, environment="test", secret_key=SECRET)
    runtime = build_runtime(settings, clock=clock)
    fired = 0
    started, cpu = time.perf_counter(), time.process_time()
    with RssWatch() as watch:
        while True:
            handled = fire_due(runtime.db, runtime.turns, clock, batch)
            if not handled:
                break
            fired += handled
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    with runtime.db.connect() as conn:
        sent = conn.execute(select(func.count()).select_from(OutboxMessage.__table__)).scalar_one()
        left = conn.execute(
            select(func.count())
            .select_from(Nudge.__table__)
            .where(Nudge.__table__.c.status == "pending")
        ).scalar_one()
    runtime.close()
    assert left == 0, f"{left} nudges still pending"
    assert sent >= fired, (sent, fired)
    return fired, seconds, cpu, watch.peak / 2**20


def run(name: str, url: str, args: argparse.Namespace) -> list[str]:
    """Prepare, sweep, and return the table row."""
    clock = Clock()
    prepare(url, args.people, args.per_person, clock)
    fired, seconds, cpu, held = measure(url, clock, args.batch)
    verdict = "[green]yes[/green]" if seconds < 10 else "[red]no[/red]"
    return [
        name,
        f"{fired:,}",
        f"{seconds:.2f}",
        f"{cpu:.2f}",
        f"{fired / seconds:,.0f}",
        verdict,
        f"{held:.0f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--per-person", type=int, default=10)
    parser.add_argument("--batch", type=int, default=1000, help="rows claimed per sweep")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(run("SQLite (WAL)", f"sqlite:///{Path(tmp) / 'nudges.sqlite3'}", args))
    server = os.environ.get("TWC_BENCH_POSTGRES_URL")
    if server:
        with postgres_database(server, prefix="twc_bench") as url:
            rows.append(run("PostgreSQL", url, args))
    table = Table(
        title=f"Claim and enqueue due nudges ({args.people:,} people × {args.per_person} "
        f"reminders, sweeps of {args.batch:,}); target under 10 s on SQLite"
    )
    for column in (
        "database",
        "nudges",
        "seconds",
        "CPU s",
        "nudges/s",
        "< 10 s",
        "RSS MB",
    ):
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(*row)
    Console().print(table)


if __name__ == "__main__":
    main()
