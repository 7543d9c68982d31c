"""``twc people export ID``: her data for a request made by phone, letter or in person."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from sqlalchemy import select

from bot.cli_support import cli_actor, command_group, console, errors, open_runtime
from bot.db.tables import people
from bot.features.my_data.export import as_json, as_text
from bot.features.my_data.gather import gather
from bot.private_files import open_private
from bot.staff.audit import record


def register(app: typer.Typer) -> None:
    """Add ``export`` to ``twc people`` (made here if no other feature made it)."""
    group = command_group(app, "people", "People: import, export.")
    group.command("export")(people_export)


def write_private(path: Path, content: str) -> None:
    """Write ``content`` to a file readable by its owner only (0600, an old file narrowed)."""
    with open_private(path) as handle:
        handle.write(content)


def people_export(
    person_id: Annotated[int, typer.Argument(metavar="ID", help="The person's id.")],
    output: Annotated[
        Path | None,
        typer.Option(
            help="Write the JSON here and the readable text next to it (.txt), both 0600; "
            "without it the JSON is printed."
        ),
    ] = None,
    language: Annotated[
        str | None, typer.Option(help="Language of the readable text (default: hers).")
    ] = None,
) -> None:
    """Everything stored about person ID, as JSON (keys in docs/my-data.md) and readable text.

    For a request for her data that came by other means than the chat; recorded in the audit
    log."""
    with open_runtime() as runtime:
        now = runtime.clock()
        with runtime.db.begin() as conn:
            data = gather(conn, person_id, now)
            if data is None:
                errors.print(f"[red]✗[/red] no person {person_id}")
                raise typer.Exit(2)
            document = json.dumps(as_json(data, now), ensure_ascii=False, indent=2) + "\n"
            chosen = language or str(data.profile.get("language") or "de")
            written = []
            if output is not None:
                write_private(output, document)
                text_path = output.with_suffix(".txt")
                if text_path == output:
                    text_path = output.with_name(output.name + ".txt")
                write_private(text_path, as_text(data, runtime.flow_engine, chosen, now))
                written = [str(output), str(text_path)]
            record(
                conn,
                now,
                cli_actor(),
                "people.export",
                # "people": erasing her later removes her id from this entry.
                {"people": [person_id], "to_file": output is not None},
                organisation_id=conn.execute(
                    select(people.c.organisation_id).where(people.c.id == person_id)
                ).scalar(),
            )
    if output is None:
        print(document, end="")
    else:
        for path in written:
            console.print(f"[green]✓[/green] {escape(path)}")


__all__ = ["people_export", "register", "write_private"]
