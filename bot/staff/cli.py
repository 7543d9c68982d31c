"""``twc staff add|list|reset-password|disable``: staff accounts from the server's shell.

The first admin of a new deployment is made here; after that admins manage their team in the
web app (``/staff/team``).  Passwords are never taken as an option (they would land in the
shell history): a generated one-time password is printed, or ``--ask-password`` reads one with
a hidden prompt.  A generated or reset password must be changed at the first login.  Every
change is in ``audit_log`` as ``cli:<login name>``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from bot.cli_support import cli_actor, console, errors, settings_or_exit
from bot.staff.principal import ROLES

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from bot.staff.accounts import StaffAccounts

staff_app = typer.Typer(help="Staff accounts of the web app (/staff).", no_args_is_help=True)


def _accounts() -> tuple[StaffAccounts, Engine]:
    """The accounts service on the configured database (migrated), and its engine."""
    from bot.clock import process_clock
    from bot.db.connect import make_engine
    from bot.db.migrate import upgrade
    from bot.db.types import configure_cipher
    from bot.staff.accounts import StaffAccounts

    settings = settings_or_exit()
    upgrade(settings.database_url)
    configure_cipher(settings.secret_key, settings.previous_secrets)
    engine = make_engine(settings.database_url)
    return StaffAccounts(engine, process_clock(settings), settings.secret_key), engine


def _english(message: str) -> str:
    """The catalog's English text of a service error (the command line speaks English)."""
    from bot.web.staff.i18n import StaffCatalogs

    return StaffCatalogs.load().get("en").gettext(message)


@staff_app.command("add")
def staff_add(
    email: Annotated[str, typer.Argument(help="Her email address: the login name.")],
    organisation: Annotated[str, typer.Option(help="Organisation slug.")],
    role: Annotated[str, typer.Option(help="admin or coordinator.")] = "coordinator",
    name: Annotated[str, typer.Option(help="Name shown in the app.")] = "",
    language: Annotated[str, typer.Option(help="de, en, it, pt or el.")] = "de",
    ask_password: Annotated[
        bool, typer.Option(help="Type her first password (hidden) instead of a generated one.")
    ] = False,
) -> None:
    """Create a staff account (or give an existing one a role in another organisation)."""
    from bot.staff.accounts import AccountError, organisation_id
    from bot.staff.passwords import generate_password

    if role not in ROLES:
        errors.print(f"[red]--role must be one of {', '.join(ROLES)}[/red]")
        raise typer.Exit(2)
    accounts, engine = _accounts()
    try:
        with engine.connect() as conn:
            org_id = organisation_id(conn, organisation)
        if org_id is None:
            errors.print(f"[red]No organisation {escape(organisation)!r}[/red]")
            raise typer.Exit(2)
        existing = accounts.id_of(email)
        if existing is not None:
            accounts.set_role(existing, org_id, role, cli_actor())
            console.print(
                f"{escape(email.lower())} already had an account: now {role} of "
                f"{escape(organisation)}."
            )
            return
        if ask_password:
            password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        else:
            password = generate_password()
        accounts.create(
            email,
            password,
            organisation_id=org_id,
            role=role,
            actor=cli_actor(),
            display_name=name,
            language=language,
            must_change_password=not ask_password,
        )
    except AccountError as error:
        errors.print(f"[red]{escape(_english(error.message))}[/red]")
        raise typer.Exit(2) from error
    finally:
        engine.dispose()
    console.print(f"Created {escape(email.lower())}: {role} of {escape(organisation)}.")
    if not ask_password:
        console.print(
            f"One-time password (shown once; changed at the first login): {escape(password)}"
        )


@staff_app.command("list")
def staff_list() -> None:
    """Every staff account with its roles (no passwords, no second-factor secrets)."""
    from sqlalchemy import select

    from bot.db.tables import organisations

    accounts, engine = _accounts()
    try:
        with engine.connect() as conn:
            slugs = {
                row.id: row.slug
                for row in conn.execute(select(organisations.c.id, organisations.c.slug))
            }
        rows = accounts.listing(slugs)
    finally:
        engine.dispose()
    if not rows:
        console.print(
            "No staff accounts yet: twc staff add EMAIL --organisation SLUG --role admin"
        )
    for row in rows:
        roles = ", ".join(f"{slugs[org]}:{role}" for org, role in sorted(row.roles.items()))
        flags = [] if row.active else ["disabled"]
        if row.second_factor:
            flags.append("2FA")
        console.print(
            f"{row.id}\t{escape(row.email)}\t{escape(row.display_name)}\t{escape(roles)}"
            f"\t{' '.join(flags)}"
        )


@staff_app.command("reset-password")
def staff_reset_password(
    email: Annotated[str, typer.Argument(help="Her email address.")],
) -> None:
    """A new one-time password (printed once); she chooses her own at the next login."""
    from bot.staff.sessions import SessionStore

    accounts, engine = _accounts()
    try:
        staff_id = accounts.id_of(email)
        if staff_id is None:
            errors.print(f"[red]No staff account {escape(email)!r}[/red]")
            raise typer.Exit(2)
        password = accounts.reset_password(staff_id, cli_actor())
        SessionStore(engine, accounts.clock).end_all(staff_id)
    finally:
        engine.dispose()
    console.print(f"One-time password for {escape(email.lower())}: {escape(password)}")


@staff_app.command("disable")
def staff_disable(
    email: Annotated[str, typer.Argument(help="Her email address.")],
) -> None:
    """Deactivate an account: no more logins, her sessions end now."""
    from bot.staff.sessions import SessionStore

    accounts, engine = _accounts()
    try:
        staff_id = accounts.id_of(email)
        if staff_id is None:
            errors.print(f"[red]No staff account {escape(email)!r}[/red]")
            raise typer.Exit(2)
        accounts.set_active(staff_id, False, cli_actor())
        SessionStore(engine, accounts.clock).end_all(staff_id)
    finally:
        engine.dispose()
    console.print(f"Disabled {escape(email.lower())}.")


__all__ = ["staff_app"]
