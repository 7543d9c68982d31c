"""The ``twc`` command line: run the bot, migrate, load demo data, check and draw flows, chat."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from bot.cli_support import console, errors, settings_or_exit, use_runtime_opener
from bot.clock import process_clock
from bot.crypto.cli import keys_app, refuse_unready_keys
from bot.features import registry
from bot.features.registry import FEATURES
from bot.organisations.cli import organisations_app
from bot.outbox.scrub import scrub
from bot.private_files import restrict_new_files
from bot.settings import Settings, load_settings
from bot.staff.cli import staff_app

if TYPE_CHECKING:
    from bot.runtime import Runtime

app = typer.Typer(help="Together We Can: the chatbot and its tools.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
demo_app = typer.Typer(help="Demo data.", no_args_is_help=True)
flows_app = typer.Typer(help="Dialogue flows.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(flows_app, name="flows")
outbox_app = typer.Typer(help="Messages waiting, sent or held.", no_args_is_help=True)
app.add_typer(outbox_app, name="outbox")
app.add_typer(keys_app, name="keys")
app.add_typer(organisations_app, name="organisations")
app.add_typer(staff_app, name="staff")


@app.callback()
def _private_files() -> None:
    """Every file a ``twc`` command creates (database, WAL, exports) is its owner's alone."""
    restrict_new_files()


@contextmanager
def _open_runtime() -> Iterator[Runtime]:
    """The database migrated and the bot built, for one command."""
    from bot.db.migrate import upgrade
    from bot.runtime import build_runtime

    settings = _settings()
    upgrade(settings.database_url)
    runtime = build_runtime(settings)
    try:
        yield runtime
    finally:
        runtime.close()


use_runtime_opener(_open_runtime)

# Each feature adds its own commands (courses, broadcasts, invites, people import, …).
for _feature in FEATURES:
    if _feature.cli is not None:
        _feature.cli(app)

_settings = settings_or_exit


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


def _refuse_demo_in_production(settings: Settings) -> None:
    """Demo data (a coordinator login with a known password, sample people) never goes into a
    production database: one line and exit code 2."""
    if settings.environment == "production":
        errors.print(
            "[red]Refused:[/red] demo data (with its known coordinator password) is never "
            "loaded when TWC_ENVIRONMENT=production.",
            soft_wrap=True,
        )
        raise typer.Exit(2)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply the migrations to the configured database (TWC_DATABASE_URL)."""
    from bot.db.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url, revision)
    console.print(f"Database is at revision [bold]{revision}[/bold].")


@demo_app.command("load")
def demo_load(
    history: Annotated[
        bool,
        typer.Option(
            help="Add a few months of made-up history for the reports, and the demo job offers."
        ),
    ] = False,
) -> None:
    """Create the demo organisation, coordinator login, course and mentors (idempotent)."""
    from bot.db.connect import make_engine
    from bot.db.migrate import upgrade
    from bot.db.types import configure_cipher
    from bot.demo import load_demo

    settings = _settings()
    _refuse_demo_in_production(settings)
    upgrade(settings.database_url)
    configure_cipher(settings.secret_key, settings.previous_secrets)
    engine = make_engine(settings.database_url)
    login = load_demo(engine, settings.secret_key, process_clock(settings)(), history=history)
    engine.dispose()
    console.print(
        f"Demo data ready. Staff login at /staff/login: {login.email} / {login.password}"
    )


@app.command("run")
def run(
    demo: Annotated[bool, typer.Option(help="Load the demo data first.")] = False,
    history: Annotated[
        bool,
        typer.Option(
            help="With --demo: add made-up past months (reports) and attendance answers and "
            "marks (`make run` does)."
        ),
    ] = False,
) -> None:
    """Migrate the database, then serve webhooks and the simulator with the dispatcher.

    ``--history`` is apart from ``--demo`` because the tests that run a real ``twc run
    --demo`` count the demo's people (every participant enrolled, every one in a broadcast).
    """
    import gc

    from bot.db.migrate import upgrade
    from bot.runtime import build_runtime
    from bot.web.app import create_app
    from bot.web.server import serve

    settings = _settings()
    if demo:
        _refuse_demo_in_production(settings)
    _configure_logging(settings)
    upgrade(settings.database_url)
    runtime = build_runtime(settings)
    refuse_unready_keys(runtime.db, settings)
    if demo:
        from bot.demo import load_demo

        login = load_demo(runtime.db, settings.secret_key, runtime.clock(), history=history)
        if history:
            from bot.demo import load_attendance_demo

            load_attendance_demo(runtime.db, settings.secret_key, runtime.clock())
    base = f"http://{settings.host}:{settings.port}"
    if demo:
        console.print(f"Staff login (demo): [bold]{base}/staff/login[/bold]", soft_wrap=True)
        console.print(f"  email {login.email}  password {login.password}", soft_wrap=True)
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
    serve(
        create_app(runtime),
        settings.host,
        settings.port,
        head_timeout=settings.header_timeout_seconds,
        body_timeout=settings.body_timeout_seconds,
    )


@flows_app.command("check")
def flows_check() -> None:
    """Load and validate every flow against every catalog; exit 1 listing each problem."""
    from conversations.flow_engine import FlowEngine
    from conversations.i18n import Catalogs
    from conversations.languages import default_languages
    from conversations.loader import FlowError, read_flows
    from conversations.validate import FlowValidationError

    try:
        flows = read_flows(registry.flow_files())
        FlowEngine(
            flows,
            Catalogs.load(default_languages()),
            registry.actions(),
            registry.choice_sources(),
            registry.commands(),
        )
    except FlowValidationError as error:
        for problem in error.errors:
            errors.print(f"[red]✗[/red] {problem}")
        raise typer.Exit(1) from error
    except FlowError as error:
        errors.print(f"[red]✗[/red] {error}")
        raise typer.Exit(1) from error
    languages = ", ".join(lang.code for lang in default_languages().languages)
    console.print(f"[green]✓[/green] {len(flows)} flows valid in {languages}.")
    checks = registry.flow_checks()
    if checks:
        try:
            settings = load_settings()
        except ValueError:
            errors.print("[yellow]![/yellow] Settings not readable: extra checks skipped.")
            return
        for check in checks:
            for warning in check(flows, settings):
                errors.print(f"[yellow]![/yellow] {escape(warning)}")


@flows_app.command("draw")
def flows_draw(flow: str) -> None:
    """Print a Mermaid state diagram of FLOW."""
    from conversations.diagram import mermaid
    from conversations.loader import read_flows

    flows = read_flows(registry.flow_files())
    if flow not in flows:
        errors.print(f"No flow {flow!r}. Known: {', '.join(sorted(flows))}")
        raise typer.Exit(2)
    print(mermaid(flows[flow]))


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

    from bot.db.connect import make_engine
    from bot.db.models import OutboxMessage
    from bot.db.types import configure_cipher

    settings = _settings()
    configure_cipher(settings.secret_key, settings.previous_secrets)
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
            table.c.payload,
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
    for row in rows:  # the payload is encrypted: its language is read here, the text never shown
        row["language"] = (row.pop("payload") or {}).get("language")
        row["error"] = row["error"] and scrub(row["error"])  # rows stored before 0008, too
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
    from bot.db.migrate import upgrade
    from bot.runtime import build_runtime

    settings = _settings()
    upgrade(settings.database_url)
    runtime = build_runtime(settings)
    if runtime.turns.organisations.by_slug(settings.default_organisation) is None:
        runtime.close()
        errors.print(
            f"[red]No organisation {escape(repr(settings.default_organisation))}.[/red] "
            "Run 'twc demo load' first (or create it)."
        )
        raise typer.Exit(2)
    try:
        asyncio.run(_chat(runtime, user))
    finally:
        runtime.close()


async def _chat(runtime: Runtime, user: str) -> None:
    """The terminal conversation: her lines in, the bot's replies and buttons out, through the
    same inbound path as every channel."""
    from bot.channels.simulator.parse import parse_request

    buttons: list[dict[str, str]] = []
    console.print("[dim]Type a message; \\[n] presses button n; empty line ends.[/dim]")
    pending: dict[str, str] | None = {"user": user, "text": "/start"}
    while True:
        if pending is None:
            try:
                line = (await asyncio.to_thread(input, "> ")).strip()
            except EOFError:
                break
            if not line:
                break
            number = line[1:-1] if line.startswith("[") and line.endswith("]") else line
            if number.isdigit() and buttons and 1 <= int(number) <= len(buttons):
                pending = {"user": user, "choice": buttons[int(number) - 1]["id"]}
            else:
                pending = {"user": user, "text": line}
        outcome = await runtime.inbound.receive(parse_request(pending, runtime.clock()))
        for reply in outcome.replies:
            console.print(f"[cyan]{escape(reply['text'])}[/cyan]")
            buttons = reply["choices"]
            for index, choice in enumerate(buttons, start=1):
                console.print(f"  [bold]\\[{index}][/bold] {escape(choice['label'])}")
        pending = None


if __name__ == "__main__":
    app()
