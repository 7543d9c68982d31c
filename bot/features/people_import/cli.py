"""``twc people import FILE.csv``: bring in the list a coordinator already has."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from bot.cli_support import cli_actor, command_group, console, errors, open_runtime
from bot.features.people_import.importer import PeopleImporter, PeopleImportError

#: The help of ``twc people`` (features add commands to the group: import, delete, …).
PEOPLE_HELP = "People: list, show, import the lists you already have; delete on request."


def register(app: typer.Typer) -> None:
    """Add ``twc people import`` to the ``twc`` application."""
    command_group(app, "people", PEOPLE_HELP).command("import")(people_import)


def people_import(
    file: Annotated[
        Path, typer.Argument(help="CSV file (comma or semicolon separated) or Excel (.xlsx).")
    ],
    organisation: Annotated[
        str | None, typer.Option(help="Organisation slug (default: TWC_DEFAULT_ORGANISATION).")
    ] = None,
    region: Annotated[
        str | None,
        typer.Option(help="Country for numbers without +prefix (default: the organisation's)."),
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Check and report, change nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Import people from FILE: name, language, town, whatsapp number, telegram chat id,
    date of consent given on paper, consent purposes (what the paper covers, e.g. "messages,
    mentoring"; without the column: profile and messages), interests, course.  Bad rows are
    reported, good rows imported; running it again changes nothing."""
    if not file.is_file():
        errors.print(f"[red]✗[/red] no file {escape(str(file))}")
        raise typer.Exit(2)
    with open_runtime() as runtime:
        settings = runtime.settings
        importer = PeopleImporter(
            runtime.db,
            settings.secret_key,
            runtime.flow_engine.catalogs.languages,
            runtime.clock,
            cli_actor(),
        )
        try:
            with Progress(
                TextColumn("[bold]Importing[/bold]"),
                BarColumn(),
                MofNCompleteColumn(),
                console=errors,
                transient=True,
                disable=as_json,
            ) as bar:
                task = bar.add_task("rows", total=None)
                report = importer.run(
                    file,
                    organisation or settings.default_organisation,
                    region,
                    dry_run,
                    lambda done, total: bar.update(task, completed=done, total=total),
                )
        except PeopleImportError as error:
            errors.print(f"[red]✗[/red] {escape(str(error))}")
            raise typer.Exit(2) from error
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        for problem in report.problems:
            console.print(f"[red]✗[/red] line {problem.line}: {escape(problem.reason)}")
        prefix = "Dry run, nothing changed: would import" if dry_run else "Imported"
        console.print(
            f"{prefix} {len(report.created)} new, {len(report.existing)} already known, "
            f"{report.enrolled} enrolled, {report.reminders} reminders; "
            f"{len(report.problems)} rows with problems (of {report.rows})."
        )
    if report.problems:
        raise typer.Exit(1)
