"""``twc invites create|list``: invite codes (deep links on flyers and QR codes)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from bot.cli_support import console, errors, settings_or_exit

invites_app = typer.Typer(
    help="Invite codes (deep links on flyers and QR codes).", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Add ``twc invites`` to the command line."""
    app.add_typer(invites_app, name="invites")


def _invite_link(code: str) -> str:
    return f"https://t.me/<your_bot>?start={code}"


@invites_app.command("create")
def invites_create(
    course: Annotated[str | None, typer.Option(help="Course code the invite enrols in.")] = None,
    organisation: Annotated[
        str | None, typer.Option(help="Organisation slug (when the code is for no course).")
    ] = None,
    code: Annotated[
        str | None, typer.Option(help="The code itself (a-z, 0-9, _, -); random if not given.")
    ] = None,
    role: Annotated[
        str | None,
        typer.Option(help="'mentor': whoever opens the link signs up as (or becomes) a mentor."),
    ] = None,
) -> None:
    """Create an invite code for a course (or just an organisation) and print its link."""
    from bot.clock import process_clock
    from bot.db.connect import make_engine
    from bot.db.migrate import upgrade
    from bot.features.invites.service import InviteError, create_invite

    settings = settings_or_exit()
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        invite = create_invite(
            engine,
            process_clock(settings)(),
            course=course,
            organisation=organisation,
            code=code,
            role=role,
        )
    except InviteError as error:
        errors.print(f"[red]{escape(str(error))}[/red]")
        raise typer.Exit(2) from error
    finally:
        engine.dispose()
    console.print(f"Invite code [bold]{escape(invite.code)}[/bold]: {_invite_link(invite.code)}")


@invites_app.command("list")
def invites_list() -> None:
    """List every invite code with its organisation and course."""
    from bot.db.connect import make_engine
    from bot.db.migrate import upgrade
    from bot.features.invites.service import list_invites

    settings = settings_or_exit()
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        invites = list_invites(engine)
    finally:
        engine.dispose()
    if not invites:
        console.print("No invite codes yet: twc invites create --course CODE")
    for invite in invites:
        state = "" if invite.active else " (inactive)"
        role = f"\t{invite.role}" if invite.role else ""
        console.print(
            f"{escape(invite.code)}\t{escape(invite.organisation)}\t"
            f"{escape(invite.course or '-')}{state}{role}\t{_invite_link(invite.code)}"
        )
