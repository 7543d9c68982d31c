"""``twc jobs``: one command group the parts add their commands to (offers, import, digests)."""

from __future__ import annotations

import typer

jobs_app = typer.Typer(
    help="Job offers: enter, import, review, close; what was sent and to whom.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add ``twc jobs`` to the command line (the parts' modules add its commands)."""
    app.add_typer(jobs_app, name="jobs")


__all__ = ["jobs_app", "register"]
