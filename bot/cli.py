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
    # APScheduler logs every run of the sweep at INFO: noise, not news.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, logging.root.level))


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


if __name__ == "__main__":
    app()
