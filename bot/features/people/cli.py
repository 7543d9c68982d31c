"""``twc people list`` and ``twc people show ID``: the directory and a profile on the command
line, so nobody needs an id they cannot see (``twc people delete ID``, ``export ID`` …).

Both read through the same services as the staff pages (:class:`~.directory.Directory`,
:class:`~.profile.Profiles`), as a staff member of every organisation of the deployment (the
person at the server's shell can read the database anyway), or of the one ``--organisation``
names.  Texts come from the staff catalog in English.  Addresses are masked (``+49…678``):
enough to tell two numbers apart on the phone, not to write to her.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy import Engine, select

from bot.cli_support import command_group, console, errors, open_runtime
from bot.db.tables import courses, organisations
from bot.features.people.directory import STATUSES, Directory, Filters
from bot.features.people.labels import TABLES, course_title, language_name
from bot.features.people.profile import Profiles
from bot.features.people.scope import PersonNotFoundError
from bot.web.staff.i18n import StaffCatalogs

#: The help of ``twc people`` (features add commands to the group: import, delete, …).
PEOPLE_HELP = "People: list, show, import the lists you already have; delete on request."
#: The command line's language (the staff catalog's English).
LANGUAGE = "en"


@dataclass(frozen=True)
class ShellUser:
    """The person at the server's shell, as the people services see a staff member: of the
    organisations chosen, an admin (so the profile reads her addresses, which are masked
    here), acting as ``cli``."""

    organisation_ids: Set[int]

    def is_admin(self, organisation_id: int | None = None) -> bool:
        return True

    @property
    def actor(self) -> str:
        return "cli"


def register(app: typer.Typer) -> None:
    """Add ``twc people list`` and ``twc people show`` to the ``twc`` application."""
    group = command_group(app, "people", PEOPLE_HELP)
    group.command("list")(people_list)
    group.command("show")(people_show)


def mask(address: str | None) -> str:
    """``whatsapp:+4917612345678`` → ``+49…678``; a Telegram chat id ``…678``."""
    if not address:
        return "—"
    plain = address.split(":", 1)[-1]
    if plain.startswith("+"):
        return f"{plain[:3]}…{plain[-3:]}"
    return f"…{plain[-3:]}"


def _user(db: Engine, organisation: str | None) -> ShellUser:
    with db.connect() as conn:
        query = select(organisations.c.id)
        if organisation:
            query = query.where(organisations.c.slug == organisation)
        ids = frozenset(int(i) for i in conn.execute(query).scalars())
    if organisation and not ids:
        errors.print(f"[red]✗[/red] no organisation {escape(organisation)}")
        raise typer.Exit(2)
    return ShellUser(ids)


def _course_id(db: Engine, user: ShellUser, code: str) -> int:
    with db.connect() as conn:
        found = conn.execute(
            select(courses.c.id).where(
                courses.c.code == code,
                courses.c.organisation_id.in_(sorted(user.organisation_ids)),
            )
        ).scalar()
    if found is None:
        errors.print(f"[red]✗[/red] no course {escape(code)}")
        raise typer.Exit(2)
    return int(found)


def people_list(
    organisation: Annotated[
        str | None, typer.Option(help="Organisation slug (default: every organisation).")
    ] = None,
    course: Annotated[str | None, typer.Option(help="Only people in this course (code).")] = None,
    town: Annotated[
        str | None, typer.Option(help="Only people in this town (typos forgiven).")
    ] = None,
    language: Annotated[
        str | None, typer.Option(help="Only this language (code: ar, fa, uk …).")
    ] = None,
    status: Annotated[
        str | None, typer.Option(help=f"Only this status: {', '.join(STATUSES)}.")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Search by name (forgiving).")] = None,
) -> None:
    """The people: id, name, language, town, channels and status; newest first."""
    if status is not None and status not in STATUSES:
        errors.print(f"[red]✗[/red] status is one of {', '.join(STATUSES)}")
        raise typer.Exit(2)
    translate = StaffCatalogs.load().gettext(LANGUAGE)
    with open_runtime() as runtime:
        user = _user(runtime.db, organisation)
        course_id = _course_id(runtime.db, user, course) if course else None
        directory = Directory(runtime.db)
        filters = Filters(
            name=name or "",
            town=town or "",
            language=language or "",
            course=course_id,
            status=status or "",
        )
        listing = directory.search(user, filters, LANGUAGE)
        rows = list(listing.rows)
        for page in range(2, listing.pages + 1):
            rows += directory.search(user, _page(filters, page), LANGUAGE).rows
    table = Table(title=f"{listing.total} people", title_justify="left")
    for column in ("id", "name", "language", "town", "channels", "status"):
        table.add_column(column, justify="right" if column == "id" else "left")
    for row in rows:
        channels = ", ".join(
            f"{channel} ({translate(TABLES['channel_status'].get(state, state))})"
            for channel, state in row.channels
        )
        shown_status = "unreachable" if row.unreachable else row.status
        table.add_row(
            str(row.id),
            escape(row.name or "—"),
            language_name(row.language, LANGUAGE),
            escape(row.town or "—"),
            channels or "—",
            translate(TABLES["status"].get(shown_status, shown_status)),
        )
    console.print(table)


def _page(filters: Filters, page: int) -> Filters:
    return Filters(
        name=filters.name,
        town=filters.town,
        language=filters.language,
        course=filters.course,
        status=filters.status,
        organisation=filters.organisation,
        page=page,
    )


def people_show(
    person_id: Annotated[int, typer.Argument(help="Her id (see twc people list).")],
    organisation: Annotated[
        str | None, typer.Option(help="Organisation slug (default: every organisation).")
    ] = None,
) -> None:
    """Her profile: languages, town, interests, consents, courses and channels (masked)."""
    translate = StaffCatalogs.load().gettext(LANGUAGE)

    def label(table: str, code: object) -> str:
        found = TABLES[table].get(code)
        return translate(found) if found else str(code)

    with open_runtime() as runtime:
        user = _user(runtime.db, organisation)
        try:
            profile = Profiles(runtime.db).get(user, person_id)
        except PersonNotFoundError:
            errors.print(f"[red]✗[/red] no person {person_id}")
            raise typer.Exit(2) from None
    status = "unreachable" if profile.unreachable else profile.status
    console.print(f"[bold]#{profile.id} {escape(profile.name or '—')}[/bold]")
    facts = [
        ("organisation", profile.organisation),
        ("status", label("status", status)),
        ("role", label("role", profile.role)),
        ("language", language_name(profile.language, LANGUAGE)),
        ("town", profile.town or "—"),
        ("interests", ", ".join(label("interest", i) for i in profile.interests) or "—"),
        ("help to attend", ", ".join(label("attend_help", h) for h in profile.attend_help) or "—"),
        ("since", profile.created_at.date().isoformat()),
    ]
    for key, value in facts:
        console.print(f"  {key}: {escape(value)}")
    console.print("[bold]Channels[/bold]")
    for channel in profile.channels:
        console.print(
            f"  {channel.channel}: {mask(channel.address)} "
            f"({label('channel_status', channel.status)})"
        )
    console.print("[bold]Consents[/bold]")
    for consent in profile.consents or []:
        withdrawn = (
            f", withdrawn {consent.withdrawn_at.date().isoformat()}"
            if consent.withdrawn_at
            else ""
        )
        console.print(
            f"  {label('purpose', consent.purpose)}: given {consent.given_at.date().isoformat()} "
            f"({consent.channel}){withdrawn}"
        )
    if not profile.consents:
        console.print("  none")
    console.print("[bold]Courses[/bold]")
    for enrolled in profile.courses:
        title = course_title(enrolled.title, LANGUAGE, enrolled.code)
        console.print(
            f"  {escape(enrolled.code)}: {escape(title)} "
            f"(since {enrolled.enrolled_at.date().isoformat()})"
        )
    if not profile.courses:
        console.print("  none")


__all__ = ["PEOPLE_HELP", "mask", "register"]
