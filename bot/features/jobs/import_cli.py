"""``twc jobs import`` and ``twc jobs import-settings``: the BA import at the command line.

* ``twc jobs import [--organisation SLUG]``: run the import now for that organisation (also
  when its daily import is off), or for every organisation that turned it on; exit 1 when a
  run failed (the reason is printed and kept as the import's last error);
* ``twc jobs import-settings [--organisation SLUG]``: show the settings; with ``--place``,
  ``--radius``, ``--keywords``, ``--enable/--disable`` change them (audit-logged as
  ``cli:<login name>``).

Imported offers wait for a coordinator's review (``twc jobs publish``, the staff page).
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy import select

from bot.cli_support import cli_actor, console, errors, open_runtime
from bot.db.tables import organisations
from bot.features.jobs.ba_client import describe
from bot.features.jobs.cli_app import jobs_app
from bot.features.jobs.importing import (
    Importer,
    ImportResult,
    SettingsError,
    read_settings,
    save_settings,
)

OrgOption = Annotated[str | None, typer.Option("--organisation", help="Organisation slug.")]


def _fail(message: str) -> typer.Exit:
    errors.print(f"[red]✗[/red] {escape(message)}")
    return typer.Exit(1)


def _say(result: ImportResult) -> None:
    if result.error:
        errors.print(
            f"[red]✗[/red] {escape(result.organisation)}: {escape(describe(result.error))}"
        )
    else:
        console.print(
            f"[green]✓[/green] {escape(result.organisation)}: {result.new} new, "
            f"{result.updated} updated, {result.unchanged} unchanged "
            "(new offers wait for review)"
        )


@jobs_app.command("import")
def run_import(organisation: OrgOption = None) -> None:
    """Import offers from the BA job search now (they wait for a coordinator's review)."""
    with open_runtime() as runtime:
        importer = Importer(runtime.db, runtime.clock, runtime.settings.ba_jobsearch_url)
        if organisation is not None:
            with runtime.db.connect() as conn:
                found = conn.execute(
                    select(organisations.c.id).where(organisations.c.slug == organisation)
                ).scalar_one_or_none()
            if found is None:
                raise _fail(f"No organisation {organisation}.")
            results = [importer.run(int(found))]
        else:
            results = importer.run_enabled()
    if not results:
        console.print("No organisation has the import turned on (twc jobs import-settings).")
    for result in results:
        _say(result)
    if any(result.error for result in results):
        raise typer.Exit(1)


@jobs_app.command("import-settings")
def import_settings(
    organisation: OrgOption = None,
    place: Annotated[
        str | None, typer.Option("--place", help="Town or postcode to search around.")
    ] = None,
    radius: Annotated[int | None, typer.Option("--radius", help="Radius in km (0–200).")] = None,
    keywords: Annotated[
        str | None,
        typer.Option("--keywords", help='Comma-separated search words, e.g. "Küche, Reinigung".'),
    ] = None,
    enable: Annotated[
        bool | None, typer.Option("--enable/--disable", help="Turn the daily import on or off.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show the import settings, or change one organisation's (the default one unless named)."""
    with open_runtime() as runtime:
        with runtime.db.connect() as conn:
            ids = (
                conn.execute(
                    select(organisations.c.id).where(
                        organisations.c.slug
                        == (organisation or runtime.settings.default_organisation)
                    )
                    if organisation
                    or any(v is not None for v in (place, radius, keywords, enable))
                    else select(organisations.c.id)
                )
                .scalars()
                .all()
            )
        if not ids:
            raise _fail(
                f"No organisation {organisation or runtime.settings.default_organisation}."
            )
        changing = any(v is not None for v in (place, radius, keywords, enable))
        if changing:
            with runtime.db.connect() as conn:
                (current,) = read_settings(conn, ids)
            try:
                with runtime.db.begin() as conn:
                    save_settings(
                        conn,
                        current.organisation_id,
                        enabled=current.enabled if enable is None else enable,
                        place=current.place if place is None else place,
                        radius_km=current.radius_km if radius is None else radius,
                        keywords=", ".join(current.keywords) if keywords is None else keywords,
                        actor=cli_actor(),
                        now=runtime.clock(),
                    )
            except SettingsError as error:
                raise _fail(str(error)) from None
        with runtime.db.connect() as conn:
            shown = read_settings(conn, ids)
    rows = [
        {
            "organisation": s.slug,
            "enabled": s.enabled,
            "place": s.place,
            "radius_km": s.radius_km,
            "keywords": list(s.keywords),
            "last_run_at": s.last_run_at.isoformat() if s.last_run_at else None,
            "last_error": s.last_error,
        }
        for s in shown
    ]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title="BA job search import")
    for column in ("organisation", "on", "place", "km", "keywords", "last run", "last error"):
        table.add_column(column)
    for s in shown:
        table.add_row(
            escape(s.slug),
            "yes" if s.enabled else "no",
            escape(s.place or "—"),
            str(s.radius_km),
            escape(", ".join(s.keywords) or "—"),
            s.last_run_at.strftime("%Y-%m-%d %H:%M") if s.last_run_at else "—",
            escape(describe(s.last_error) if s.last_error else ""),
        )
    console.print(table)


__all__ = ["import_settings", "run_import"]
