"""``twc keys``: which keys the database uses, and ``twc keys rotate``."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table
from sqlalchemy import Connection, Engine

from bot.cli_support import console, errors, settings_or_exit
from bot.crypto.keyring import Keyring
from bot.crypto.rotation import (
    BATCH,
    ColumnReport,
    encrypted_columns,
    rotate_column,
    to_rotate,
    unreadable_or_stale,
)
from bot.settings import Settings

keys_app = typer.Typer(help="Encryption keys: status and rotation.", no_args_is_help=True)


def _open() -> tuple[Engine, Keyring]:
    from bot.db.connect import make_engine
    from bot.db.migrate import upgrade
    from bot.db.types import configure_cipher

    settings = settings_or_exit()
    upgrade(settings.database_url)
    configure_cipher(settings.secret_key, settings.previous_secrets)
    return make_engine(settings.database_url), Keyring(
        settings.secret_key, settings.previous_secrets
    )


def refuse_unready_keys(db: Engine, settings: Settings) -> None:
    """Exit (code 2) if the database holds values under a key this process does not have,
    or not yet rotated: started anyway, names would be unreadable and no returning woman
    would be recognised."""
    keyring = Keyring(settings.secret_key, settings.previous_secrets)
    with db.connect() as conn:
        problems = unreadable_or_stale(conn, keyring)
    if problems:
        errors.print("[red]Refusing to start: the keys do not match the database.[/red]")
        for problem in problems:
            errors.print(f"- {problem.explain()}")
        raise typer.Exit(2)


@keys_app.command("status")
def status() -> None:
    """Show the current key id and any column still holding values under another key."""
    engine, keyring = _open()
    with engine.connect() as conn:
        problems = unreadable_or_stale(conn, keyring)
    engine.dispose()
    console.print(f"Current key id: [bold]{keyring.current.kid}[/bold]")
    for problem in problems:
        console.print(f"- {problem.explain()}")
    if not problems:
        console.print("Every encrypted value is under the current key.")


@keys_app.command("rotate")
def rotate(
    batch: Annotated[int, typer.Option(min=1, help="Rows per transaction.")] = BATCH,
) -> None:
    """Re-encrypt every value and recompute every lookup key under TWC_SECRET_KEY.

    Put the new secret in TWC_SECRET_KEY and the old one(s) in TWC_PREVIOUS_SECRET_KEYS.
    Safe to interrupt: run it again and it finishes (each value's key id says whether it is
    done).  Stop the bot while it runs: a woman whose row is not done yet is not recognised.
    """
    engine, keyring = _open()

    def begin() -> AbstractContextManager[Connection]:
        return engine.begin()

    columns = encrypted_columns()
    with engine.connect() as conn:
        totals = {col: to_rotate(conn, keyring, col) for col in columns}
    reports: list[ColumnReport] = []
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
    ) as progress:
        for col in columns:
            task = progress.add_task(f"{col.table}.{col.name}", total=totals[col] or 1)

            def advance(done: int, task: TaskID = task) -> None:
                progress.advance(task, done)

            reports.append(rotate_column(begin, keyring, col, advance, batch))
            progress.update(task, completed=totals[col] or 1)
    engine.dispose()
    summary = Table(title=f"Rotated to key id {keyring.current.kid}")
    summary.add_column("column")
    summary.add_column("rewritten", justify="right")
    summary.add_column("unreadable", justify="right")
    for report in reports:
        if report.rewritten or report.unreadable:
            summary.add_row(
                f"{report.column.table}.{report.column.name}",
                str(report.rewritten),
                str(len(report.unreadable)),
            )
    console.print(summary)
    unreadable = sum(len(r.unreadable) for r in reports)
    if unreadable:
        errors.print(
            f"[red]{unreadable} values are under a key that is not configured[/red]: add "
            "the secret they were written with to TWC_PREVIOUS_SECRET_KEYS and run again."
        )
        raise typer.Exit(1)
    console.print(
        f"Done: {sum(r.rewritten for r in reports)} values rewritten; every value is under "
        f"key id {keyring.current.kid}. The previous secrets can now be removed."
    )


__all__ = ["keys_app"]
