"""``twc audit list``: the audit log in the terminal, the same query as ``/staff/audit``.

On the server the whole log is readable, deployment-wide entries (organisation-less commands,
the nightly purge's totals) included; ``--organisation`` narrows it to what that
organisation's admins see.  Texts in English (the staff catalog's), ``--csv FILE`` writes the
filtered entries as the page's download does (readable by its owner only).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from sqlalchemy import select

from bot.cli_support import console, errors, open_runtime
from bot.db.tables import organisations
from bot.features.audit_log.log import PAGE_SIZE, AuditLog, Filters
from bot.features.audit_log.words import Words
from bot.private_files import open_private

audit_app = typer.Typer(help="The audit log: who did what, when.", no_args_is_help=True)
LANGUAGE = "en"


def register(app: typer.Typer) -> None:
    """Add ``twc audit`` to the command line."""
    app.add_typer(audit_app, name="audit")


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        errors.print(f"[red]{option} must be a date like 2026-11-30, not {escape(value)!r}[/red]")
        raise typer.Exit(2) from error


@audit_app.command("list")
def audit_list(
    organisation: Annotated[
        str | None, typer.Option(help="Only this organisation's entries (its slug).")
    ] = None,
    actor: Annotated[
        str | None,
        typer.Option(help="staff:<id>, cli (any command-line user), system (jobs) or person."),
    ] = None,
    action: Annotated[str | None, typer.Option(help="An action code, e.g. person.erase.")] = None,
    since: Annotated[
        str | None, typer.Option(help="First day (YYYY-MM-DD, the organisation's time zone).")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Last day, included.")] = None,
    page: Annotated[int, typer.Option(min=1, help=f"Page ({PAGE_SIZE} a page).")] = 1,
    csv: Annotated[
        Path | None, typer.Option(help="Write every matching entry to this CSV file (0600).")
    ] = None,
) -> None:
    """Entries of the audit log, newest first, filtered like the page /staff/audit."""
    from bot.web.staff.i18n import StaffCatalogs

    first, last = _day(since, "--since"), _day(until, "--until")
    with open_runtime() as runtime:
        organisation_id = None
        if organisation is not None:
            with runtime.db.connect() as conn:
                organisation_id = conn.execute(
                    select(organisations.c.id).where(organisations.c.slug == organisation)
                ).scalar()
            if organisation_id is None:
                errors.print(f"[red]No organisation {escape(organisation)!r}[/red]")
                raise typer.Exit(2)
        filters = Filters(
            actor=actor or "",
            action=action or "",
            since=first,
            until=last,
            organisation=organisation_id,
            page=page,
        )
        log = AuditLog(runtime.db)
        gettext = StaffCatalogs.load().gettext(LANGUAGE)
        if csv is not None:
            found = log.export(None, filters)
            with open_private(csv, newline="") as handle:
                handle.write(Words(gettext, LANGUAGE, found.timezone).csv(found))
            console.print(f"[green]✓[/green] {len(found.entries)} entries in {escape(str(csv))}")
            return
        listing = log.page(None, filters)
    words = Words(gettext, LANGUAGE, listing.timezone)
    names = {int(choice.value): choice.label for choice in listing.organisations}
    console.print(
        f"{listing.total} entries, page {listing.page} of {listing.pages}, "
        f"times in {listing.timezone}",
        soft_wrap=True,
    )
    for entry in listing.entries:
        where = names.get(entry.organisation_id or 0, "(deployment)")
        console.print(
            f"{words.when_plain(entry)}  {escape(where)}  {escape(words.who(entry))}  "
            f"[bold]{escape(words.action_label(entry.action))}[/bold] ({escape(entry.action)})",
            soft_wrap=True,
        )
        if entry.details:
            console.print(f"    {escape(words.details(entry))}", soft_wrap=True)


__all__ = ["audit_list", "register"]
