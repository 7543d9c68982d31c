"""``twc reports``: the report and the flow results export for scripts and administrators.

``twc reports summary`` prints the same sections as ``/staff/reports`` (Rich tables, counts
from 1 to 4 as "< 5"), or the same CSV with ``--csv``; ``twc reports flow-results FLOW``
writes the pseudonymous answers of one flow as CSV (to a file with ``--output``).  Both call
:class:`~.service.ReportService`, like the pages.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from bot.cli_support import cli_actor, console, errors, open_runtime, settings_or_exit
from bot.features.reports.export import flow_results_csv, report_csv
from bot.features.reports.period import (
    PRESETS,
    Period,
    PeriodError,
    between,
    local_today,
    parse_day,
    preset,
)
from bot.features.reports.service import OrganisationRef, ReportError, ReportService
from bot.features.reports.view import sections
from bot.staff.audit import record
from bot.web.staff.i18n import LANGUAGE_NAMES, StaffCatalogs

reports_app = typer.Typer(help="Reports for funders: numbers, CSV, flow results.")

Organisation = Annotated[
    str | None,
    typer.Option("--organisation", "-o", help="Organisation slug (default: the configured one)."),
]
From = Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD (local).")]
To = Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD (local).")]


def register(app: typer.Typer) -> None:
    """Add ``twc reports`` to the application."""
    app.add_typer(reports_app, name="reports")


def _period(
    organisation: OrganisationRef,
    today: date,
    name: str | None,
    start: str | None,
    end: str | None,
) -> Period:
    try:
        if start or end:
            if not (start and end):
                raise PeriodError("give both --from and --to")
            return between(parse_day(start), parse_day(end), organisation.timezone)
        return preset(name or "this_month", today, organisation.timezone)
    except PeriodError as error:
        errors.print(f"[red]✗[/red] {escape(str(error))}")
        raise typer.Exit(2) from error


def _organisation(service: ReportService, slug: str | None) -> OrganisationRef:
    try:
        return service.organisation(slug or settings_or_exit().default_organisation)
    except ReportError as error:
        errors.print(f"[red]✗[/red] {escape(str(error))}")
        raise typer.Exit(1) from error


@reports_app.command("summary")
def summary(
    organisation: Organisation = None,
    period_preset: Annotated[
        str | None,
        typer.Option("--preset", help=f"One of {', '.join(PRESETS)} (default this_month)."),
    ] = None,
    start: From = None,
    end: To = None,
    language: Annotated[
        str,
        typer.Option("--language", help=f"Language of the labels: {', '.join(LANGUAGE_NAMES)}."),
    ] = "de",
    as_csv: Annotated[bool, typer.Option("--csv", help="Print the CSV instead.")] = False,
) -> None:
    """Print the report of one organisation for a period (the page's numbers)."""
    if language not in LANGUAGE_NAMES:
        errors.print(f"[red]✗[/red] unknown language {escape(language)!r}")
        raise typer.Exit(2)
    _ = StaffCatalogs.load().gettext(language)
    with open_runtime() as runtime:
        service = ReportService(runtime.db, runtime.settings.secret_key)
        chosen = _organisation(service, organisation)
        now = runtime.clock()
        period = _period(chosen, local_today(now, chosen.timezone), period_preset, start, end)
        report = service.report(chosen, period, now)
    if as_csv:
        sys.stdout.write(report_csv(report, language, _).removeprefix("\ufeff"))
        return
    # Outside the f-string: Babel's extractor does not read inside one.
    small = _("Zahlen von 1 bis 4 stehen als „< 5“ da.")
    console.print(
        f"[bold]{escape(report.organisation)}[/bold]: {period.start} – {period.end} "
        f"({escape(small)})"
    )
    for section in sections(report, language, _):
        console.print(f"\n[bold]{escape(section.title)}[/bold]")
        table = Table()
        table.add_column(section.columns[0])
        table.add_column(section.columns[1], justify="right")
        for label, value in section.rows:
            table.add_row(escape(label), escape(value))
        console.print(table)
        if section.extra:
            console.print(escape(_("Nach Kurs")))
            extra = Table()
            for index, column in enumerate(section.extra_columns):
                extra.add_column(column, justify="right" if index else "left")
            for row in section.extra:
                extra.add_row(*(escape(cell) for cell in row))
            console.print(extra)
        if section.note:
            console.print(f"[dim]{escape(section.note)}[/dim]")


@reports_app.command("flow-results")
def flow_results(
    flow: Annotated[str, typer.Argument(help="The flow's id (e.g. onboarding).")],
    organisation: Organisation = None,
    start: From = None,
    end: To = None,
    output: Annotated[
        Path | None, typer.Option("--output", help="Write the CSV here (default: stdout).")
    ] = None,
) -> None:
    """Answers to a flow's choice questions as CSV, with pseudonymous ids (audited)."""
    with open_runtime() as runtime:
        service = ReportService(runtime.db, runtime.settings.secret_key)
        chosen = _organisation(service, organisation)
        now = runtime.clock()
        period = _period(chosen, local_today(now, chosen.timezone), None, start, end)
        if flow not in service.flows(chosen.id):
            errors.print(f"[red]✗[/red] no answers to a flow {escape(flow)!r} in {chosen.slug}")
            raise typer.Exit(1)
        answers = list(service.flow_results(chosen, flow, period))
        with runtime.db.begin() as conn:
            record(
                conn,
                now,
                cli_actor(),
                "reports.flow_results",
                {
                    "flow": flow,
                    "from": str(period.start),
                    "to": str(period.end),
                    "rows": len(answers),
                },
                organisation_id=chosen.id,
            )
    text = flow_results_csv(answers, chosen.timezone)
    if output is None:
        sys.stdout.write(text.removeprefix("\ufeff"))
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"[green]✓[/green] {len(answers)} answers → {escape(str(output))}")


__all__ = ["register", "reports_app"]
