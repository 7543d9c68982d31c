"""``twc organisations create|list|edit``: the organisations (tenants) and all their settings.

A running server sees a change within 30 seconds (it re-reads organisations that often);
no restart is needed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from bot.cli_support import cli_actor, console, errors, settings_or_exit
from bot.organisations.service import (
    OrganisationError,
    OrganisationService,
    OrganisationView,
)

organisations_app = typer.Typer(
    help="Organisations: name, region, languages, office hours, privacy contact, notifications.",
    no_args_is_help=True,
)

Name = Annotated[str | None, typer.Option(help="Name as the women read it, e.g. 'VHS Nienburg'.")]
Country = Annotated[str | None, typer.Option(help="ISO 3166 country code: DE, IT, PT, AT, CY.")]
District = Annotated[
    str | None, typer.Option(help="District or region it serves, e.g. 'Landkreis Nienburg/Weser'.")
]
TimeZone = Annotated[
    str | None, typer.Option("--timezone", help="IANA time zone, e.g. Europe/Berlin.")
]
DefaultLanguage = Annotated[
    str | None, typer.Option(help="Language of a newcomer before she chooses one (de, en, …).")
]
Languages = Annotated[
    str | None,
    typer.Option(help="Languages offered, e.g. 'de,en,ar,uk' ('' = every language)."),
]
Towns = Annotated[
    str | None, typer.Option(help="Towns offered at 'where do you live', e.g. 'Hoya, Nienburg'.")
]
Hours = Annotated[
    str | None,
    typer.Option(
        "--hours",
        help="Opening hours, e.g. 'mon-fri 09:00-13:00; thu 14:00-17:00' ('' = none).",
    ),
]
OfficeHours = Annotated[
    str | None,
    typer.Option(help="Office hours as free text, shown when --hours is not set."),
]
QuietHours = Annotated[
    str | None, typer.Option(help="No reminders in this window, e.g. 20:00-08:00.")
]
PrivacyContact = Annotated[
    str | None, typer.Option(help="Who answers privacy questions (email, phone).")
]
RetentionDays = Annotated[
    int | None, typer.Option(help="Days of silence after which a woman's data is deleted.")
]
NotifyByEmail = Annotated[
    bool | None,
    typer.Option(
        "--notify-by-email/--no-notify-by-email", help="Email staff about new inbox requests."
    ),
]
StaffChat = Annotated[
    str | None,
    typer.Option(help="Telegram group of the staff told of new requests ('' = none)."),
]


def register(app: typer.Typer) -> None:
    """Add ``twc organisations`` to the command line."""
    app.add_typer(organisations_app, name="organisations")


@contextmanager
def _service() -> Iterator[OrganisationService]:
    from bot.clock import process_clock
    from bot.db.connect import make_engine
    from bot.db.migrate import upgrade

    settings = settings_or_exit()
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        yield OrganisationService(engine, process_clock(settings))
    except OrganisationError as error:
        errors.print(f"[red]{escape(str(error))}[/red]")
        raise typer.Exit(2) from error
    finally:
        engine.dispose()


def _values(**given: Any) -> dict[str, Any]:
    renamed = {"hours": "opening_hours", "time_zone": "timezone"}
    return {renamed.get(k, k): v for k, v in given.items() if v is not None}


@organisations_app.command("create")
def organisations_create(
    slug: Annotated[str, typer.Argument(help="Short id: a-z, 0-9, '-' (e.g. vhs-hoya).")],
    name: Name = None,
    country: Country = None,
    district: District = None,
    time_zone: TimeZone = None,
    default_language: DefaultLanguage = None,
    languages: Languages = None,
    towns: Towns = None,
    hours: Hours = None,
    office_hours: OfficeHours = None,
    quiet_hours: QuietHours = None,
    privacy_contact: PrivacyContact = None,
    retention_days: RetentionDays = None,
    notify_by_email: NotifyByEmail = None,
    staff_telegram_chat: StaffChat = None,
) -> None:
    """Create an organisation (only --name is required)."""
    values = _values(**{k: v for k, v in locals().items() if k != "slug"})
    with _service() as service:
        created = service.create(slug, values, cli_actor())
    console.print(f"Created organisation [bold]{escape(created.slug)}[/bold].")
    _show([created])


@organisations_app.command("edit")
def organisations_edit(
    slug: Annotated[str, typer.Argument(help="The organisation's slug.")],
    name: Name = None,
    country: Country = None,
    district: District = None,
    time_zone: TimeZone = None,
    default_language: DefaultLanguage = None,
    languages: Languages = None,
    towns: Towns = None,
    hours: Hours = None,
    office_hours: OfficeHours = None,
    quiet_hours: QuietHours = None,
    privacy_contact: PrivacyContact = None,
    retention_days: RetentionDays = None,
    notify_by_email: NotifyByEmail = None,
    staff_telegram_chat: StaffChat = None,
) -> None:
    """Change some fields of an organisation (a running server sees it within 30 s)."""
    values = _values(**{k: v for k, v in locals().items() if k != "slug"})
    with _service() as service:
        if not values:
            raise OrganisationError("nothing to change: give at least one option (see --help)")
        edited, changed = service.edit(slug, values, cli_actor())
    if changed:
        console.print(
            f"Changed {escape(', '.join(sorted(changed)))} of [bold]{escape(slug)}[/bold]."
        )
    else:
        console.print(f"Nothing changed: {escape(slug)} has these values already.")
    _show([edited])


@organisations_app.command("list")
def organisations_list() -> None:
    """List every organisation with its settings."""
    with _service() as service:
        found = service.all()
    if not found:
        console.print("No organisations yet: twc organisations create SLUG --name NAME")
        return
    _show(found)


def _show(found: list[OrganisationView]) -> None:
    table = Table(show_lines=True)
    for column in ("slug", "name", "region", "languages", "towns", "hours", "privacy", "notify"):
        table.add_column(column, overflow="fold")
    for org in found:
        languages = ", ".join(org.languages) or "all"
        notify = ["email" if org.notify_by_email else "no email"]
        if org.staff_telegram_chat:
            notify.append(f"Telegram {org.staff_telegram_chat}")
        hours = org.opening_hours.spec().replace("; ", ";\n") or org.office_hours or "-"
        table.add_row(
            escape(org.slug),
            escape(org.name),
            escape(f"{org.country} {org.district}".strip() + f"\n{org.timezone}"),
            escape(f"{languages}\ndefault {org.default_language}"),
            escape(", ".join(org.towns) or "-"),
            escape(f"{hours}\nquiet {org.quiet_hours}"),
            escape(f"{org.privacy_contact or '-'}\nretention {org.retention_days} d"),
            escape("\n".join(notify)),
        )
    console.print(table)
