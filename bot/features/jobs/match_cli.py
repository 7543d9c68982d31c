"""``twc jobs match [--organisation SLUG] [--json]``: how many women each open offer would
reach now — all it fits, and in how many next digests it would be among the best three.

Counts only, never a name: what a coordinator needs to see whether an offer's German, hours
or town leave everyone out.  Every organisation unless ``--organisation`` names one.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy import select

from bot.cli_support import console, errors, open_runtime
from bot.db.tables import job_offers, organisations
from bot.features.jobs.cli_app import jobs_app
from bot.features.jobs.reach import reach
from bot.turns.writer import local_day

OrgOption = Annotated[str | None, typer.Option("--organisation", help="Organisation slug.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _title(title: dict[str, Any] | None, language: str) -> str:
    """The offer's title in the organisation's default language (else any it has)."""
    title = title or {}
    return str(title.get(language) or next(iter(title.values()), ""))


@jobs_app.command("match")
def match(organisation: OrgOption = None, as_json: JsonOption = False) -> None:
    """How many women each open offer would reach now (counts, no names)."""
    rows: list[dict[str, Any]] = []
    with open_runtime() as runtime, runtime.db.connect() as conn:
        query = select(organisations).order_by(organisations.c.id)
        if organisation is not None:
            query = query.where(organisations.c.slug == organisation)
        orgs = conn.execute(query).all()
        if not orgs:
            errors.print(f"[red]✗[/red] No organisation {escape(organisation or '')}.")
            raise typer.Exit(1)
        now = runtime.clock()
        for org in orgs:
            today = local_day(now, org.timezone)
            counts = reach(conn, org.id, today)
            offers = {
                r.id: r
                for r in conn.execute(
                    select(job_offers.c.id, job_offers.c.title, job_offers.c.town).where(
                        job_offers.c.id.in_([c.offer_id for c in counts])
                    )
                )
            }
            rows.extend(
                {
                    "organisation": org.slug,
                    "offer": c.offer_id,
                    "title": _title(offers[c.offer_id].title, org.default_language),
                    "town": offers[c.offer_id].town,
                    "women_it_fits": c.fits,
                    "in_next_digest": c.in_digest,
                }
                for c in counts
            )
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        console.print("No open offers.")
        return
    table = Table(title="Open offers: women they would reach now")
    for column in rows[0]:
        table.add_column(column)
    for row in rows:
        table.add_row(*(escape(str(v)) for v in row.values()))
    console.print(table)


def load() -> None:
    """Nothing to do: importing this module adds ``twc jobs match`` to the group."""


__all__ = ["load", "match"]
