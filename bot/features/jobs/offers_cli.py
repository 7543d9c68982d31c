"""``twc jobs`` commands for offers entered and looked after at the command line:

* ``twc jobs create --file offer.yaml [--organisation SLUG]`` — a new open offer (fields as in
  ``config/job_offer.example.yaml``);
* ``twc jobs list [--status open|review|closed] [--organisation SLUG] [--json]``;
* ``twc jobs close ID`` / ``twc jobs publish ID`` (an imported offer checked by a coordinator);
* ``twc jobs outcome NOTICE OUTCOME`` — what became of one woman and one offer.

Whoever runs ``twc`` on the server runs the deployment: every organisation (or the one named);
a new offer goes to the default organisation when there is just one.  Changes are audited as
``cli:<login name>``.  Bad input ends with one plain sentence and exit code 1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.markup import escape
from rich.table import Table
from sqlalchemy import Connection, select

from bot.cli_support import cli_actor, console, errors, open_runtime
from bot.db.tables import organisations
from bot.features.jobs.cli_app import jobs_app
from bot.features.jobs.kinds import OUTCOMES
from bot.features.jobs.offer_rows import LISTS, offer_rows
from bot.features.jobs.offers import OfferError, OfferNotFoundError, OffersService, Scope

OrgOption = Annotated[str | None, typer.Option("--organisation", help="Organisation slug.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _fail(message: str) -> typer.Exit:
    errors.print(f"[red]✗[/red] {escape(message)}")
    return typer.Exit(1)


def _scope(conn: Connection, slug: str | None) -> Scope:
    query = select(organisations.c.id)
    if slug is not None:
        query = query.where(organisations.c.slug == slug)
    ids = frozenset(int(i) for i in conn.execute(query).scalars())
    if not ids:
        raise _fail(f"No organisation {slug or ''}.".replace(" .", "."))
    return Scope(ids, cli_actor())


def _read_offer(path: Path) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise _fail(f"Cannot read {path}.") from error
    except yaml.YAMLError as error:
        raise _fail(f"{path} is not valid YAML.") from error
    if not isinstance(raw, dict):
        raise _fail(f"{path} must describe one offer (field: value).")
    return raw


@jobs_app.command("create")
def create(
    file: Annotated[Path, typer.Option("--file", help="The offer (YAML).")],
    organisation: OrgOption = None,
) -> None:
    """Enter a new offer from a file: it is open (sent to the women it fits) at once."""
    raw = _read_offer(file)
    slug = organisation or raw.get("organisation")
    with open_runtime() as runtime:
        with runtime.db.connect() as conn:
            scope = _scope(conn, str(slug) if slug else None)
        if len(scope.organisation_ids) != 1:
            raise _fail("Several organisations: name one with --organisation.")
        (organisation_id,) = scope.organisation_ids
        try:
            offer_id = OffersService(runtime.db, runtime.clock).create(scope, organisation_id, raw)
        except OfferError as error:
            raise _fail(str(error)) from error
    console.print(f"[green]✓[/green] Offer {offer_id} is open.")


@jobs_app.command("list")
def list_offers(
    status: Annotated[
        str | None, typer.Option("--status", help="open, review or closed (incl. expired).")
    ] = None,
    organisation: OrgOption = None,
    as_json: JsonOption = False,
) -> None:
    """The offers, newest first: status, title, town, how many women were told / interested."""
    if status is not None and status not in LISTS:
        raise _fail(f"--status must be one of {', '.join(LISTS)}.")
    with open_runtime() as runtime, runtime.db.connect() as conn:
        scope = _scope(conn, organisation)
        found = offer_rows(conn, scope.organisation_ids, runtime.clock(), status)
    rows = [
        {
            "id": r.id,
            "status": "expired" if r.shown_list == "closed" and r.status != "closed" else r.status,
            "source": r.source,
            "title": r.shown_title,
            "town": r.town,
            "kind": r.kind,
            "german": r.german_level,
            "hours": r.hours_per_week,
            "expires": r.expires_on.isoformat(),
            "told": r.told,
            "interested": r.interested,
        }
        for r in found
    ]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    # The table keeps to what fits a terminal; --json has every field.
    columns = ("id", "status", "title", "town", "expires", "told", "interested")
    table = Table(title="Job offers")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(escape("" if row[c] is None else str(row[c])) for c in columns))
    console.print(table)


def _move(offer_id: int, verb: str) -> bool:
    with open_runtime() as runtime:
        with runtime.db.connect() as conn:
            scope = _scope(conn, None)
        service = OffersService(runtime.db, runtime.clock)
        try:
            return bool(getattr(service, verb)(scope, offer_id))
        except OfferNotFoundError as error:
            raise _fail(f"No offer {offer_id}.") from error
        except OfferError as error:
            raise _fail(str(error)) from error


@jobs_app.command("close")
def close(offer_id: int) -> None:
    """Close an offer: it is no longer sent; those who were interested are told kindly."""
    if not _move(offer_id, "close"):
        raise _fail(f"Offer {offer_id} is closed already.")
    console.print(f"[green]✓[/green] Offer {offer_id} is closed.")


@jobs_app.command("publish")
def publish(offer_id: int) -> None:
    """Open an imported offer after checking (and translating) it."""
    if not _move(offer_id, "publish"):
        raise _fail(f"Offer {offer_id} is not waiting for review.")
    console.print(f"[green]✓[/green] Offer {offer_id} is open.")


@jobs_app.command("outcome")
def outcome(
    notice_id: int,
    result: Annotated[str, typer.Argument(metavar="OUTCOME", help=", ".join(OUTCOMES))],
) -> None:
    """Record what became of one woman and one offer (the notice id from the staff page)."""
    if result not in OUTCOMES:
        raise _fail(f"OUTCOME must be one of {', '.join(OUTCOMES)}.")
    with open_runtime() as runtime:
        with runtime.db.connect() as conn:
            scope = _scope(conn, None)
        try:
            OffersService(runtime.db, runtime.clock).record_outcome(scope, notice_id, result)
        except OfferNotFoundError as error:
            raise _fail(f"No notice {notice_id}.") from error
    console.print(f"[green]✓[/green] Notice {notice_id}: {result}.")


__all__ = ["close", "create", "list_offers", "outcome", "publish"]
