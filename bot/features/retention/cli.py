"""``twc privacy purge`` (``--dry-run``), ``twc privacy retention`` and ``twc people delete``.

Nothing personal is printed: person ids and counts only.  Every change is recorded in the
audit log, a deletion under a random erasure id (never her id or name).
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape

from bot.cli_support import cli_actor, command_group, console, errors, open_runtime
from bot.features.retention.service import (
    RetentionError,
    delete_person,
    describe_person,
    purge_for,
    retention_of,
    set_retention,
)

privacy_app = typer.Typer(help="Privacy: retention and the daily purge.", no_args_is_help=True)

#: The help of ``twc people`` if this feature is the first to create the group.
PEOPLE_HELP = "People: import the lists you already have; delete on request."


def register(app: typer.Typer) -> None:
    """Add ``twc privacy`` and ``twc people delete`` to the ``twc`` application."""
    app.add_typer(privacy_app, name="privacy")
    command_group(app, "people", PEOPLE_HELP).command("delete")(people_delete)


@privacy_app.command("purge")
def privacy_purge(
    dry_run: Annotated[bool, typer.Option(help="Show what would go, change nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Delete now what the retention rules say is due (the daily job does the same):
    people silent past their organisation's period, newcomers who never consented (7 days),
    outbox rows 30 days after their final state, inbound ids and simulator transcripts
    after 7 days."""
    with open_runtime() as runtime:
        purge = purge_for(runtime)
        result = purge.plan() if dry_run else purge.run(cli_actor())
    if as_json:
        print(json.dumps({"dry_run": dry_run, **result.as_dict()}, indent=2))
        return
    verb = "Would delete" if dry_run else "Deleted"
    console.print(
        f"{verb}: {len(result.silent)} people silent past the retention period, "
        f"{len(result.never_consented)} who never consented, {result.outbox} outbox rows, "
        f"{result.inbound_ids} inbound message ids, {result.transcripts} simulator messages."
    )
    for label, ids in (("silent", result.silent), ("never consented", result.never_consented)):
        if ids:
            console.print(f"  {label}: person ids {', '.join(map(str, ids))}")


@privacy_app.command("retention")
def privacy_retention(
    organisation: Annotated[
        str | None, typer.Option(help="Organisation slug (default: TWC_DEFAULT_ORGANISATION).")
    ] = None,
    days: Annotated[
        int | None, typer.Option(help="Set the period: silent this many days, then deleted.")
    ] = None,
) -> None:
    """Show (or with --days set) how long a silent person's data is kept."""
    with open_runtime() as runtime:
        slug = organisation or runtime.settings.default_organisation
        try:
            if days is None:
                console.print(f"{escape(slug)}: deleted after {retention_of(runtime, slug)} days")
                return
            old = set_retention(runtime, slug, days, cli_actor())
        except RetentionError as error:
            errors.print(f"[red]✗[/red] {escape(str(error))}")
            raise typer.Exit(2) from error
    console.print(f"{escape(slug)}: deleted after {days} days of silence (was {old}).")


def people_delete(
    person_id: Annotated[int, typer.Argument(help="The person's id.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a person and everything about her now (a request by phone or on paper)."""
    with open_runtime() as runtime:
        about = describe_person(runtime, person_id)
        if about is None:
            errors.print(f"[red]✗[/red] no person {person_id}")
            raise typer.Exit(1)
        console.print(
            f"Person {person_id}: " + ", ".join(f"{k} {escape(str(v))}" for k, v in about.items())
        )
        if not yes and not typer.confirm("Delete her and everything about her? This is final."):
            console.print("Nothing deleted.")
            raise typer.Exit(1)
        erased = delete_person(runtime, person_id, cli_actor())
    if erased is None:  # deleted meanwhile (she asked in the chat, or the purge)
        console.print(f"Person {person_id} was already deleted.")
        return
    console.print(
        f"Deleted person {person_id} and everything about her "
        f"(audit log: erasure {erased.erasure_id})."
    )
