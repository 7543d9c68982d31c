"""``twc templates status [--refresh]``: the WhatsApp templates page for the command line.

The same service as ``/staff/templates`` (:mod:`.service`): per organisation, every message kind
the bot starts × language with the Content SID and Twilio's status, then what is missing for
how many people.  ``--refresh`` asks Twilio first (audited with ``cli:<login name>`` for every
organisation); Twilio not reachable is a one-line message and exit code 1, the stored answers
are still shown.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from bot.channels.whatsapp.templates import TemplateConfigError
from bot.cli_support import cli_actor, command_group, console, errors, open_runtime
from bot.db.tables import organisations
from bot.features.wa_templates.pages import service_of
from bot.features.wa_templates.service import Overview

STYLE = {"approved": "green", "pending": "yellow", "received": "yellow"}


def register(app: typer.Typer) -> None:
    """Add ``twc templates status``."""
    group = command_group(app, "templates", "WhatsApp templates: approval status, gaps.")
    group.command("status")(status)


def _as_json(overview: Overview) -> dict[str, Any]:
    return {
        "organisation": overview.name,
        "default_language": overview.default_language,
        "languages": list(overview.languages),
        "people_by_language": overview.people_by_language,
        "templates": [
            {
                "kind": row.kind.kind,
                "language": cell.language,
                "content_sid": cell.content_sid,
                "status": cell.status.status if cell.status else None,
                "name": cell.status.name if cell.status else None,
                "rejection_reason": cell.status.rejection_reason if cell.status else None,
                "checked_at": cell.status.checked_at.isoformat() if cell.status else None,
                "fallback_language": cell.fallback_language,
                "people": cell.people,
            }
            for row in overview.rows
            for cell in row.cells
        ],
        "not_delivered": [
            {
                "kind": kind.kind,
                "language": cell.language,
                "status": cell.status.status if cell.status else None,
                "people": cell.people,
            }
            for kind, cell in overview.unusable
        ],
        "missing": [
            {
                "kind": gap.kind.kind,
                "language": gap.language,
                "people": gap.people,
                "fallback_language": gap.fallback_language,
            }
            for gap in overview.gaps
        ],
    }


def _print(overview: Overview) -> None:
    table = Table(title=f"{overview.name} (default {overview.default_language})")
    for column in ("kind", "lang", "people", "content SID", "status", "checked"):
        table.add_column(column)
    for row in overview.rows:
        for cell in row.cells:
            if cell.content_sid is None:
                instead = (
                    f"missing: {cell.fallback_language} template instead"
                    if cell.fallback_language
                    else "missing: held as needs_template"
                )
                table.add_row(row.kind.kind, cell.language, str(cell.people), "—", instead, "")
                continue
            status = cell.status.status if cell.status else "not checked"
            if cell.status and cell.status.rejection_reason:
                status += f" ({cell.status.rejection_reason})"
            style = STYLE.get(cell.status.status if cell.status else "", "red")
            table.add_row(
                row.kind.kind,
                cell.language,
                str(cell.people),
                cell.content_sid,
                f"[{style}]{escape(status)}[/{style}]",
                cell.status.checked_at.strftime("%Y-%m-%d %H:%M") if cell.status else "",
            )
    console.print(table)
    for kind, cell in overview.unusable:
        assert cell.status is not None
        reason = f": {cell.status.rejection_reason}" if cell.status.rejection_reason else ""
        console.print(
            f"[red]✗[/red] {kind.kind} in {cell.language} is {cell.status.status}{escape(reason)}"
            f" ({cell.people} {'person' if cell.people == 1 else 'people'})"
        )
    for gap in overview.gaps:
        instead = (
            f"they get the {gap.fallback_language} template"
            if gap.fallback_language
            else "held as needs_template until she writes"
        )
        console.print(
            f"[yellow]![/yellow] {gap.kind.kind} has no {gap.language} template: "
            f"{gap.people} {'person' if gap.people == 1 else 'people'}; {instead}"
        )


def status(
    refresh: Annotated[bool, typer.Option("--refresh", help="Ask Twilio first.")] = False,
    organisation: Annotated[str | None, typer.Option(help="Organisation slug.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every message kind × language: Content SID, Twilio's status, what is missing."""
    failed = False
    with open_runtime() as runtime:
        service = service_of(runtime)
        with runtime.db.connect() as conn:
            query = organisations.select().order_by(organisations.c.slug)
            if organisation:
                query = query.where(organisations.c.slug == organisation)
            ids = [row.id for row in conn.execute(query)]
        if organisation and not ids:
            errors.print(f"[red]✗[/red] No organisation {escape(organisation)!r}.")
            raise typer.Exit(1)
        try:
            if refresh:
                if not service.configured:
                    errors.print("[red]✗[/red] WhatsApp is not configured (no Twilio keys).")
                    raise typer.Exit(1)
                outcome = service.refresh(cli_actor(), ids)
                if outcome.failure is not None:
                    failed = True
                    errors.print(
                        "[red]✗[/red] Twilio was not reachable "
                        f"({escape(outcome.failure.reason)}); showing the last stored answers."
                    )
                else:
                    errors.print(f"[green]✓[/green] {outcome.checked} templates checked.")
            book = service.book()
        except TemplateConfigError as error:
            errors.print(f"[red]✗[/red] {escape(str(error))}")
            raise typer.Exit(1) from error
        overviews = [o for o in (service.overview(i, book) for i in ids) if o is not None]
    if as_json:
        print(json.dumps([_as_json(o) for o in overviews], ensure_ascii=False, indent=2))
    else:
        if not service.configured:
            console.print("WhatsApp is not configured (no Twilio credentials): statuses unknown.")
        for overview in overviews:
            _print(overview)
    if failed:
        raise typer.Exit(1)


__all__ = ["register", "status"]
