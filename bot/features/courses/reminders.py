"""Session reminders as nudge rows: when they are due, who gets them, what they say.

A course has reminder rules (``Course.reminders``): ``"1d@17:00"`` is the day before the session
at 17:00 local time, ``"2h"`` two hours before it starts (``"90m"`` works too).  For each
enrolled participant who signed up and has not opted out, every rule becomes one ``nudges`` row
of kind ``reminder`` (sent only if she agrees to messages when it fires) with the idempotency key
``reminder:<session>:<person>:<rule>:<session start, UTC>`` — scheduling twice changes nothing,
and a moved session gets new keys.  Due times are moved out of the organisation's quiet hours,
then every person's days are capped (:func:`~bot.nudges.daily_cap.apply_daily_cap`).

When a reminder is due, :func:`reminder_event` builds the engine's ``TriggerIn`` into
``course.reminder`` with the date, time, place and the practical facts (childcare, bus line,
stop, directions: :func:`~bot.features.courses.texts.practical_facts`) already formatted by
Babel in her language and the organisation's time zone.  A reminder whose session has already
begun is recorded as ``missed``, never sent late.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Connection, and_, delete, or_, select
from sqlalchemy.exc import NoResultFound

from bot.consent.checks import current
from bot.db.bulk import SqlTimes, encode_json
from bot.db.tables import courses, enrolments, identities, nudges, organisations, people, sessions
from bot.features.courses.texts import catalogs_for, practical_facts
from bot.nudges.daily_cap import OrgTimes, apply_daily_caps, org_times
from bot.nudges.quiet_hours import at_local, local_day, outside_quiet_hours, parse_clock
from conversations.consent import MESSAGES
from conversations.events import Event, TriggerIn
from conversations.i18n import Catalogs, format_clock, format_day
from conversations.languages import LanguageTable

KIND = "reminder"
DEFAULT_RULES = ("1d@17:00", "2h")
#: Where a reminder lands in the flows.
TARGET = "course.reminder"

_DAYS_AT = re.compile(r"^(\d+)d@(\d{1,2}:\d{2})$")
_BEFORE = re.compile(r"^(\d+)([hm])$")


class RuleError(ValueError):
    """A reminder rule that is not ``<n>d@HH:MM``, ``<n>h`` or ``<n>m``."""


def check_rule(rule: str) -> str:
    """Return ``rule`` if it is well-formed, else raise :class:`RuleError`."""
    match = _DAYS_AT.match(rule)
    if match:
        try:
            parse_clock(match.group(2))
        except ValueError as error:
            raise RuleError(f"bad time in reminder rule {rule!r}") from error
        return rule
    if _BEFORE.match(rule):
        return rule
    raise RuleError(f"reminder rule {rule!r}: use e.g. '1d@17:00' or '2h' or '30m'")


def rule_moment(rule: str, starts_at: datetime, timezone: str) -> datetime:
    """When ``rule`` wants the reminder for a session starting at ``starts_at`` (aware UTC).

    ``<n>d@HH:MM`` is a local wall-clock time ``n`` calendar days before the session's local
    day; ``<n>h``/``<n>m`` is real elapsed time before the start.
    """
    match = _DAYS_AT.match(rule)
    if match:
        day = local_day(starts_at, timezone) - timedelta(days=int(match.group(1)))
        return at_local(day, parse_clock(match.group(2)), timezone)
    match = _BEFORE.match(rule)
    if not match:
        raise RuleError(rule)
    amount = int(match.group(1))
    return starts_at - (
        timedelta(hours=amount) if match.group(2) == "h" else timedelta(minutes=amount)
    )


def due_time(rule: str, starts_at: datetime, org: OrgTimes, now: datetime) -> datetime | None:
    """The reminder's due time after quiet hours, or ``None`` if it is no longer useful."""
    wanted = rule_moment(rule, starts_at, org.timezone)
    due = outside_quiet_hours(wanted, org.timezone, org.quiet_start, org.quiet_end, starts_at)
    if due >= starts_at:
        return None
    if due < now:
        # Too late for the planned moment: send now if that is allowed and still useful.
        due = outside_quiet_hours(now, org.timezone, org.quiet_start, org.quiet_end, starts_at)
        if due < now or due >= starts_at:
            return None
    return due


#: Two reminders of one session that quiet hours pushed closer than this: only the later goes.
MIN_REMINDER_GAP = timedelta(hours=3)


def planned_reminders(
    rules: Iterable[str], starts_at: datetime, org: OrgTimes, now: datetime
) -> list[tuple[str, datetime]]:
    """Each rule's due time, after quiet hours, with reminders that would come close together
    merged into the later one.

    Quiet hours can push two rules together: for a session at 07:30, "2 hours before" is at
    night, and the morning is too late, so it moves to the evening before — 19:30, two and a
    half hours after "the day before at 17:00".  She gets one reminder that evening, not two.
    """
    dues = sorted(
        (due, rule, due != rule_moment(rule, starts_at, org.timezone))
        for rule in rules
        if (due := due_time(rule, starts_at, org, now))
    )
    kept: list[tuple[datetime, str, bool]] = []
    for due, rule, moved in dues:
        # Only a pair that quiet hours pushed together merges: two rules a coordinator set
        # close together on purpose ("2h" and "1h") both stay.
        if kept and due - kept[-1][0] < MIN_REMINDER_GAP and (moved or kept[-1][2]):
            kept[-1] = (due, rule, True)
        else:
            kept.append((due, rule, moved))
    return [(rule, due) for due, rule, _moved in kept]


def reminder_key(session_id: int, person_id: int, rule: str, starts_at: datetime) -> str:
    """The idempotency key of one reminder."""
    stamp = starts_at.astimezone(UTC).strftime("%Y%m%dT%H%MZ")
    return f"reminder:{session_id}:{person_id}:{rule}:{stamp}"


def reachable_participants(
    conn: Connection,
    course_id: int,
    person_ids: Iterable[int] | None = None,
    *,
    agreeing_now: bool = True,
) -> list[int]:
    """Enrolled people who signed up, have not opted out and have a working channel, and
    (``agreeing_now``) agree to messages now: "the session moved / was cancelled" goes to
    them alone.  Reminders are planned without that last test (``agreeing_now=False``) and
    checked when they fire, so a "yes" to messages given later lets them reach her."""
    query = (
        select(people.c.id)
        .join(enrolments, enrolments.c.person_id == people.c.id)
        .where(
            enrolments.c.course_id == course_id,
            people.c.status == "active",
            people.c.consent_given_at.is_not(None),
            select(identities.c.id)
            .where(identities.c.person_id == people.c.id, identities.c.status == "ok")
            .exists(),
        )
        .order_by(people.c.id)
    )
    if agreeing_now:
        query = query.where(current(MESSAGES, people.c.id))
    if person_ids is not None:
        query = query.where(people.c.id.in_(list(person_ids)))
    return list(conn.execute(query).scalars())


def schedule_session(
    conn: Connection, session_id: int, now: datetime, person_ids: Iterable[int] | None = None
) -> int:
    """Create the reminder rows of one session (for everyone, or for ``person_ids``).

    Idempotent: existing keys are left alone.  Returns how many rows were created.
    """
    return schedule_sessions(conn, [session_id], now, person_ids)


def schedule_sessions(
    conn: Connection,
    session_ids: Iterable[int],
    now: datetime,
    person_ids: Iterable[int] | None = None,
) -> int:
    """Create the reminder rows of several sessions (for everyone, or for ``person_ids``),
    then cap each person's days once.

    The same rows as :func:`schedule_session` for one session after the other: the daily
    cap reads all of a person's rows each time and decides from them alone (a ``capped``
    reminder is weighed again), so capping once after all sessions ends where capping after
    each one ends.  Enrolling a thousand women in a course with six coming sessions is then a
    few statements, not six thousand caps of one person's days.  Idempotent: existing keys
    are left alone.  Returns how many rows were created.
    """
    wanted = sorted(set(session_ids))
    if not wanted:
        return 0
    rows = conn.execute(
        select(
            sessions.c.id,
            sessions.c.course_id,
            sessions.c.starts_at,
            sessions.c.status,
            courses.c.organisation_id,
            courses.c.reminders,
        )
        .join(courses, courses.c.id == sessions.c.course_id)
        .where(sessions.c.id.in_(wanted))
        .order_by(sessions.c.id)
    ).all()
    if len(rows) != len(wanted):
        raise NoResultFound(f"no session {sorted(set(wanted) - {row.id for row in rows})[0]}")
    coming = [row for row in rows if row.status != "cancelled" and row.starts_at > now]
    if not coming:
        return 0
    chosen = None if person_ids is None else list(person_ids)
    times: dict[int, OrgTimes] = {}
    targets: dict[int, list[int]] = {}
    for row in coming:
        if row.organisation_id not in times:
            times[row.organisation_id] = org_times(conn, row.organisation_id)
        if row.course_id not in targets:
            targets[row.course_id] = reachable_participants(
                conn, row.course_id, chosen, agreeing_now=False
            )
    existing = set(
        conn.execute(
            select(nudges.c.idempotency_key).where(
                or_(*(nudges.c.idempotency_key.like(f"reminder:{row.id}:%") for row in coming))
            )
        ).scalars()
    )
    new_rows: list[dict[str, Any]] = []
    capped: dict[int, OrgTimes] = {}
    for row in coming:
        org = times[row.organisation_id]
        rules = list(row.reminders or DEFAULT_RULES)
        planned = planned_reminders(rules, row.starts_at, org, now)
        starts_at = row.starts_at.astimezone(UTC).isoformat()
        for person_id in targets[row.course_id]:
            for rule, due in planned:
                key = reminder_key(row.id, person_id, rule, row.starts_at)
                if key in existing:
                    continue
                new_rows.append(
                    {
                        "person_id": person_id,
                        "kind": KIND,
                        "due_at": due,
                        "payload": {"session": row.id, "rule": rule, "starts_at": starts_at},
                        "idempotency_key": key,
                        "status": "pending",
                        "created_at": now,
                    }
                )
                capped[person_id] = org
    _insert_reminders(conn, new_rows)
    apply_daily_caps(conn, capped, now)
    return len(new_rows)


def _insert_reminders(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert new reminder rows with one driver ``executemany``: for thousands of rows
    SQLAlchemy's preparing of each parameter set costs more than the database's work (as for
    the turns' hot statements, :mod:`bot.db.bulk`); read back through the models unchanged."""
    if not rows:
        return
    sqlite = conn.dialect.name == "sqlite"
    time = SqlTimes(conn.dialect.name).convert
    statement = (
        "INSERT INTO nudges (person_id, kind, due_at, payload, idempotency_key, status, "
        "created_at) VALUES (?, ?, ?, {json}, ?, ?, ?)"
    ).replace("{json}", "?" if sqlite else "?::json")
    if not sqlite:
        statement = statement.replace("?", "%s")
    conn.exec_driver_sql(
        statement,
        [
            (
                r["person_id"],
                r["kind"],
                time(r["due_at"]),
                encode_json(r["payload"]),
                r["idempotency_key"],
                r["status"],
                time(r["created_at"]),
            )
            for r in rows
        ],
    )


def withdraw_session(conn: Connection, session_id: int, now: datetime) -> list[int]:
    """Delete the session's reminders that have not fired; return whose they were."""
    condition = and_(
        nudges.c.idempotency_key.like(f"reminder:{session_id}:%"),
        nudges.c.status.in_(("pending", "capped")),
    )
    affected = sorted(set(conn.execute(select(nudges.c.person_id).where(condition)).scalars()))
    conn.execute(delete(nudges).where(condition))
    return affected


# ---- firing ---------------------------------------------------------------------------------

MISSED = "missed"
SKIPPED = "skipped"


def reminder_event(
    conn: Connection,
    person_id: int,
    payload: dict[str, Any],
    languages: LanguageTable,
    now: datetime,
    calendar_link: Callable[[int, str], str] | None = None,
) -> Event | str:
    """The ``TriggerIn`` for a due reminder, or a status (``missed``/``skipped``) instead.

    ``calendar_link(session id, language code)`` gives the "add to calendar" link.
    """
    return reminder_events(conn, [(person_id, payload)], languages, now, calendar_link)[0]


def reminder_events(
    conn: Connection,
    due: list[tuple[int, dict[str, Any]]],
    languages: LanguageTable,
    now: datetime,
    calendar_link: Callable[[int, str], str] | None = None,
    known_people: Mapping[int, Any] | None = None,
    catalogs: Catalogs | None = None,
) -> list[Event | str]:
    """:func:`reminder_event` for many ``(person id, payload)`` at once: two queries in all,
    and each session's texts formatted once per language.

    ``known_people`` maps person ids to rows with ``id``, ``language``, ``status`` and
    ``consented``, when the caller has read them already (the sweep's claim does): then
    they are not read again.  ``catalogs`` translate the practical facts lines (read once
    per language table when not given).
    """
    texts = catalogs if catalogs is not None else catalogs_for(languages)
    session_ids = sorted({int(payload["session"]) for _, payload in due})
    person_ids = sorted({person for person, _ in due})
    found_sessions = {
        row.id: _Session._make(row)  # a named tuple: SQLAlchemy rows answer attributes slowly
        for row in conn.execute(
            select(
                sessions.c.id,
                sessions.c.starts_at,
                sessions.c.place,
                sessions.c.address,
                sessions.c.directions,
                sessions.c.status,
                courses.c.title,
                organisations.c.timezone,
                organisations.c.default_language,
                sessions.c.childcare,
                sessions.c.transit_line,
                sessions.c.transit_stop,
            )
            .join(courses, courses.c.id == sessions.c.course_id)
            .join(organisations, organisations.c.id == courses.c.organisation_id)
            .where(sessions.c.id.in_(session_ids))
        )
    }
    found_people = known_people
    if found_people is None:
        found_people = _people_facts(conn, person_ids)
    values_cache: dict[tuple[int, str], dict[str, Any]] = {}
    events: list[Event | str] = []
    for person_id, payload in due:
        row = found_sessions.get(int(payload["session"]))
        person = found_people.get(person_id)
        if row is None or person is None or row.status == "cancelled":
            events.append(SKIPPED)
            continue
        if person.status != "active" or not person.consented:
            events.append(SKIPPED)  # she opted out (or withdrew consent) since it was scheduled
            continue
        if row.starts_at <= now:
            events.append(MISSED)
            continue
        language = (
            languages.get(person.language)
            or languages.get(row.default_language)
            or languages.get(languages.master)
        )
        assert language is not None
        cache_key = (row.id, language.code)
        values = values_cache.get(cache_key)
        if values is None:
            values = values_cache[cache_key] = _reminder_values(
                row, language, calendar_link, texts
            )
        # One values dict per session and language, shared by its events (never changed):
        # the batch firing recognises them as the same message by it.
        events.append(TriggerIn(TARGET, values))
    return events


class _Session(NamedTuple):
    id: int
    starts_at: datetime
    place: str
    address: str | None
    directions: str | None
    status: str
    title: dict[str, str] | None
    timezone: str
    default_language: str
    childcare: bool
    transit_line: str | None
    transit_stop: str | None


def _people_facts(conn: Connection, person_ids: list[int]) -> dict[int, Any]:
    """What deciding about a reminder needs to know of each person."""
    return {
        row.id: row
        for row in conn.execute(
            select(
                people.c.id,
                people.c.language,
                people.c.status,
                # A flag, not the moment: converting 100 000 timestamps costs a second.
                # Signed up and agreeing to messages now (as the sweep's claim reads it).
                (people.c.consent_given_at.is_not(None) & current(MESSAGES, people.c.id)).label(
                    "consented"
                ),
            ).where(people.c.id.in_(person_ids))
        )
    }


def _reminder_values(
    row: Any,
    language: Any,
    calendar_link: Callable[[int, str], str] | None,
    catalogs: Catalogs,
) -> dict[str, Any]:
    title = row.title or {}
    course = title.get(language.code) or title.get(language.catalog) or title.get("de") or ""
    if not course and title:
        course = next(iter(title.values()))
    place = ", ".join(p for p in (row.place, row.address) if p)
    return {
        "session": row.id,
        "course": course,
        "day": format_day(row.starts_at, language, row.timezone),
        "time": format_clock(row.starts_at, language, row.timezone),
        "place": place,
        "directions": row.directions or "—",
        # Childcare, bus line, stop, directions: only the lines that apply, in her language.
        "facts": practical_facts(
            catalogs,
            language,
            childcare=bool(row.childcare),
            line=row.transit_line,
            stop=row.transit_stop,
            directions=row.directions,
        ),
        "calendar": calendar_link(row.id, language.code) if calendar_link else "—",
    }
