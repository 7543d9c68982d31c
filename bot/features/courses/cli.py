"""``twc courses``, ``twc sessions``, ``twc enrol``, ``twc nudges``: coordinators' commands.

Times are given and shown in the organisation's local time (``"2026-12-01 09:00"``).  Every
list command takes ``--json`` for scripts.  Changes are recorded in the audit log with the
acting user as the operating system knows it (``cli:<login name>``): who is logged in, never a
name typed on the command line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from bot.cli_support import cli_actor, console, errors, open_runtime
from bot.features.courses.service import CourseService
from bot.localtime import LocalTimeError

courses_app = typer.Typer(help="Courses: create, list, export attendance.", no_args_is_help=True)
sessions_app = typer.Typer(
    help="Course sessions: add, move, cancel, list, attendance.", no_args_is_help=True
)
nudges_app = typer.Typer(help="Scheduled nudges (reminders and more).", no_args_is_help=True)


JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def register(app: typer.Typer) -> None:
    """Add the course commands to the ``twc`` application."""
    app.add_typer(courses_app, name="courses")
    app.add_typer(sessions_app, name="sessions")
    app.add_typer(nudges_app, name="nudges")
    app.command("enrol")(enrol)


@contextmanager
def _service() -> Iterator[CourseService]:
    with open_runtime() as runtime:
        try:
            yield CourseService(
                runtime.db, runtime.flow_engine.catalogs, runtime.clock, cli_actor()
            )
        except LocalTimeError as error:  # CourseError too
            errors.print(f"[red]✗[/red] {escape(str(error))}")
            raise typer.Exit(1) from error


def _default_org() -> str:
    from bot.cli_support import settings_or_exit as _settings

    return _settings().default_organisation


def _show(rows: list[dict[str, Any]], columns: list[str], as_json: bool, title: str) -> None:
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(escape(_cell(row.get(c))) for c in columns))
    console.print(table)


def _cell(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


# ---- courses ----------------------------------------------------------------------------------


@courses_app.command("create")
def courses_create(
    code: Annotated[str, typer.Argument(help="Short unique code, e.g. deutsch-a2-hoya.")],
    title: Annotated[
        list[str],
        typer.Option(
            help="LANG=TEXT, repeat per language; the organisation's default language required."
        ),
    ],
    organisation: Annotated[str | None, typer.Option(help="Organisation slug.")] = None,
    description: Annotated[
        list[str] | None, typer.Option(help="LANG=TEXT, repeat per language.")
    ] = None,
    reminder: Annotated[
        list[str] | None,
        typer.Option(help="When to remind, repeatable: '1d@17:00' (day before), '2h', '30m'."),
    ] = None,
) -> None:
    """Create a course."""
    titles, descriptions = _pairs(title), _pairs(description or [])
    with _service() as service:
        created = service.create_course(
            organisation or _default_org(), code, titles, descriptions, reminder
        )
    console.print(f"Course [bold]{escape(code)}[/bold] created (id {created['id']}).")


@courses_app.command("edit")
def courses_edit(
    code: str,
    title: Annotated[
        list[str] | None,
        typer.Option(help="LANG=TEXT, repeat per language (replaces all titles)."),
    ] = None,
    description: Annotated[
        list[str] | None, typer.Option(help="LANG=TEXT, repeat per language (replaces all).")
    ] = None,
    reminder: Annotated[
        list[str] | None,
        typer.Option(help="Replaces the rules: '1d@17:00', '2h', …; coming sessions re-planned."),
    ] = None,
) -> None:
    """Change a course's titles, descriptions or reminder rules (what is not given stays)."""
    with _service() as service:
        current = service.course(code)
        edited = service.edit_course(
            code,
            _pairs(title) if title else current["title"],
            _pairs(description) if description else current["description"],
            reminder or current["reminders"],
        )
    console.print(
        f"Course [bold]{escape(code)}[/bold] changed; "
        f"{edited['reminders_planned']} reminders planned anew."
    )


def _pairs(values: list[str]) -> dict[str, str]:
    result = {}
    for value in values:
        lang, sep, text = value.partition("=")
        if not sep or not lang.strip() or not text.strip():
            errors.print(f"[red]✗[/red] {escape(value)!r}: write LANG=TEXT, e.g. de=Deutsch A2")
            raise typer.Exit(2)
        result[lang.strip()] = text.strip()
    return result


@courses_app.command("list")
def courses_list(
    organisation: Annotated[str | None, typer.Option(help="Only this organisation.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List courses with their number of sessions and enrolled people."""
    with _service() as service:
        rows = service.list_courses(organisation)
    _show(
        rows,
        ["id", "code", "organisation", "title", "reminders", "sessions", "enrolled"],
        as_json,
        "Courses",
    )


@courses_app.command("export-attendance")
def courses_export_attendance(
    course: str,
    out: Annotated[Path, typer.Option(help="CSV file to write.")],
) -> None:
    """Write the attendance intentions of every session of COURSE to a CSV file."""
    with _service() as service:
        lines = service.export_attendance(course, out)
    console.print(f"{lines} lines written to {escape(str(out))}.")


# ---- sessions ---------------------------------------------------------------------------------

LocalTime = Annotated[str, typer.Option(help="Local time: 'YYYY-MM-DD HH:MM'.")]


@sessions_app.command("add")
def sessions_add(
    course: str,
    start: LocalTime,
    end: LocalTime,
    place: Annotated[str, typer.Option(help="Where, or an online link.")],
    address: Annotated[str, typer.Option(help="Street and town.")] = "",
    directions: Annotated[str, typer.Option(help="How to get there, in words.")] = "",
    childcare: Annotated[bool, typer.Option(help="Childcare is offered.")] = False,
    transit_line: Annotated[str, typer.Option(help="Bus or train line, e.g. 'Bus 31'.")] = "",
    transit_stop: Annotated[
        str, typer.Option(help="Where to get off, e.g. 'Hoya, Bahnhof'.")
    ] = "",
) -> None:
    """Plan a session of COURSE; reminders are scheduled for everyone enrolled.

    A start in the past is refused."""
    with _service() as service:
        added = service.add_session(
            course,
            start,
            end,
            place,
            address,
            directions,
            childcare,
            transit_line,
            transit_stop,
        )
    console.print(
        f"Session {added['id']} on {added['start']} ({added['timezone']}) added; "
        f"{added['reminders_scheduled']} reminders scheduled."
    )


@sessions_app.command("list")
def sessions_list(course: str, as_json: JsonOption = False) -> None:
    """List the sessions of COURSE (local times)."""
    with _service() as service:
        rows = service.list_sessions(course)
    _show(
        rows,
        ["id", "start", "end", "place", "transit_line", "transit_stop", "childcare", "status"],
        as_json,
        f"Sessions {course}",
    )


@sessions_app.command("move")
def sessions_move(
    session: int,
    start: LocalTime,
    end: Annotated[
        str | None, typer.Option(help="New local end time; default: same length as before.")
    ] = None,
) -> None:
    """Move SESSION; everyone enrolled is told at once and reminders are rescheduled.

    A session that is over cannot be moved, nor can one be moved into the past."""
    with _service() as service:
        moved = service.move_session(session, start, end)
    console.print(f"Session {session} moved to {moved['start']}; {moved['told']} people are told.")


@sessions_app.command("cancel")
def sessions_cancel(
    session: int,
    reason: Annotated[str, typer.Option(help="Why (for the audit log and the team).")],
) -> None:
    """Cancel SESSION; everyone enrolled is told at once and reminders are withdrawn.

    A session that is over cannot be cancelled."""
    with _service() as service:
        cancelled = service.cancel_session(session, reason)
    console.print(f"Session {session} cancelled; {cancelled['told']} people are told.")


@sessions_app.command("edit")
def sessions_edit(
    session: int,
    place: Annotated[str | None, typer.Option(help="Where, or an online link.")] = None,
    address: Annotated[str | None, typer.Option(help="Street and town.")] = None,
    directions: Annotated[str | None, typer.Option(help="How to get there, in words.")] = None,
    childcare: Annotated[
        bool | None, typer.Option("--childcare/--no-childcare", help="Childcare is offered.")
    ] = None,
    transit_line: Annotated[str | None, typer.Option(help="Bus or train line.")] = None,
    transit_stop: Annotated[str | None, typer.Option(help="Where to get off.")] = None,
) -> None:
    """Change the details of a coming SESSION; a new place or address is told to everyone."""
    with _service() as service:
        edited = service.update_session(
            session,
            place=place,
            address=address,
            directions=directions,
            childcare=childcare,
            transit_line=transit_line,
            transit_stop=transit_stop,
        )
    changed = ", ".join(edited["changed"]) or "nothing"
    console.print(f"Session {session}: {changed} changed; {edited['told']} people are told.")


@sessions_app.command("preview")
def sessions_preview(
    session: int,
    action: Annotated[str, typer.Argument(help="move, cancel or change.")],
    start: Annotated[str | None, typer.Option(help="For move: the new local start.")] = None,
    place: Annotated[str | None, typer.Option(help="For change: the new place.")] = None,
    address: Annotated[str | None, typer.Option(help="For change: the new address.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Who a move, cancellation or change of place would tell, and who not (nothing is done)."""
    if action not in ("move", "cancel", "change"):
        errors.print("[red]✗[/red] the action is move, cancel or change")
        raise typer.Exit(2)
    if action == "move" and not start:
        errors.print("[red]✗[/red] a move needs --start")
        raise typer.Exit(2)
    with _service() as service:
        found = service.preview(session, action, start=start, place=place, address=address)
    rows = [{**p, "told": "yes", "why": ""} for p in found.told] + [
        {**p, "told": "no", "language": "", "channel": ""} for p in found.not_told
    ]
    _show(
        rows,
        ["person", "name", "told", "language", "channel", "why"],
        as_json,
        f"Session {session}: {action} (messages go {found.send_at:%Y-%m-%d %H:%M} UTC)",
    )


@sessions_app.command("attendance")
def sessions_attendance(session: int, as_json: JsonOption = False) -> None:
    """Who said she comes, who cannot (and why), who has not answered."""
    with _service() as service:
        rows = service.attendance(session)
    _show(
        rows,
        ["person", "name", "language", "intention", "reason", "answered"],
        as_json,
        f"Attendance, session {session}",
    )


# ---- enrol and nudges -------------------------------------------------------------------------


def enrol(
    course: str,
    person: Annotated[list[int], typer.Argument(help="Person ids.")],
) -> None:
    """Enrol people (by id) in COURSE; their reminders are scheduled."""
    with _service() as service:
        result = service.enrol(course, person)
    console.print(
        f"Enrolled: {_cell(result['enrolled']) or '—'}; already: "
        f"{_cell(result['already']) or '—'}; unknown: {_cell(result['unknown']) or '—'}"
    )
    if result["unknown"]:
        raise typer.Exit(1)


@nudges_app.command("list")
def nudges_list(
    person: Annotated[int | None, typer.Option(help="Only this person's nudges.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Pending nudges with their local due times (``capped``: held back by the daily cap)."""
    with _service() as service:
        rows = service.pending_nudges(person)
    _show(
        rows,
        ["id", "person", "kind", "due", "timezone", "status", "session", "rule"],
        as_json,
        "Pending nudges",
    )
