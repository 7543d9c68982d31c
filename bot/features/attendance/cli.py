"""``twc attendance``: the same services as the pages, for scripts and administrators.

* ``twc attendance show SESSION`` — the three lists and the marks;
* ``twc attendance mark SESSION PERSON… [--absent]`` — after the start, audited as
  ``cli:<login name>``;
* ``twc attendance barriers [--organisation SLUG] [--course CODE] [--from D] [--to D]``;
* ``twc demo attendance`` — demo participants with answers and marks (not part of ``twc demo
  load`` / ``twc run --demo``, whose people other tests count).

Whoever runs ``twc`` on the server runs the whole deployment: the session commands see every
organisation; the report is per organisation (the deployment's default unless named).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy import select

from bot.cli_support import (
    cli_actor,
    command_group,
    console,
    errors,
    open_runtime,
    settings_or_exit,
)
from bot.db.tables import courses, organisations
from bot.features.attendance.service import (
    REASONS,
    AttendanceService,
    MarkingError,
    NotFoundError,
    Period,
)

app = typer.Typer(help="Attendance: who comes, marking, the barrier report.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@dataclass(frozen=True, slots=True)
class Operator:
    """The person at the server's command line: every organisation (or the one named)."""

    organisation_ids: frozenset[int]
    actor: str


def _operator(conn: Any, slug: str | None = None) -> Operator:
    query = select(organisations.c.id)
    if slug is not None:
        query = query.where(organisations.c.slug == slug)
    ids = frozenset(int(i) for i in conn.execute(query).scalars())
    if not ids:
        errors.print(f"[red]✗[/red] No organisation {escape(slug or '')}.")
        raise typer.Exit(1)
    return Operator(ids, cli_actor())


def _fail(message: str) -> typer.Exit:
    errors.print(f"[red]✗[/red] {escape(message)}")
    return typer.Exit(1)


@app.command("show")
def show(session_id: int, as_json: JsonOption = False) -> None:
    """The people of a session: who comes, who cannot and why, who has not answered."""
    with open_runtime() as runtime:
        with runtime.db.connect() as conn:
            operator = _operator(conn)
        try:
            view = AttendanceService(runtime.db, runtime.clock).session(operator, session_id)
        except NotFoundError as error:
            raise _fail(f"No session {session_id}.") from error
    rows: list[dict[str, Any]] = [
        {
            "person": p.id,
            "name": p.name,
            "answer": p.intention or "",
            "reason": (p.reason or "skip") if p.intention == "not_coming" else "",
            "help": list(p.attend_help),
            "present": p.present,
        }
        for p in view.everyone
    ]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"Session {session_id} ({view.session.status})")
    for column in ("person", "name", "answer", "reason", "help", "present"):
        table.add_column(column)
    for row in rows:
        present = {True: "yes", False: "no", None: ""}[row["present"]]
        cells = [str(row["person"]), row["name"], row["answer"], row["reason"]]
        table.add_row(*(escape(c) for c in [*cells, ", ".join(row["help"]), present]))
    console.print(table)


@app.command("mark")
def mark(
    session_id: int,
    people: Annotated[list[int], typer.Argument(help="Person ids (twc attendance show).")],
    absent: Annotated[bool, typer.Option("--absent", help="Mark as not there.")] = False,
) -> None:
    """Mark people as there (or --absent) at a session that has started."""
    with open_runtime() as runtime:
        with runtime.db.connect() as conn:
            operator = _operator(conn)
        service = AttendanceService(runtime.db, runtime.clock)
        for person_id in people:
            try:
                service.mark(operator, session_id, person_id, not absent)
            except NotFoundError as error:
                raise _fail(f"No session {session_id} with person {person_id}.") from error
            except MarkingError as error:
                raise _fail(
                    "The session has not started yet."
                    if error.code == "not_started"
                    else "The session is cancelled."
                ) from error
    console.print(f"[green]✓[/green] {len(people)} marked {'absent' if absent else 'present'}.")


@app.command("barriers")
def barriers(
    organisation: Annotated[str | None, typer.Option(help="Organisation slug.")] = None,
    course: Annotated[str | None, typer.Option(help="Course code (default: all).")] = None,
    start: Annotated[str | None, typer.Option("--from", help="YYYY-MM-DD")] = None,
    end: Annotated[str | None, typer.Option("--to", help="YYYY-MM-DD")] = None,
    as_json: JsonOption = False,
) -> None:
    """The barrier report of one organisation (the last three months unless told)."""
    slug = organisation or settings_or_exit().default_organisation
    with open_runtime() as runtime:
        service = AttendanceService(runtime.db, runtime.clock)
        with runtime.db.connect() as conn:
            operator = _operator(conn, slug)
            course_id = None
            if course is not None:
                course_id = conn.execute(
                    select(courses.c.id).where(
                        courses.c.code == course,
                        courses.c.organisation_id.in_(operator.organisation_ids),
                    )
                ).scalar()
                if course_id is None:
                    raise _fail(f"No course {course} in {slug}.")
        default = service.default_period(operator)
        try:
            period = Period(
                date.fromisoformat(start) if start else default.start,
                date.fromisoformat(end) if end else default.end,
            )
        except ValueError as error:
            raise _fail("Dates are YYYY-MM-DD.") from error
        report = service.barriers(operator, period, course_id)
    absences = {
        reason: {
            "said": report.said[reason],
            "marked_absent": report.marked[reason],
            "total": report.absences[reason],
        }
        for reason in REASONS
    }
    document: dict[str, Any] = {
        "organisation": slug,
        "course": course,
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "sessions_held": report.sessions_held,
        "absences": absences,
        "enrolled": report.enrolled,
        "asked_help": report.asked_help,
        "sessions_with_childcare": [c.session_id for c in report.childcare_sessions],
        "present": report.present,
        "expected": report.expected,
    }
    if as_json:
        print(json.dumps(document, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"Absences {period.start} – {period.end}")
    for column in ("reason", "said", "marked absent", "total"):
        table.add_column(column)
    for reason, counts in absences.items():
        table.add_row(reason, *(str(v) for v in counts.values()))
    console.print(table)
    console.print(
        f"Sessions held: {report.sessions_held}; enrolled: {report.enrolled}; asked for "
        f"childcare: {report.asked_help['childcare']}, transport: "
        f"{report.asked_help['transport']}; present {report.present} of {report.expected}."
    )


def demo_attendance() -> None:
    """Add participants with answers and marks to the demo course (after ``twc demo load``;
    idempotent), so the attendance page, the barrier report and the dashboard's "Tomorrow:
    help needed" show something in ``twc run --demo``."""
    from bot.demo import load_attendance_demo, load_demo

    settings = settings_or_exit()
    if settings.environment == "production":
        errors.print(
            "[red]Refused:[/red] demo data is never loaded when TWC_ENVIRONMENT=production.",
            soft_wrap=True,
        )
        raise typer.Exit(2)
    with open_runtime() as runtime:
        load_demo(runtime.db, settings.secret_key, runtime.clock())
        load_attendance_demo(runtime.db, settings.secret_key, runtime.clock())
    console.print("Attendance demo ready: participants, answers and marks in the demo course.")


def register(root: typer.Typer) -> None:
    """Add ``twc attendance`` and ``twc demo attendance``."""
    root.add_typer(app, name="attendance")
    command_group(root, "demo", "Demo data.").command("attendance")(demo_attendance)


__all__ = ["register"]
