"""``twc jobs digests [--plan]``: the digests waiting to go (when, to how many women), and
with ``--plan`` the hourly planning run at once.  Counts only, never a name."""

from __future__ import annotations

from collections import Counter
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from bot.cli_support import console, open_runtime
from bot.db.tables import nudges, organisations, people
from bot.features.jobs.cli_app import jobs_app
from bot.features.jobs.digest_plan import DIGEST_KIND, WAITING, run_plan
from bot.nudges.quiet_hours import local_day

PlanOption = Annotated[
    bool, typer.Option("--plan", help="Run the planning now (it also runs every hour).")
]


@jobs_app.command("digests")
def digests(plan: PlanOption = False) -> None:
    """The weekly job digests waiting to go, per organisation and local day."""
    with open_runtime() as runtime:
        now = runtime.clock()
        if plan:
            with runtime.db.begin() as conn:
                counts = run_plan(conn, now)
            console.print(
                f"Planned {counts['digests']} digest(s); "
                f"{counts['withdrawals']} woman/women told an offer is gone."
            )
        with runtime.db.connect() as conn:
            rows = conn.execute(
                select(organisations.c.slug, organisations.c.timezone, nudges.c.due_at)
                .join(people, people.c.id == nudges.c.person_id)
                .join(organisations, organisations.c.id == people.c.organisation_id)
                .where(nudges.c.kind == DIGEST_KIND, nudges.c.status.in_(WAITING))
            ).all()
    waiting = Counter((r.slug, local_day(r.due_at, r.timezone).isoformat()) for r in rows)
    if not waiting:
        console.print("No job digests waiting.")
        return
    table = Table(title="Job digests waiting")
    for column in ("organisation", "local day", "women"):
        table.add_column(column)
    for (slug, day), count in sorted(waiting.items()):
        table.add_row(slug, day, str(count))
    console.print(table)


def load() -> None:
    """Nothing to do: importing this module adds ``twc jobs digests`` to the group."""


__all__ = ["digests", "load"]
