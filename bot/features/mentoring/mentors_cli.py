"""``twc mentors``: the matching service at the command line, for scripts and administrators.

* ``twc mentors list`` — mentors with languages, topics, places and pause;
* ``twc mentors waiting`` — waiting requests, longest first, with the best suggestions;
* ``twc mentors suggest REQUEST`` — every mentor who could be asked, ranked, with reasons;
* ``twc mentors propose REQUEST MENTOR`` — propose (the mentor is asked first), audited as
  ``cli:<login name>``;
* ``twc mentors matches [--status …]`` — proposals in flight, running and ended matches;
* ``twc mentors take-back MATCH`` / ``twc mentors end MATCH``;
* ``twc mentors settings [--auto/--no-auto] [--threshold 0.7]`` — automatic proposals;
* ``twc mentors add --name … --phone … --languages de,ar --topics work,paperwork
  --paper-consent`` — a mentor who signed the paper form (WhatsApp);
* ``twc mentors invite`` — a mentor invite code (and its Telegram link).

Whoever runs ``twc`` on the server runs the deployment: lists cover every organisation unless
``--organisation`` names one; settings are per organisation (the default one unless named).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy import Connection, select

from bot.cli_support import cli_actor, console, errors, open_runtime, settings_or_exit
from bot.db.tables import organisations
from bot.features.mentoring import states
from bot.features.mentoring.matching import (
    MatchingError,
    MatchingService,
    MatchRow,
    NotFoundError,
    SuggestionRow,
)
from bot.features.mentoring.roster import (
    REQUIRED_PURPOSES,
    NewMentor,
    RosterError,
    add_mentor,
    create_mentor_invite,
)
from bot.features.mentoring.topics import AVAILABILITY, TOPICS

app = typer.Typer(
    help="Mentoring: mentors, waiting requests, suggestions, proposals, matches.",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
OrgOption = Annotated[str | None, typer.Option("--organisation", help="Organisation slug.")]
MATCH_STATES = {
    "in-flight": states.IN_FLIGHT,
    "active": (states.ACTIVE,),
    "ended": (states.ENDED, states.DECLINED, states.LAPSED, states.TAKEN_BACK),
}


@dataclass(frozen=True, slots=True)
class Operator:
    """The person at the server's command line: every organisation (or the one named)."""

    organisation_ids: frozenset[int]
    actor: str


def _operator(conn: Connection, slug: str | None = None) -> Operator:
    query = select(organisations.c.id)
    if slug is not None:
        query = query.where(organisations.c.slug == slug)
    ids = frozenset(int(i) for i in conn.execute(query).scalars())
    if not ids:
        raise _fail(f"No organisation {slug or ''}.")
    return Operator(ids, cli_actor())


def _fail(message: str) -> typer.Exit:
    errors.print(f"[red]✗[/red] {escape(message)}")
    return typer.Exit(1)


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


def _print(rows: list[dict[str, Any]], title: str, as_json: bool) -> None:
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    table = Table(title=title)
    for column in rows[0] if rows else ("—",):
        table.add_column(column)
    for row in rows:
        table.add_row(
            *(escape(", ".join(v) if isinstance(v, list) else str(v)) for v in row.values())
        )
    console.print(table)


def _suggestion(s: SuggestionRow) -> dict[str, Any]:
    return {
        "mentor": s.mentor.person_id,
        "name": s.mentor.name,
        "town": s.mentor.town or "",
        "score": f"{s.score:.2f}",
        "reasons": list(s.reasons),
    }


@app.command("list")
def list_mentors(organisation: OrgOption = None, as_json: JsonOption = False) -> None:
    """The mentors: languages, topics, places taken of her capacity, pause."""
    with open_runtime() as runtime:
        with runtime.db.connect() as conn:
            operator = _operator(conn, organisation)
        mentors = MatchingService(runtime.db, runtime.clock).mentors(operator)
    rows = [
        {
            "id": m.person_id,
            "name": m.name,
            "town": m.town or "",
            "languages": list(m.languages),
            "topics": list(m.topics),
            "places": f"{m.mentees}/{m.capacity}",
            "status": m.status,
            "paused_until": _when(m.paused_until),
        }
        for m in mentors
    ]
    _print(rows, "Mentors", as_json)


@app.command("waiting")
def waiting(organisation: OrgOption = None, as_json: JsonOption = False) -> None:
    """Waiting requests, longest waiting first, each with its best suggestions."""
    with open_runtime() as runtime:
        with runtime.db.connect() as conn:
            operator = _operator(conn, organisation)
        found = MatchingService(runtime.db, runtime.clock).waiting(operator)
    rows = [
        {
            "request": r.request_id,
            "name": r.name,
            "town": r.town or "",
            "language": r.language or "",
            "topics": list(r.topics),
            "days": r.waiting_days,
            "suggestions": [
                f"{s.mentor.person_id} {s.mentor.name} ({s.score:.2f})" for s in r.suggestions
            ],
        }
        for r in found
    ]
    _print(rows, "Waiting for a mentor", as_json)


@app.command("suggest")
def suggest(request_id: int, as_json: JsonOption = False) -> None:
    """Every mentor who could be asked for this request, best first, with the reasons."""
    with open_runtime() as runtime:
        with runtime.db.connect() as conn:
            operator = _operator(conn)
        try:
            row = MatchingService(runtime.db, runtime.clock).suggestions(operator, request_id)
        except NotFoundError as error:
            raise _fail(f"No request {request_id}.") from error
        except MatchingError as error:
            raise _fail(f"Request {request_id} is not waiting for a mentor.") from error
    _print([_suggestion(s) for s in row.suggestions], f"Suggestions for {request_id}", as_json)


@app.command("propose")
def propose(request_id: int, mentor_id: int) -> None:
    """Propose a mentor for a waiting request: she is asked first."""
    with open_runtime() as runtime:
        with runtime.db.connect() as conn:
            operator = _operator(conn)
        try:
            match = MatchingService(runtime.db, runtime.clock).propose(
                operator, request_id, mentor_id
            )
        except NotFoundError as error:
            raise _fail(f"No request {request_id}.") from error
        except MatchingError as error:
            raise _fail(f"Cannot propose: {error}.") from error
    console.print(f"[green]✓[/green] Proposed (match {match}); the mentor is asked first.")


def _match(m: MatchRow) -> dict[str, Any]:
    return {
        "match": m.match_id,
        "status": m.status,
        "mentor": f"{m.mentor_id} {m.mentor_name}",
        "participant": f"{m.participant_id} {m.participant_name}",
        "proposed": _when(m.proposed_at),
        "asked": _when(m.asked_at) if m.asked_side else "",
        "reminded": _when(m.reminded_at),
        "started": _when(m.started_at),
        "last_contact": _when(m.last_contact_at),
        "quiet": "yes" if m.quiet else "",
        "ended": _when(m.ended_at),
        "outcome": m.ended_by or m.declined_by or "",
        "ratings": f"{m.mentor_rating or '-'}/{m.participant_rating or '-'}",
    }


@app.command("matches")
def matches(
    status: Annotated[
        str, typer.Option(help="in-flight, active or ended (default: all three).")
    ] = "",
    organisation: OrgOption = None,
    as_json: JsonOption = False,
) -> None:
    """Proposals in flight (who is asked, since when), running matches, ended ones."""
    if status and status not in MATCH_STATES:
        raise _fail(f"--status is one of {', '.join(MATCH_STATES)}.")
    wanted = MATCH_STATES[status] if status else tuple(s for v in MATCH_STATES.values() for s in v)
    with open_runtime() as runtime:
        with runtime.db.connect() as conn:
            operator = _operator(conn, organisation)
        found = MatchingService(runtime.db, runtime.clock).matches(operator, wanted)
    _print([_match(m) for m in found], "Introductions", as_json)


@app.command("take-back")
def take_back(match_id: int) -> None:
    """Withdraw a proposal still in flight: the request waits again."""
    _close(match_id, end=False)


@app.command("end")
def end(match_id: int) -> None:
    """End a running match as staff."""
    _close(match_id, end=True)


def _close(match_id: int, *, end: bool) -> None:
    with open_runtime() as runtime:
        with runtime.db.connect() as conn:
            operator = _operator(conn)
        service = MatchingService(runtime.db, runtime.clock)
        try:
            (service.end if end else service.take_back)(operator, match_id)
        except NotFoundError as error:
            raise _fail(f"No match {match_id}.") from error
        except MatchingError as error:
            raise _fail(f"Match {match_id} is not {'running' if end else 'in flight'}.") from error
    console.print(f"[green]✓[/green] Match {match_id} {'ended' if end else 'taken back'}.")


@app.command("settings")
def settings(
    auto: Annotated[
        bool | None, typer.Option("--auto/--no-auto", help="Propose automatically.")
    ] = None,
    threshold: Annotated[
        float | None, typer.Option(help="Lowest score proposed automatically, 0–1.")
    ] = None,
    organisation: OrgOption = None,
) -> None:
    """Show, or change, automatic proposals of one organisation."""
    slug = organisation or settings_or_exit().default_organisation
    with open_runtime() as runtime:
        with runtime.db.connect() as conn:
            operator = _operator(conn, slug)
        service = MatchingService(runtime.db, runtime.clock)
        (current,) = service.settings(operator)
        if auto is not None or threshold is not None:
            new_auto = current.auto_propose if auto is None else auto
            new_threshold = current.threshold if threshold is None else threshold
            try:
                service.save_settings(operator, current.organisation_id, new_auto, new_threshold)
            except MatchingError as error:
                raise _fail("The threshold is a number from 0 to 1.") from error
            (current,) = service.settings(operator)
    state = "on" if current.auto_propose else "off"
    console.print(
        f"{escape(current.name)}: automatic proposals {state}, threshold {current.threshold:.2f}"
    )


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


@app.command("add")
def add(
    name: Annotated[str, typer.Option(help="Her first name.")],
    phone: Annotated[str, typer.Option(help="Her WhatsApp number (national or +49…).")],
    languages: Annotated[str, typer.Option(help="Languages she speaks, e.g. de,ar.")],
    topics: Annotated[str, typer.Option(help=f"Topics: {', '.join(TOPICS)}.")],
    paper_consent: Annotated[
        bool,
        typer.Option(
            "--paper-consent", help="She signed the paper form (profile, messages, mentoring)."
        ),
    ] = False,
    language: Annotated[str, typer.Option(help="Her chat language.")] = "de",
    town: Annotated[str, typer.Option(help="Her town.")] = "",
    availability: Annotated[str, typer.Option(help=f"When: {', '.join(AVAILABILITY)}.")] = "",
    capacity: Annotated[int, typer.Option(help="Mentees at once (1-3).")] = 1,
    organisation: OrgOption = None,
) -> None:
    """Add a mentor who signed the paper form; she is on WhatsApp."""
    slug = organisation or settings_or_exit().default_organisation
    with open_runtime() as runtime, runtime.db.begin() as conn:
        operator = _operator(conn, slug)
        (org,) = operator.organisation_ids
        new = NewMentor(
            organisation_id=org,
            name=name,
            phone=phone,
            language=language,
            town=town,
            languages=_split(languages),
            topics=_split(topics),
            availability=_split(availability),
            capacity=capacity,
            purposes=REQUIRED_PURPOSES if paper_consent else (),
        )
        try:
            person = add_mentor(
                conn, new, runtime.settings.secret_key, operator.actor, runtime.clock()
            )
        except RosterError as error:
            raise _fail(ROSTER_ERRORS.get(error.code, str(error))) from error
    console.print(f"[green]✓[/green] Mentor {person} added ({escape(name)}).")


@app.command("invite")
def invite(organisation: OrgOption = None) -> None:
    """Create a mentor invite code: whoever starts the bot with it signs up as a mentor."""
    slug = organisation or settings_or_exit().default_organisation
    with open_runtime() as runtime, runtime.db.begin() as conn:
        operator = _operator(conn, slug)
        (org,) = operator.organisation_ids
        code = create_mentor_invite(conn, org, operator.actor, runtime.clock())
    console.print(
        f"Mentor invite code [bold]{escape(code)}[/bold]: https://t.me/<your_bot>?start={code}"
    )


ROSTER_ERRORS = {
    "bad_name": "--name is 1 to 40 characters.",
    "bad_language": "--language is one of the bot's language codes.",
    "bad_town": "--town is at most 80 characters.",
    "no_languages": "--languages: at least one of the bot's language codes.",
    "no_topics": f"--topics: at least one of {', '.join(TOPICS)}.",
    "bad_availability": f"--availability: {', '.join(AVAILABILITY)}.",
    "bad_capacity": "--capacity is 1, 2 or 3.",
    "consent_needed": "She must have signed the paper form: --paper-consent.",
    "bad_phone": "--phone is not a valid phone number.",
    "phone_known": "This number is known already: send her a mentor invite (twc mentors invite).",
}


def register(root: typer.Typer) -> None:
    """Add ``twc mentors``."""
    root.add_typer(app, name="mentors")


__all__ = ["app", "register"]
