"""``twc groups create|list|show|close|add-organiser|link-telegram``: groups at the command line.

Whoever runs ``twc`` on the server runs the deployment: every organisation (or the one
named); a new group goes to the only organisation unless ``--organisation`` names one.
Changes are audited as ``cli:<login name>``.  Bad input ends with one plain sentence and exit
code 1.  Members are shown as counts; organisers by first name only.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy import Connection, select

from bot.cli_support import cli_actor, command_group, console, errors, open_runtime
from bot.db.tables import groups, organisations, people, telegram_groups
from bot.features.groups import groups as service
from bot.features.groups import membership as m
from bot.features.groups.group_admin import GroupAdmin, GroupError

OrgOption = Annotated[str | None, typer.Option("--organisation", help="Organisation slug.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _fail(message: str) -> typer.Exit:
    errors.print(f"[red]✗[/red] {escape(message)}")
    return typer.Exit(1)


def _per_language(values: list[str], default: str, what: str) -> dict[str, str]:
    """``["Frauencafé", "ar=مقهى النساء"]`` → ``{"de": "Frauencafé", "ar": "مقهى النساء"}``."""
    found: dict[str, str] = {}
    for value in values:
        code, sep, text = value.partition("=")
        if sep and 2 <= len(code) <= 3 and code.isalpha():
            found[code.lower()] = text.strip()
        else:
            found[default] = value.strip()
    if any(not v for v in found.values()):
        raise _fail(f"An empty {what}.")
    return found


def _default_language(conn: Connection, slug: str | None) -> str:
    query = select(organisations.c.default_language)
    if slug:
        query = query.where(organisations.c.slug == slug)
    return str(conn.execute(query).scalars().first() or "de")


def _summary(conn: Connection, row: Any) -> dict[str, Any]:
    default = _default_language_of(conn, row.organisation_id)
    names = conn.execute(
        select(people.c.display_name).where(people.c.id.in_(m.organisers(conn, row.id)))
    ).scalars()
    chat = None
    if row.telegram_group_id is not None:
        chat = conn.execute(
            select(telegram_groups.c.title).where(telegram_groups.c.id == row.telegram_group_id)
        ).scalar()
    return {
        "id": row.id,
        "status": row.status,
        "name": m.group_name(row, default, default),
        "town": row.town,
        "approval": row.approval,
        "members": service.member_count(conn, row.id),
        "organisers": sorted(service.first_name(n) for n in names),
        "code": row.code,
        "telegram_group": chat,
    }


def _default_language_of(conn: Connection, organisation_id: int) -> str:
    return str(
        conn.execute(
            select(organisations.c.default_language).where(organisations.c.id == organisation_id)
        ).scalar()
        or "de"
    )


def register(app: typer.Typer) -> None:
    """Add ``twc groups`` and its commands."""
    group_app = command_group(
        app,
        "groups",
        "Self-organised groups: create, list, show, close, organisers, Telegram group.",
    )

    @group_app.command("create")
    def create(
        name: Annotated[
            list[str],
            typer.Option("--name", help='The name; "ar=…" for another language (repeatable).'),
        ],
        town: Annotated[str, typer.Option("--town", help="Where the group meets.")],
        description: Annotated[
            list[str] | None, typer.Option("--description", help='"uk=…" for another language.')
        ] = None,
        directions: Annotated[
            list[str] | None, typer.Option("--directions", help="How to get there.")
        ] = None,
        place: Annotated[
            list[str] | None, typer.Option("--place", help="A usual meeting place (repeatable).")
        ] = None,
        approval: Annotated[
            bool, typer.Option("--approval/--open", help="An organiser approves who joins.")
        ] = False,
        children: Annotated[
            bool, typer.Option("--children", help="Children are welcome.")
        ] = False,
        organisation: OrgOption = None,
    ) -> None:
        """Start a group: active at once; its invite code is printed."""
        with open_runtime() as runtime:
            with runtime.db.connect() as conn:
                default = _default_language(conn, organisation)
            try:
                group_id, code = GroupAdmin(runtime.db, runtime.clock, cli_actor()).create(
                    organisation,
                    names=_per_language(name, default, "name"),
                    town=town,
                    descriptions=_per_language(description or [], default, "description"),
                    directions=_per_language(directions or [], default, "directions"),
                    approval=approval,
                    children_welcome=children,
                    places=place or [],
                )
            except GroupError as error:
                raise _fail(str(error)) from error
        console.print(f"[green]✓[/green] Group {group_id} is active (invite code {code}).")

    @group_app.command("list")
    def list_groups(organisation: OrgOption = None, as_json: JsonOption = False) -> None:
        """The groups: status, name, town, members, organisers (first names)."""
        with open_runtime() as runtime, runtime.db.connect() as conn:
            query = select(groups).order_by(groups.c.id)
            if organisation:
                org = conn.execute(
                    select(organisations.c.id).where(organisations.c.slug == organisation)
                ).scalar()
                if org is None:
                    raise _fail(f"No organisation {organisation}.")
                query = query.where(groups.c.organisation_id == org)
            rows = [_summary(conn, row) for row in conn.execute(query)]
        if as_json:
            print(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        table = Table(title="Groups")
        for column in ("id", "status", "name", "town", "members", "organisers"):
            table.add_column(column)
        for row in rows:
            table.add_row(
                str(row["id"]),
                row["status"],
                escape(row["name"]),
                escape(row["town"]),
                str(row["members"]),
                escape(", ".join(row["organisers"])),
            )
        console.print(table)

    @group_app.command("show")
    def show(group_id: int, as_json: JsonOption = False) -> None:
        """One group: its fields, member count, organisers, invite code, Telegram group."""
        with open_runtime() as runtime, runtime.db.connect() as conn:
            row = service.group(conn, group_id)
            if row is None:
                raise _fail(f"No group {group_id}.")
            found = _summary(conn, row)
            found["names"] = dict(row.name or {})
            found["description"] = dict(row.description or {})
            found["directions"] = dict(row.directions or {})
            found["children_welcome"] = row.children_welcome
            found["usual_places"] = list(row.usual_places or [])
        if as_json:
            print(json.dumps(found, ensure_ascii=False, indent=2))
            return
        for key, value in found.items():
            shown = ", ".join(value) if isinstance(value, list) else value
            console.print(f"{key}: {escape(str(shown))}")

    @group_app.command("close")
    def close(group_id: int) -> None:
        """Close a group: it is no longer listed and nothing more of it goes out."""
        with open_runtime() as runtime:
            try:
                closed = GroupAdmin(runtime.db, runtime.clock, cli_actor()).close(group_id)
            except GroupError as error:
                raise _fail(str(error)) from error
        if not closed:
            raise _fail(f"Group {group_id} is closed already.")
        console.print(f"[green]✓[/green] Group {group_id} is closed.")

    @group_app.command("add-organiser")
    def add_organiser(group_id: int, person_id: int) -> None:
        """Make a participant (her person id) an organiser of the group; she is told."""
        with open_runtime() as runtime:
            try:
                GroupAdmin(runtime.db, runtime.clock, cli_actor()).add_organiser(
                    group_id, person_id
                )
            except GroupError as error:
                raise _fail(str(error)) from error
        console.print(f"[green]✓[/green] Person {person_id} organises group {group_id}.")

    @group_app.command("link-telegram")
    def link_telegram(
        group_id: int,
        chat_id: Annotated[
            str | None,
            typer.Option("--chat", help="The Telegram group's chat id (left out: unlink)."),
        ] = None,
    ) -> None:
        """Link a Telegram group the bot is in (polls and neutral posts go there too)."""
        with open_runtime() as runtime:
            try:
                GroupAdmin(runtime.db, runtime.clock, cli_actor()).link_telegram(group_id, chat_id)
            except GroupError as error:
                raise _fail(str(error)) from error
        done = f"linked to {chat_id}" if chat_id else "not linked"
        console.print(f"[green]✓[/green] Group {group_id} is {done}.")


__all__ = ["register"]
