"""The ``twc`` command line: run the bot, migrate, load demo data, check and draw flows, chat."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from bot.settings import Settings, load_settings

app = typer.Typer(help="Together We Can: the chatbot and its tools.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
demo_app = typer.Typer(help="Demo data.", no_args_is_help=True)
flows_app = typer.Typer(help="Dialogue flows.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(flows_app, name="flows")
invites_app = typer.Typer(
    help="Invite codes (deep links on flyers and QR codes).", no_args_is_help=True
)
app.add_typer(invites_app, name="invites")
outbox_app = typer.Typer(help="Messages waiting, sent or held.", no_args_is_help=True)
app.add_typer(outbox_app, name="outbox")

console = Console()
errors = Console(stderr=True)


def _settings() -> Settings:
    try:
        return load_settings()
    except ValueError as error:
        errors.print(f"[red]Configuration error:[/red] {error}")
        raise typer.Exit(2) from error


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # APScheduler logs every run of the sweep at INFO: noise, not news.  httpx logs every
    # request's URL at INFO, and a Bot API URL contains the bot's token: never at INFO.
    for noisy in ("apscheduler", "httpx", "httpcore", "telegram"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.root.level))


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply the migrations to the configured database (TWC_DATABASE_URL)."""
    from bot.db.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url, revision)
    console.print(f"Database is at revision [bold]{revision}[/bold].")


@demo_app.command("load")
def demo_load() -> None:
    """Create the demo organisation, coordinator login, course and mentors (idempotent)."""
    from bot.db.engine import make_engine
    from bot.db.migrate import upgrade
    from bot.db.types import configure_cipher
    from bot.demo import load_demo
    from bot.runtime import utc_now

    settings = _settings()
    upgrade(settings.database_url)
    configure_cipher(settings.secret_key)
    engine = make_engine(settings.database_url)
    login = load_demo(engine, settings.secret_key, utc_now())
    engine.dispose()
    console.print(f"Demo data ready. Coordinator login: {login.email} / {login.password}")


@app.command("run")
def run(
    demo: Annotated[bool, typer.Option(help="Load the demo data first.")] = False,
) -> None:
    """Migrate the database, then serve webhooks and the simulator with the dispatcher."""
    import gc

    import uvicorn

    from bot.db.migrate import upgrade
    from bot.runtime import build_runtime
    from bot.web.app import create_app

    settings = _settings()
    _configure_logging(settings)
    upgrade(settings.database_url)
    runtime = build_runtime(settings)
    if demo:
        from bot.demo import load_demo

        login = load_demo(runtime.db, settings.secret_key, runtime.clock())
        console.print(f"Coordinator login (demo): {login.email} / {login.password}")
    base = f"http://{settings.host}:{settings.port}"
    if settings.simulator_enabled:
        console.print(f"Chat simulator: [bold]{base}/simulator[/bold]")
    if settings.telegram_enabled:
        console.print(f"Telegram: on ({settings.telegram_effective_mode})")
    # The start-up heap (flows, catalogs, demo data, SQLAlchemy metadata) lives as long as the
    # process: freeze it so collections never walk it again (a full one took ~90 ms).  Each
    # request allocates many short-lived objects: collect the young generation less often
    # (benchmarks.http: GC time per message ~0.3 -> <0.1 ms, longest pause ~15 ms).
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)
    uvicorn.run(
        create_app(runtime),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        access_log=False,
    )


@flows_app.command("check")
def flows_check() -> None:
    """Load and validate every flow against every catalog; exit 1 listing each problem."""
    from conversations.engine import Engine
    from conversations.i18n import Catalogs
    from conversations.languages import default_languages
    from conversations.loader import FlowError, read_flows
    from conversations.validate import FlowValidationError

    try:
        flows = read_flows()
        Engine(flows, Catalogs.load(default_languages()))
    except FlowValidationError as error:
        for problem in error.errors:
            errors.print(f"[red]✗[/red] {problem}")
        raise typer.Exit(1) from error
    except FlowError as error:
        errors.print(f"[red]✗[/red] {error}")
        raise typer.Exit(1) from error
    languages = ", ".join(lang.code for lang in default_languages().languages)
    console.print(f"[green]✓[/green] {len(flows)} flows valid in {languages}.")


@flows_app.command("draw")
def flows_draw(flow: str) -> None:
    """Print a Mermaid state diagram of FLOW."""
    from conversations.diagram import mermaid
    from conversations.loader import read_flows

    flows = read_flows()
    if flow not in flows:
        errors.print(f"No flow {flow!r}. Known: {', '.join(sorted(flows))}")
        raise typer.Exit(2)
    print(mermaid(flows[flow]))


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
) -> None:
    """Create an invite code for a course (or just an organisation) and print its link."""
    from bot.db.engine import make_engine
    from bot.db.migrate import upgrade
    from bot.runtime import utc_now
    from bot.services.invites import InviteError, create_invite

    settings = _settings()
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        invite = create_invite(
            engine, utc_now(), course=course, organisation=organisation, code=code
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
    from bot.db.engine import make_engine
    from bot.db.migrate import upgrade
    from bot.services.invites import list_invites

    settings = _settings()
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
        console.print(
            f"{escape(invite.code)}\t{escape(invite.organisation)}\t"
            f"{escape(invite.course or '-')}{state}\t{_invite_link(invite.code)}"
        )


@outbox_app.command("list")
def outbox_list(
    status: Annotated[
        str | None, typer.Option(help="Only rows with this status, e.g. needs_template.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per row.")] = False,
    limit: Annotated[int, typer.Option(help="At most this many rows, newest first.")] = 200,
) -> None:
    """List outbox rows (no addresses, no texts): what is held and why, for coordinators."""
    import json

    from sqlalchemy import select

    from bot.db.engine import make_engine
    from bot.db.models import OutboxMessage
    from bot.db.types import configure_cipher

    settings = _settings()
    configure_cipher(settings.secret_key)
    engine = make_engine(settings.database_url)
    table = OutboxMessage.__table__
    query = (
        select(
            table.c.id,
            table.c.person_id,
            table.c.channel,
            table.c.kind,
            table.c.status,
            table.c.delivery_status,
            table.c.error_code,
            table.c.error,
            table.c.payload["language"].as_string().label("language"),
            table.c.created_at,
        )
        .order_by(table.c.id.desc())
        .limit(limit)
    )
    if status:
        query = query.where(table.c.status == status)
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
    engine.dispose()
    if as_json:
        for row in rows:
            row["created_at"] = row["created_at"].isoformat()
            print(json.dumps(row, ensure_ascii=False))
        return
    if not rows:
        console.print("No outbox rows" + (f" with status {escape(status)}." if status else "."))
        return
    for row in rows:
        console.print(
            f"#{row['id']} {row['created_at']:%Y-%m-%d %H:%M} {row['channel']} "
            f"{escape(row['kind'])} [{row['language'] or '?'}] "
            f"[bold]{row['status']}[/bold] {escape(row['error'] or '')}"
        )


@app.command("chat")
def chat(
    user: Annotated[str, typer.Option(help="Test user id (same users as the web simulator).")],
) -> None:
    """Chat with the bot in the terminal as a simulator test user.

    Type text as you would on a phone; type the number in brackets to press a button;
    an empty line or Ctrl-D ends the chat.
    """
    from bot.channels.simulator import parse_request, shown_text
    from bot.db.migrate import upgrade
    from bot.runtime import build_runtime

    settings = _settings()
    upgrade(settings.database_url)
    runtime = build_runtime(settings)
    if runtime.conversations.organisations.by_slug(settings.default_organisation) is None:
        runtime.close()
        errors.print(
            f"[red]No organisation {escape(repr(settings.default_organisation))}.[/red] "
            "Run 'twc demo load' first (or create it)."
        )
        raise typer.Exit(2)
    buttons: list[dict[str, str]] = []
    console.print("[dim]Type a message; \\[n] presses button n; empty line ends.[/dim]")
    first = {"user": user, "text": "/start"}
    pending: dict[str, str] | None = first
    while True:
        if pending is None:
            try:
                line = input("> ").strip()
            except EOFError:
                break
            if not line:
                break
            number = line[1:-1] if line.startswith("[") and line.endswith("]") else line
            if number.isdigit() and buttons and 1 <= int(number) <= len(buttons):
                pending = {"user": user, "choice": buttons[int(number) - 1]["id"]}
            else:
                pending = {"user": user, "text": line}
        inbound = parse_request(pending, runtime.clock())
        labels = {b["id"]: b["label"] for b in buttons}
        runtime.simulator.record_inbound(user, shown_text(inbound, labels))
        outcome = runtime.conversations.handle_inbound(inbound)
        asyncio.run(runtime.dispatcher.dispatch(keys=outcome.outbox_keys))
        for reply in outcome.replies:
            console.print(f"[cyan]{escape(reply['text'])}[/cyan]")
            buttons = reply["choices"]
            for index, choice in enumerate(buttons, start=1):
                console.print(f"  [bold]\\[{index}][/bold] {escape(choice['label'])}")
        pending = None
    runtime.close()


# ---- courses, sessions, enrolment, nudges (issue 5): bot/courses/cli.py -----------------------
from bot.courses.cli import register as _register_courses  # noqa: E402

_register_courses(app)

# ---- people import (issue 5, point 2): bot/people/cli.py --------------------------------------
from bot.people.cli import register as _register_people  # noqa: E402

_register_people(app)

# ---- broadcasts (issue 6): bot/broadcasts/cli.py -----------------------------------------------
from bot.broadcasts.cli import register as _register_broadcasts  # noqa: E402

_register_broadcasts(app)


if __name__ == "__main__":
    app()
