"""``twc broadcast …``: coordinators' announcements to everyone or to a part of them.

``create`` reads a file with one text per language (and optionally the audience), ``preview``
shows who gets what, ``send`` sends now (with a progress bar while the running ``twc run``
sends) or at a local time, ``cancel`` stops it, ``status`` reports, ``follow-up`` re-sends once
to those not known to have read it.  The audit log records who is logged in
(``cli:<login name>``), never a name typed on the command line; lists and reports take
``--json``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from bot.cli_support import cli_actor, console, errors, open_runtime
from bot.features.broadcasts.compose import (
    BroadcastError,
    Draft,
    merge_audience,
    normalise_audience,
)
from bot.features.broadcasts.report import BUCKETS
from bot.features.broadcasts.service import BroadcastService, channel_rates

broadcast_app = typer.Typer(
    help="Broadcasts: one announcement to many, each in her language.", no_args_is_help=True
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
#: How often the progress bar looks at the outbox.
POLL_SECONDS = 0.5


def register(app: typer.Typer) -> None:
    """Add ``twc broadcast`` to the ``twc`` application."""
    app.add_typer(broadcast_app, name="broadcast")


@contextmanager
def _service() -> Iterator[BroadcastService]:
    with open_runtime() as runtime:
        try:
            yield BroadcastService(
                runtime.db,
                runtime.flow_engine.catalogs,
                runtime.clock,
                cli_actor(),
                runtime.reach_rules(),
                channel_rates(runtime.settings),
                frozenset(runtime.channels),
            )
        except BroadcastError as error:
            errors.print(f"[red]✗[/red] {escape(str(error))}")
            raise typer.Exit(1) from error


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@broadcast_app.command("create")
def create(
    file: Annotated[Path, typer.Option("--file", help="YAML: one text per language code.")],
    organisation: Annotated[str | None, typer.Option(help="Organisation slug.")] = None,
    title: Annotated[str | None, typer.Option(help="A label for coordinators.")] = None,
    everyone: Annotated[bool, typer.Option("--all", help="Everyone in the organisation.")] = False,
    course: Annotated[list[str] | None, typer.Option(help="Course code (repeatable).")] = None,
    town: Annotated[list[str] | None, typer.Option(help="Town (repeatable).")] = None,
    language: Annotated[list[str] | None, typer.Option(help="Her language (repeatable).")] = None,
    interest: Annotated[list[str] | None, typer.Option(help="Interest (repeatable).")] = None,
    group: Annotated[
        list[str] | None, typer.Option(help="Telegram group chat id (repeatable).")
    ] = None,
    match_all: Annotated[
        bool,
        typer.Option("--match-all", help="Only people in every kind of segment named."),
    ] = False,
    urgent: Annotated[bool, typer.Option(help="May be sent in quiet hours.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Create a broadcast from FILE; shows which audience languages still lack a text."""
    from bot.cli_support import settings_or_exit as _settings
    from bot.features.broadcasts.compose import read_draft

    try:
        draft = read_draft(file)
        extra = normalise_audience(
            {
                "all": everyone,
                "courses": course or [],
                "towns": town or [],
                "languages": language or [],
                "interests": interest or [],
                "telegram_groups": group or [],
                **({"match": "all"} if match_all else {}),
            }
        )
    except BroadcastError as error:
        errors.print(f"[red]✗[/red] {escape(str(error))}")
        raise typer.Exit(1) from error
    draft = Draft(
        draft.texts,
        merge_audience(draft.audience, extra),
        title or draft.title,
        draft.organisation,
        urgent or draft.urgent,
    )
    slug = organisation or draft.organisation or _settings().default_organisation
    with _service() as service:
        created = service.create(draft, slug)
    if as_json:
        _print_json(created)
        return
    console.print(
        f"Broadcast [bold]{created['id']}[/bold] created (draft). "
        f"Texts: {', '.join(created['texts'])}."
    )
    _print_missing(created)
    console.print(f"Next: twc broadcast preview {created['id']}")


def _print_missing(found: dict[str, Any]) -> None:
    if not found["missing"] and not found.get("no_text"):
        console.print("[green]✓[/green] Every language in the audience has a text.")
    for code, gap in found["missing"].items():
        got = ", ".join(f"{lang} ({n})" for lang, n in gap["get"].items())
        console.print(
            f"[yellow]![/yellow] No {code} text: {gap['people']} people get a fallback: {got}"
        )
    for code, count in (found.get("no_text") or {}).items():
        console.print(f"[red]✗[/red] No text at all for {count} people ({code})")


@broadcast_app.command("preview")
def preview(broadcast: int, as_json: JsonOption = False) -> None:
    """Who gets it: counts per language and channel, exclusions, one example per language."""
    with _service() as service:
        shown = service.preview(broadcast)
    if as_json:
        _print_json(shown)
        return
    table = Table(title=f"Broadcast {broadcast}: {escape(shown['title'])} ({shown['status']})")
    for column in ("language", "channel", "people"):
        table.add_column(column)
    for row in shown["by_language_channel"]:
        table.add_row(row["language"], row["channel"], str(row["people"]))
    console.print(table)
    console.print(f"Recipients: [bold]{shown['recipients']}[/bold]")
    if shown["groups"]:
        console.print(f"Telegram groups: {', '.join(shown['groups'])}")
    for channel, count in shown["not_configured"].items():
        console.print(
            f"[yellow]![/yellow] Channel {channel} is not configured in this deployment: "
            + ("1 person only reachable there is" if count == 1 else f"{count} people")
            + (" excluded" if count == 1 else " only reachable there are excluded")
        )
    if shown["unconfigured_groups"]:
        console.print(
            "[yellow]![/yellow] Telegram is not configured: no post in "
            + ", ".join(shown["unconfigured_groups"])
        )
    for reason, count in sorted(shown["excluded"].items()):
        console.print(f"Excluded ({reason}): {count}")
    if shown["needs_template"]:
        console.print(
            f"[yellow]![/yellow] Needs template: {shown['needs_template']} on WhatsApp outside "
            "the 24-hour window, no template for their text, no other channel"
        )
    _print_missing({"missing": shown["fallbacks"]})
    for code, text in shown["examples"].items():
        console.print(f"\n[bold]{code}[/bold]:\n{escape(text)}")


@broadcast_app.command("send")
def send(
    broadcast: int,
    at: Annotated[
        str | None, typer.Option(help="Local time 'YYYY-MM-DD HH:MM'; default: now.")
    ] = None,
    urgent: Annotated[
        bool | None, typer.Option("--urgent/--not-urgent", help="Send even in quiet hours.")
    ] = None,
    follow_up_hours: Annotated[
        int | None,
        typer.Option(help="Re-send once after N hours to those who have not read it."),
    ] = None,
    wait: Annotated[bool, typer.Option(help="Show progress until every message is out.")] = True,
    as_json: JsonOption = False,
) -> None:
    """Send now (the running 'twc run' sends; a progress bar follows it) or at a local time."""
    with _service() as service:
        answer = service.send(broadcast, at, urgent, follow_up_hours)
        if as_json:
            _print_json(answer)
        elif not answer["scheduled"]:
            console.print(f"Broadcast {broadcast}: {answer['enqueued']} messages queued.")
        else:
            moved = " (moved out of the quiet hours)" if answer["moved_out_of_quiet_hours"] else ""
            console.print(f"Broadcast {broadcast} scheduled for {answer['send_at']}{moved}.")
        if wait and not as_json and service.progress(broadcast)["enqueued"]:
            _follow(service, broadcast)


def _follow(service: BroadcastService, broadcast: int) -> None:
    """A progress bar of sent / failed / remaining until nothing is left (Ctrl-C leaves it
    running: the server keeps sending)."""
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TextColumn(
            "sent {task.fields[sent]} · failed {task.fields[failed]} · left {task.fields[left]}"
        ),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console) as bar:
        state = service.progress(broadcast)
        task = bar.add_task(
            f"Broadcast {broadcast}", total=int(state["total"]), sent=0, failed=0, left=0
        )
        while True:
            state = service.progress(broadcast)
            bar.update(
                task,
                total=int(state["total"]),
                completed=int(state["total"]) - int(state["remaining"]),
                sent=state["sent"],
                failed=state["failed"],
                left=state["remaining"],
            )
            if int(state["remaining"]) <= int(state["waiting"]) or state["status"] == "cancelled":
                break
            time.sleep(POLL_SECONDS)  # a terminal following the server's work, not a test
    if state["waiting"]:
        console.print(
            f"{state['waiting']} messages wait for later (the quiet hours, or a retry); "
            "the server sends them."
        )
    console.print(f"Done: twc broadcast status {broadcast}")


@broadcast_app.command("cancel")
def cancel(broadcast: int) -> None:
    """Cancel it: nothing not yet sent will be sent."""
    with _service() as service:
        done = service.cancel(broadcast)
    console.print(f"Broadcast {broadcast} cancelled; {done['withdrawn']} messages withdrawn.")


@broadcast_app.command("follow-up")
def follow_up(broadcast: int) -> None:
    """Re-send now, once, to those not known to have read it (by her other channel)."""
    with _service() as service:
        count = service.follow_up(broadcast, force=True)
    console.print(f"Broadcast {broadcast}: follow-up queued for {count} people.")


@broadcast_app.command("status")
def status(
    broadcast: int,
    people: Annotated[
        bool,
        typer.Option("--people", help="One line per person (ids, no names): who was reached."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Counts by status per language and channel, failure reasons, exclusions, history."""
    with _service() as service:
        report = service.status(broadcast)
        lines = service.people(broadcast) if people else []
    if people:
        if as_json:
            _print_json(lines)
            return
        table = Table(title=f"Broadcast {broadcast}: who was reached")
        for column in ("person", "language", "text", "channel", "outcome", "reason"):
            table.add_column(column)
        for line in lines:
            outcome = line["outcome"] + (" (follow-up)" if line["followup"] else "")
            table.add_row(
                str(line["person"]),
                line["language"] or "",
                line["text"] or "",
                line["channel"] or "",
                outcome,
                escape(line["reason"]),
            )
        console.print(table)
        return
    if as_json:
        _print_json(report)
        return
    print_status(report)


def print_status(report: dict[str, Any]) -> None:
    """The status report as tables (also used by tests to show it)."""
    title = f"Broadcast {report['id']}: {escape(report['title'])} — {report['status']}"
    table = Table(title=title)
    table.add_column("language")
    table.add_column("channel")
    # Columns that are all zero are left out, so the table fits a terminal.
    shown = [b for b in BUCKETS if b in ("queued", "sent") or report["totals"][b]]
    for name in shown:
        table.add_column(name.replace("_", " "), justify="right")
    for row in report["by_language_channel"]:
        table.add_row(row["language"], row["channel"], *(str(row[b]) for b in shown))
    table.add_row("all", "", *(f"[bold]{report['totals'][b]}[/bold]" for b in shown))
    console.print(table)
    for reason, count in sorted(report["failures"].items()):
        console.print(f"failed / held: {escape(reason)}: {count}")
    for row in report["excluded_by_language"]:
        console.print(
            f"excluded ({row['reason']}): {row['people']} "
            + escape(f"[{row['language']}, {row['channel']}]")
        )
    follow = report["followup"]
    if follow["after_hours"] or follow["sent_to"]:
        console.print(f"follow-up after {follow['after_hours']} h: {follow['sent_to']} people")
    for entry in report["history"]:
        console.print(f"{entry['at']} {entry['action']} by {escape(entry['by'])}")


@broadcast_app.command("list")
def list_command(
    organisation: Annotated[str | None, typer.Option(help="Organisation slug.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Every broadcast, newest first."""
    with _service() as service:
        rows = service.list_broadcasts(organisation)
    if as_json:
        _print_json(rows)
        return
    table = Table(title="Broadcasts")
    for column in ("id", "title", "status", "languages", "send_at", "created_by"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row["id"]),
            escape(row["title"]),
            row["status"],
            ", ".join(row["languages"]),
            row["send_at"] or "",
            escape(row["created_by"]),
        )
    console.print(table)
