"""The weekly job digest at district scale: plan it for 10 000 women, then fire it.

Sets up 10 000 women who answered the job questions (German, hours and distance in turn; the
answers encrypted as in production) and agree to job offers and messages, each with a
simulator identity, in the district's towns, and 60 open offers — inserted with executemany,
not timed.  Then it times the two steps of a digest:

* **plan**: the hourly job (:func:`bot.features.jobs.digest_plan.plan_digests`): every woman's
  answers decrypted, the matching rules run in Python, one nudge row per woman something
  fits, the daily cap applied to each;
* **fire**: :func:`scheduler.due.fire_due` in a loop at the morning's 10:00 until every
  digest is handled: the offers ranked again for her, three cards written in her language,
  the engine run for her (each digest differs: no shared rendering), the outbox row written.

Prints a table: wall and CPU seconds, rows per second, the most memory the process held.

    make bench                                     # includes this, 10 000 women
    python -m benchmarks.jobs_digest --women 1000
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import psutil
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, insert, select

from benchmarks.nudges import RssWatch
from bot.db.migrate import upgrade
from bot.db.models import (
    ChannelIdentity,
    ConsentRecord,
    JobOffer,
    JobProfile,
    Nudge,
    OutboxMessage,
    Person,
)
from bot.demo import TOWNS, load_demo
from bot.features.jobs.digest_plan import DIGEST_KIND, plan_digests
from bot.identity import lookup_key
from bot.runtime import build_runtime
from bot.settings import Settings
from scheduler.due import fire_due

SECRET = "benchmark-secret-key-0123456789-0123456789"
LANGUAGES = ("de", "ar", "fa", "uk", "tr", "ru", "en")
#: Monday 30 November 2026, 10:00 in Berlin: a digest's morning.
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
FIELDS = ("german", "hours", "travel_km")
ANSWERS = (("A2", 20, 25), ("none", 10, 0), ("B1", 60, 50), ("A1", 20, 10), ("B2", 30, 25))
KINDS = ("mini_job", "part_time", "training", "volunteering", "internship", "full_time")
GERMAN = ("none", "A1", "A2", "B1")


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def prepare(url: str, women: int, offers: int, clock: Clock) -> None:
    """The women, their answers and consents, and the open offers."""
    settings = Settings(database_url=url, environment="test", secret_key=SECRET)
    upgrade(url)
    runtime = build_runtime(settings, clock=clock)
    load_demo(runtime.db, SECRET, clock())
    org = runtime.turns.organisations.by_slug("vnb-nienburg")
    assert org is not None
    people, identities = Person.__table__, ChannelIdentity.__table__
    with runtime.db.begin() as conn:
        first = conn.execute(select(func.coalesce(func.max(people.c.id), 0))).scalar()
        conn.execute(
            insert(people),
            [
                {
                    "organisation_id": org.id,
                    "role": "participant",
                    "language": LANGUAGES[i % len(LANGUAGES)],
                    "display_name": None,
                    "town": TOWNS[i % 6],
                    "status": "active",
                    "interests": ["jobs"],
                    "attend_help": ["childcare"] if i % 3 == 0 else [],
                    "consent_given_at": NOW,
                    "created_at": NOW,
                }
                for i in range(women)
            ],
        )
        ids = list(
            conn.execute(
                select(people.c.id).where(people.c.id > first).order_by(people.c.id)
            ).scalars()
        )
        conn.execute(
            insert(identities),
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
                for purpose in ("profile", "messages", "job_offers")
            ],
        )
        conn.execute(
            insert(JobProfile.__table__),
            [
                {
                    "person_id": p,
                    "answers": dict(
                        zip(
                            ("german", "hours", "travel_km"),
                            ANSWERS[n % len(ANSWERS)],
                            strict=True,
                        )
                    ),
                    "updated_at": NOW,
                }
                for n, p in enumerate(ids)
            ],
        )
        conn.execute(
            insert(JobOffer.__table__),
            [
                {
                    "organisation_id": org.id,
                    "status": "open",
                    "source": "staff",
                    "title": {"de": f"Angebot {n}", "ar": f"عرض {n}", "uk": f"Пропозиція {n}"},
                    "description": {"de": "Eine kurze Beschreibung in einfachen Worten."},
                    "employer": "Beispiel GmbH",
                    "employer_shown": True,
                    "town": TOWNS[n % 8],
                    "hours_per_week": (5, 10, 15, 20, 30, 39)[n % 6],
                    "kind": KINDS[n % len(KINDS)],
                    "german_level": GERMAN[n % len(GERMAN)],
                    "childcare_friendly": n % 2 == 0,
                    "hours_note": {"de": "nur vormittags"},
                    "expires_on": date(2027, 1, 31),
                    "places": 1,
                    "created_by": "bench",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for n in range(offers)
            ],
        )
    runtime.close()


def measure(url: str, women: int, offers: int) -> list[tuple[str, str]]:
    clock = Clock()
    prepare(url, women, offers, clock)
    settings = Settings(database_url=url, environment="test", secret_key=SECRET)
    runtime = build_runtime(settings, clock=clock)
    process = psutil.Process()
    rows: list[tuple[str, str]] = []
    try:
        with RssWatch() as watch:
            cpu, wall = process.cpu_times(), time.perf_counter()
            with runtime.db.begin() as conn:
                planned = plan_digests(conn, clock())
            plan_wall = time.perf_counter() - wall
            plan_cpu = sum(process.cpu_times()[:2]) - sum(cpu[:2])
            cpu, wall = process.cpu_times(), time.perf_counter()
            while fire_due(runtime.db, runtime.turns, clock):
                pass
            fire_wall = time.perf_counter() - wall
            fire_cpu = sum(process.cpu_times()[:2]) - sum(cpu[:2])
        with runtime.db.connect() as conn:
            sent = conn.execute(
                select(func.count())
                .select_from(OutboxMessage.__table__)
                .where(OutboxMessage.__table__.c.kind == DIGEST_KIND)
            ).scalar_one()
            left = conn.execute(
                select(func.count())
                .select_from(Nudge.__table__)
                .where(
                    Nudge.__table__.c.kind == DIGEST_KIND, Nudge.__table__.c.status == "pending"
                )
            ).scalar_one()
    finally:
        runtime.close()
    rows.append(("women with job answers / open offers", f"{women:,} / {offers}"))
    rows.append(("plan: digests scheduled", f"{planned:,}"))
    rows.append(("plan: wall s (CPU s)", f"{plan_wall:.2f} ({plan_cpu:.2f})"))
    rows.append(("plan: women per second", f"{women / plan_wall:,.0f}"))
    rows.append(("fire: digests sent / still pending", f"{sent:,} / {left}"))
    rows.append(("fire: wall s (CPU s)", f"{fire_wall:.2f} ({fire_cpu:.2f})"))
    rows.append(("fire: digests per second", f"{sent / fire_wall:,.0f}"))
    rows.append(("peak RSS, MiB", f"{watch.peak / 2**20:,.0f}"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--women", type=int, default=10_000)
    parser.add_argument("--offers", type=int, default=60)
    args = parser.parse_args()
    os.environ.setdefault("TWC_SECRET_KEY", SECRET)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        rows = measure(url, args.women, args.offers)
    table = Table(title="Weekly job digest on SQLite (one process)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for name, value in rows:
        table.add_row(name, value)
    Console().print(table)


if __name__ == "__main__":
    main()
