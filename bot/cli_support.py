"""What every ``twc`` command shares: settings with a clean error, the consoles, who acts.

Feature folders add their commands through the registry; they use these helpers instead of
importing :mod:`bot.cli` (which imports the registry: a cycle).
"""

from __future__ import annotations

import getpass

import typer
from rich.console import Console

from bot.settings import Settings, load_settings

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


__all__ = ["cli_actor", "console", "errors", "settings_or_exit"]
