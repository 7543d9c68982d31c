"""What every ``twc`` command shares: settings with a clean error, the consoles, who acts, and
a runtime to work with.

Feature folders add their commands through the registry; they use these helpers instead of
importing :mod:`bot.cli` or :mod:`bot.runtime` (which read the registry: a cycle).  The command
line itself (:mod:`bot.cli`, the composition root) tells this module how to open a runtime.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from bot.settings import Settings, load_settings

if TYPE_CHECKING:
    from bot.runtime import Runtime

RuntimeOpener = Callable[[], AbstractContextManager["Runtime"]]
"""Migrates the database and builds a runtime for one command; closes it afterwards."""

_opener: RuntimeOpener | None = None

console = Console()
errors = Console(stderr=True)


def settings_or_exit() -> Settings:
    """The settings, or a one-line configuration error and exit code 2."""
    try:
        return load_settings()
    except ValueError as error:
        errors.print(f"[red]Configuration error:[/red] {error}")
        raise typer.Exit(2) from error


def cli_actor() -> str:
    """Who is acting, for the audit log: ``cli:<user name>``."""
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli"


def command_group(app: typer.Typer, name: str, help: str) -> typer.Typer:
    """The ``twc <name>`` group, created by the first feature that asks for it.

    Several features add commands to one group (``twc people import``, ``twc people
    delete``, …) without importing each other: each asks for the group by name.
    """
    for info in app.registered_groups:
        if info.name == name and info.typer_instance is not None:
            return info.typer_instance
    group = typer.Typer(help=help, no_args_is_help=True)
    app.add_typer(group, name=name)
    return group


def use_runtime_opener(opener: RuntimeOpener) -> None:
    """Set by :mod:`bot.cli` once: how a command opens a runtime."""
    global _opener
    _opener = opener


@contextmanager
def open_runtime() -> Iterator[Runtime]:
    """A migrated database and a built runtime for one command, closed afterwards."""
    if _opener is None:
        raise RuntimeError("bot.cli has not set the runtime opener (run commands through twc)")
    with _opener() as runtime:
        yield runtime


__all__ = [
    "RuntimeOpener",
    "cli_actor",
    "command_group",
    "console",
    "errors",
    "open_runtime",
    "settings_or_exit",
    "use_runtime_opener",
]
