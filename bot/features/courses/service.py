"""Coordinator actions on courses: create, plan sessions, move, cancel, enrol; and the lists.

Times come in and go out as the organisation's local wall-clock time (``2026-12-01 09:00``)
and are stored as aware UTC.  Every change a coordinator makes is written to the append-only
``audit_log`` in the same transaction as the change itself, and so are the reminder rows and
the "moved"/"cancelled" messages to everyone enrolled (outbox rows): all or nothing.

The service's clock decides what is past: a session that would start in the past is refused,
and so are moving one into the past and cancelling, moving or changing one that is over (a
"cancelled" notice for last month's session would only confuse her).  :meth:`preview` shows
who a change would tell before it is made.  The command line and the staff pages
(``/staff/courses``) both call this service.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update

from bot.consent.checks import current
from bot.csvsafe import SafeWriter
from bot.db.tables import (
    attendance,
    courses,
    enrolments,
    identities,
    nudges,
    organisations,
    people,
    sessions,
)
from bot.features.courses.reminders import (
    DEFAULT_RULES,
    RuleError,
    check_rule,
    reachable_participants,
    schedule_session,
    schedule_sessions,
    withdraw_session,
)
from bot.features.courses.texts import (
    SESSION_CANCELLED,
    SESSION_MOVED,
    SESSION_PLACE_CHANGED,
    practical_facts,
)
from bot.localtime import LocalTimeError, parse_local, show_local
from bot.nudges.daily_cap import apply_daily_cap, org_times
from bot.nudges.quiet_hours import outside_quiet_hours
from bot.outbox.rows import BULK_PRIORITY, OutboxRow, enqueue
from bot.private_files import open_private
from bot.staff.audit import record
from conversations.consent import MESSAGES
from conversations.events import Reply
from conversations.i18n import Catalogs, format_clock, format_day
from conversations.languages import Language
from conversations.texts import Text

#: The longest a course code made from a title may be (``courses.code``).
CODE_LENGTH = 60


class CourseError(LocalTimeError):
    """A coordinator's request that cannot be done; the message says why.

    ``reason`` names the refusal for the staff pages, which say it in the staff member's
    language (``past``, ``over``, ``cancelled``, ``end_before_start``, ``no_place``,
    ``title_required``, ``no_reason``, ``not_found``, ``rule``, ``code_taken``, …); the
    message is the command line's."""

    def __init__(self, message: str, reason: str = "other") -> None:
        super().__init__(message)
        self.reason = reason


#: Why an enrolled person is not told of a change (see :meth:`CourseService.preview`).
NOT_ACTIVE = "opted_out"
NOT_SIGNED_UP = "not_signed_up"
NO_MESSAGES = "no_messages"
NO_CHANNEL = "no_channel"


@dataclass
class Preview:
    """Who a move, cancellation or change of place will tell, and what, before it is done.

    ``told``: one dict per person (``person``, ``name``, ``language``, ``channel``);
    ``groups``: ``(language code, channel) → names``, in order; ``messages``: the exact text
    in each of those languages; ``not_told``: ``person``, ``name``, ``why``; ``send_at``:
    when the messages go (later than ``now`` in the quiet hours)."""

    action: str
    session: dict[str, Any]
    now: datetime
    send_at: datetime
    told: list[dict[str, Any]] = field(default_factory=list)
    not_told: list[dict[str, Any]] = field(default_factory=list)
    messages: dict[str, str] = field(default_factory=dict)

    @property
    def groups(self) -> list[tuple[str, str, list[str]]]:
        """``(language, channel, names)`` for each language and channel, in order."""
        found: dict[tuple[str, str], list[str]] = {}
        for person in self.told:
            found.setdefault((person["language"], person["channel"]), []).append(person["name"])
        return [(lang, channel, names) for (lang, channel), names in sorted(found.items())]

    @property
    def delayed(self) -> bool:
        """The messages wait for the end of the quiet hours."""
        return self.send_at > self.now


@dataclass
class CourseService:
    """Coordinator actions; each method is one transaction."""

    db: Engine
    catalogs: Catalogs
    clock: Callable[[], datetime]
    actor: str = "cli"

    # ---- courses ----------------------------------------------------------------------------

    def create_course(
        self,
        organisation: str,
        code: str,
        titles: dict[str, str],
        description: dict[str, str] | None = None,
        reminders: list[str] | None = None,
    ) -> dict[str, Any]:
        """Create a course; ``titles`` maps language codes to titles (the organisation's default
        language required).  ``code`` may be empty: then one is made from the title."""
        titles = _clean(titles)
        description = _clean(description or {})
        rules = self._rules(reminders)
        now = self.clock()
        with self.db.begin() as conn:
            org_id = self._organisation_id(conn, organisation)
            self._check_titles(conn, org_id, titles, description)
            code = code.strip() or self._free_code(conn, titles)
            if conn.execute(select(courses.c.id).where(courses.c.code == code)).first():
                raise CourseError(f"a course with code {code!r} exists already", "code_taken")
            course_id = conn.execute(
                insert(courses)
                .values(
                    organisation_id=org_id,
                    code=code,
                    title=titles,
                    description=description,
                    reminders=rules,
                    created_at=now,
                )
                .returning(courses.c.id)
            ).scalar_one()
            self._audit(conn, "course.create", {"course": course_id, "code": code}, org_id)
        return {"id": course_id, "code": code, "title": titles, "reminders": rules}

    def edit_course(
        self,
        course: str | int,
        titles: dict[str, str],
        description: dict[str, str] | None = None,
        reminders: list[str] | None = None,
    ) -> dict[str, Any]:
        """Change a course's titles, descriptions and reminder rules.

        New rules re-plan the reminders of its coming sessions at once: those not sent yet are
        withdrawn and planned anew (a reminder already sent stays sent)."""
        titles = _clean(titles)
        description = _clean(description or {})
        rules = self._rules(reminders)
        now = self.clock()
        with self.db.begin() as conn:
            row = self._course(conn, course)
            self._check_titles(conn, row["organisation_id"], titles, description)
            conn.execute(
                update(courses)
                .where(courses.c.id == row["id"])
                .values(title=titles, description=description, reminders=rules)
            )
            replanned = 0
            if list(row["reminders"] or DEFAULT_RULES) != rules:
                org = org_times(conn, row["organisation_id"])
                coming = list(
                    conn.execute(
                        select(sessions.c.id).where(
                            sessions.c.course_id == row["id"],
                            sessions.c.status != "cancelled",
                            sessions.c.starts_at > now,
                        )
                    ).scalars()
                )
                affected: set[int] = set()
                for session_id in coming:
                    affected.update(withdraw_session(conn, session_id, now))
                    replanned += schedule_session(conn, session_id, now)
                for person_id in affected:
                    apply_daily_cap(conn, person_id, org, now)
            self._audit(
                conn,
                "course.edit",
                {
                    "course": row["id"],
                    "code": row["code"],
                    "reminders": {"from": list(row["reminders"] or []), "to": rules},
                },
                row["organisation_id"],
            )
        return {**self.course(row["id"]), "reminders_planned": replanned}

    def course(self, course: str | int) -> dict[str, Any]:
        """One course as staff see it: titles, descriptions, rules, organisation."""
        with self.db.connect() as conn:
            row = self._course(conn, course)
            enrolled = conn.execute(
                select(func.count())
                .select_from(enrolments)
                .where(enrolments.c.course_id == row["id"])
            ).scalar_one()
            default_language = conn.execute(
                select(organisations.c.default_language).where(
                    organisations.c.id == row["organisation_id"]
                )
            ).scalar_one()
        return {
            "id": row["id"],
            "code": row["code"],
            "organisation_id": row["organisation_id"],
            "title": dict(row["title"] or {}),
            "description": dict(row["description"] or {}),
            "reminders": list(row["reminders"] or DEFAULT_RULES),
            "enrolled": int(enrolled),
            "default_language": default_language,
        }

    def courses_of(self, organisation_ids: Collection[int]) -> list[dict[str, Any]]:
        """The courses of these organisations with their next session and enrolled count."""
        now = self.clock()
        with self.db.connect() as conn:
            found = conn.execute(
                select(courses, organisations.c.timezone, organisations.c.default_language)
                .join(organisations, organisations.c.id == courses.c.organisation_id)
                .where(courses.c.organisation_id.in_(list(organisation_ids)))
                .order_by(courses.c.id)
            ).mappings()
            result = []
            for row in list(found):
                next_start = conn.execute(
                    select(func.min(sessions.c.starts_at)).where(
                        sessions.c.course_id == row["id"],
                        sessions.c.status != "cancelled",
                        sessions.c.starts_at > now,
                    )
                ).scalar()
                enrolled = conn.execute(
                    select(func.count())
                    .select_from(enrolments)
                    .where(enrolments.c.course_id == row["id"])
                ).scalar_one()
                result.append(
                    {
                        "id": row["id"],
                        "code": row["code"],
                        "organisation_id": row["organisation_id"],
                        "title": dict(row["title"] or {}),
                        "default_language": row["default_language"],
                        "timezone": row["timezone"],
                        "next_start": next_start,
                        "enrolled": int(enrolled),
                    }
                )
        return result

    def list_courses(self, organisation: str | None = None) -> list[dict[str, Any]]:
        """Every course (of one organisation) with its number of sessions and people."""
        with self.db.connect() as conn:
            query = select(courses, organisations.c.slug).join(
                organisations, organisations.c.id == courses.c.organisation_id
            )
            if organisation:
                query = query.where(organisations.c.slug == organisation)
            result = []
            for row in conn.execute(query.order_by(courses.c.id)).mappings():
                count_sessions = len(
                    conn.execute(
                        select(sessions.c.id).where(sessions.c.course_id == row["id"])
                    ).all()
                )
                count_people = len(
                    conn.execute(
                        select(enrolments.c.id).where(enrolments.c.course_id == row["id"])
                    ).all()
                )
                result.append(
                    {
                        "id": row["id"],
                        "code": row["code"],
                        "organisation": row["slug"],
                        "title": row["title"],
                        "reminders": row["reminders"],
                        "sessions": count_sessions,
                        "enrolled": count_people,
                    }
                )
        return result

    # ---- sessions ---------------------------------------------------------------------------

    def add_session(
        self,
        course_code: str | int,
        start: str,
        end: str,
        place: str,
        address: str = "",
        directions: str = "",
        childcare: bool = False,
        transit_line: str = "",
        transit_stop: str = "",
    ) -> dict[str, Any]:
        """Plan a session (local times) and schedule its reminders for everyone enrolled.

        A session that would start in the past (by the service's clock) is refused: nobody
        can come to it, and its reminders would be "missed" at once."""
        now = self.clock()
        with self.db.begin() as conn:
            course = self._course(conn, course_code)
            tz = org_times(conn, course["organisation_id"]).timezone
            starts_at, ends_at = parse_local(start, tz), parse_local(end, tz)
            if starts_at <= now:
                raise CourseError(
                    f"{start} is in the past ({tz}): a session must start later", "past"
                )
            if ends_at <= starts_at:
                raise CourseError("the session must end after it starts", "end_before_start")
            if not place.strip():
                raise CourseError("the session needs a place (or an online link)", "no_place")
            session_id = conn.execute(
                insert(sessions)
                .values(
                    course_id=course["id"],
                    starts_at=starts_at,
                    ends_at=ends_at,
                    place=place.strip(),
                    address=address.strip(),
                    directions=directions.strip(),
                    childcare=childcare,
                    transit_line=transit_line.strip(),
                    transit_stop=transit_stop.strip(),
                    status="planned",
                )
                .returning(sessions.c.id)
            ).scalar_one()
            scheduled = schedule_session(conn, session_id, now)
            self._audit(
                conn,
                "session.add",
                {"session": session_id, "course": course["code"], "starts_at": str(starts_at)},
                course["organisation_id"],
            )
        return {**self.session(session_id), "reminders_scheduled": scheduled}

    def session(self, session_id: int) -> dict[str, Any]:
        """One session as shown to coordinators (local times)."""
        with self.db.connect() as conn:
            return self._session_view(conn, self._session_row(conn, session_id))

    def list_sessions(self, course_code: str | int) -> list[dict[str, Any]]:
        """The sessions of a course, in order."""
        with self.db.connect() as conn:
            course = self._course(conn, course_code)
            rows = conn.execute(
                select(sessions, courses.c.organisation_id, courses.c.code)
                .join(courses, courses.c.id == sessions.c.course_id)
                .where(sessions.c.course_id == course["id"])
                .order_by(sessions.c.starts_at)
            ).mappings()
            return [self._session_view(conn, row) for row in rows]

    def move_session(self, session_id: int, start: str, end: str | None = None) -> dict[str, Any]:
        """Move a session; tell everyone enrolled at once; schedule its reminders anew.

        A session that is over cannot be moved, nor can one be moved into the past."""
        now = self.clock()
        with self.db.begin() as conn:
            row = self._session_row(conn, session_id)
            org = org_times(conn, row["organisation_id"])
            starts_at, ends_at = self._check_move(row, start, end, org.timezone, now)
            conn.execute(
                update(sessions)
                .where(sessions.c.id == session_id)
                .values(starts_at=starts_at, ends_at=ends_at)
            )
            affected = set(withdraw_session(conn, session_id, now))
            told = self._tell_everyone(
                conn,
                row,
                SESSION_MOVED,
                f"session-moved:{session_id}:{now.strftime('%Y%m%dT%H%M%S.%f')}",
                starts_at,
                old_start=row["starts_at"],
            )
            schedule_session(conn, session_id, now)
            for person_id in affected:
                apply_daily_cap(conn, person_id, org, now)
            self._audit(
                conn,
                "session.move",
                {"session": session_id, "from": str(row["starts_at"]), "to": str(starts_at)},
                row["organisation_id"],
            )
        return {**self.session(session_id), "told": told}

    def cancel_session(self, session_id: int, reason: str) -> dict[str, Any]:
        """Cancel a session; tell everyone enrolled at once; withdraw its reminders.

        A session that is over is refused: "cancelled" for last month's session would only
        confuse her."""
        now = self.clock()
        if not reason.strip():
            raise CourseError("say why the session is cancelled (--reason)", "no_reason")
        with self.db.begin() as conn:
            row = self._session_row(conn, session_id)
            self._check_open(row, now)
            org = org_times(conn, row["organisation_id"])
            conn.execute(
                update(sessions).where(sessions.c.id == session_id).values(status="cancelled")
            )
            affected = withdraw_session(conn, session_id, now)
            told = self._tell_everyone(
                conn, row, SESSION_CANCELLED, f"session-cancelled:{session_id}", row["starts_at"]
            )
            for person_id in affected:
                apply_daily_cap(conn, person_id, org, now)
            self._audit(
                conn,
                "session.cancel",
                {"session": session_id, "reason": reason},
                row["organisation_id"],
            )
        return {**self.session(session_id), "told": told}

    def update_session(
        self,
        session_id: int,
        *,
        place: str | None = None,
        address: str | None = None,
        directions: str | None = None,
        childcare: bool | None = None,
        transit_line: str | None = None,
        transit_stop: str | None = None,
    ) -> dict[str, Any]:
        """Change a coming session's details (``None``: unchanged).

        When the place or the address changes, everyone enrolled is told at once (like a
        move); the reminders still to come read the new details when they are sent."""
        now = self.clock()
        with self.db.begin() as conn:
            row = self._session_row(conn, session_id)
            self._check_open(row, now)
            changes = self._details(
                row, place, address, directions, childcare, transit_line, transit_stop
            )
            told = 0
            if changes:
                conn.execute(update(sessions).where(sessions.c.id == session_id).values(changes))
                if "place" in changes or "address" in changes:
                    told = self._tell_everyone(
                        conn,
                        {**row, **changes},
                        SESSION_PLACE_CHANGED,
                        f"session-place:{session_id}:{now.strftime('%Y%m%dT%H%M%S.%f')}",
                        row["starts_at"],
                    )
                self._audit(
                    conn,
                    "session.edit",
                    {"session": session_id, "changed": sorted(changes), "told": told},
                    row["organisation_id"],
                )
        return {**self.session(session_id), "told": told, "changed": sorted(changes)}

    def preview(
        self,
        session_id: int,
        action: str,
        *,
        start: str | None = None,
        end: str | None = None,
        place: str | None = None,
        address: str | None = None,
        directions: str | None = None,
        childcare: bool | None = None,
        transit_line: str | None = None,
        transit_stop: str | None = None,
    ) -> Preview:
        """Who ``action`` (``move``, ``cancel`` or ``change``) would tell, in which language
        and on which channel, the exact messages, and who would not be told and why.

        Nothing is stored; the same checks as the action itself run first, so a refusal
        ("over", "in the past") comes before the preview."""
        now = self.clock()
        with self.db.connect() as conn:
            row = self._session_row(conn, session_id)
            org = org_times(conn, row["organisation_id"])
            view = self._session_view(conn, row)
            old_start: datetime | None = None
            starts_at = row["starts_at"]
            text: Text | None
            if action == "move":
                starts_at, _ends_at = self._check_move(row, start or "", end, org.timezone, now)
                old_start = row["starts_at"]
                text = SESSION_MOVED
            elif action == "cancel":
                self._check_open(row, now)
                text = SESSION_CANCELLED
            elif action == "change":
                self._check_open(row, now)
                changes = self._details(
                    row, place, address, directions, childcare, transit_line, transit_stop
                )
                row = {**row, **changes}
                text = (
                    SESSION_PLACE_CHANGED if "place" in changes or "address" in changes else None
                )
            else:
                raise ValueError(action)
            send_at = outside_quiet_hours(now, org.timezone, org.quiet_start, org.quiet_end)
            result = Preview(action, view, now, send_at)
            if text is None:  # nothing she needs to know: nobody is told
                return result
            reachable = set(reachable_participants(conn, row["course_id"]))
            channels = self._channels(conn, list(reachable))
            default_language = self._default_language(conn, row["organisation_id"])
            for person in conn.execute(
                select(
                    people.c.id,
                    people.c.display_name,
                    people.c.language,
                    people.c.status,
                    people.c.consent_given_at,
                    current(MESSAGES, people.c.id).label("agrees"),
                )
                .join(enrolments, enrolments.c.person_id == people.c.id)
                .where(enrolments.c.course_id == row["course_id"])
                .order_by(people.c.id)
            ):
                name = person.display_name or f"#{person.id}"
                if person.id in reachable:
                    language = self._language(person.language, default_language)
                    result.told.append(
                        {
                            "person": person.id,
                            "name": name,
                            "language": language.code,
                            "channel": channels[person.id][1],
                        }
                    )
                    if language.code not in result.messages:
                        result.messages[language.code] = self._notice_text(
                            conn, row, text, language, org.timezone, starts_at, old_start
                        )
                    continue
                if person.status != "active":
                    why = NOT_ACTIVE
                elif person.consent_given_at is None:
                    why = NOT_SIGNED_UP
                elif not person.agrees:
                    why = NO_MESSAGES
                else:
                    why = NO_CHANNEL
                result.not_told.append({"person": person.id, "name": name, "why": why})
        # Names are stored encrypted: sorted here, as staff read them.
        result.told.sort(key=lambda p: (p["name"].casefold(), p["person"]))
        result.not_told.sort(key=lambda p: (p["name"].casefold(), p["person"]))
        return result

    # ---- people -----------------------------------------------------------------------------

    def enrol(self, course_code: str | int, person_ids: Iterable[int]) -> dict[str, list[int]]:
        """Enrol people by id and schedule the reminders of the course's coming sessions."""
        now = self.clock()
        wanted = list(dict.fromkeys(person_ids))
        with self.db.begin() as conn:
            course = self._course(conn, course_code)
            known = set(
                conn.execute(
                    select(people.c.id).where(
                        people.c.id.in_(wanted),
                        people.c.organisation_id == course["organisation_id"],
                    )
                ).scalars()
            )
            already = set(
                conn.execute(
                    select(enrolments.c.person_id).where(
                        enrolments.c.course_id == course["id"],
                        enrolments.c.person_id.in_(wanted),
                    )
                ).scalars()
            )
            new = [p for p in wanted if p in known and p not in already]
            if new:
                conn.execute(
                    insert(enrolments),
                    [{"course_id": course["id"], "person_id": p, "created_at": now} for p in new],
                )
                coming = conn.execute(
                    select(sessions.c.id).where(
                        sessions.c.course_id == course["id"],
                        sessions.c.status != "cancelled",
                        sessions.c.starts_at > now,
                    )
                ).scalars()
                schedule_sessions(conn, list(coming), now, new)
                self._audit(
                    conn,
                    "course.enrol",
                    {"course": course["code"], "people": new},
                    course["organisation_id"],
                )
        return {
            "enrolled": new,
            "already": [p for p in wanted if p in already],
            "unknown": [p for p in wanted if p not in known],
        }

    # ---- attendance -------------------------------------------------------------------------

    def attendance(self, session_id: int) -> list[dict[str, Any]]:
        """Everyone enrolled in the session's course and what she said (if anything)."""
        with self.db.connect() as conn:
            row = self._session_row(conn, session_id)
            return self._attendance_rows(conn, row)

    def export_attendance(self, course_code: str, path: Path) -> int:
        """Write one CSV line per session and enrolled person; return the number of lines.

        The file is its owner's alone, and no cell can run as a spreadsheet formula (names,
        places and reasons come from outside)."""
        sessions_list = self.list_sessions(course_code)
        count = 0
        with open_private(path, newline="") as handle:
            writer = SafeWriter(handle)
            writer.writerow(
                [
                    "session",
                    "start",
                    "place",
                    "status",
                    "person",
                    "name",
                    "intention",
                    "reason",
                    "answered",
                ]
            )
            with self.db.connect() as conn:
                for view in sessions_list:
                    row = self._session_row(conn, view["id"])
                    for line in self._attendance_rows(conn, row):
                        writer.writerow(
                            [
                                view["id"],
                                view["start"],
                                view["place"],
                                view["status"],
                                line["person"],
                                line["name"],
                                line["intention"],
                                line["reason"],
                                line["answered"],
                            ]
                        )
                        count += 1
        return count

    # ---- nudges -----------------------------------------------------------------------------

    def pending_nudges(self, person_id: int | None = None) -> list[dict[str, Any]]:
        """Nudges not yet fired (pending or held back by the daily cap), local due times."""
        with self.db.connect() as conn:
            query = (
                select(
                    nudges.c.id,
                    nudges.c.person_id,
                    nudges.c.kind,
                    nudges.c.due_at,
                    nudges.c.status,
                    nudges.c.payload,
                    organisations.c.timezone,
                )
                .join(people, people.c.id == nudges.c.person_id)
                .join(organisations, organisations.c.id == people.c.organisation_id)
                .where(nudges.c.status.in_(("pending", "capped")))
                .order_by(nudges.c.due_at, nudges.c.id)
            )
            if person_id is not None:
                query = query.where(nudges.c.person_id == person_id)
            return [
                {
                    "id": r.id,
                    "person": r.person_id,
                    "kind": r.kind,
                    "due": show_local(r.due_at, r.timezone),
                    "timezone": r.timezone,
                    "status": r.status,
                    "session": r.payload.get("session"),
                    "rule": r.payload.get("rule"),
                }
                for r in conn.execute(query)
            ]

    # ---- helpers ----------------------------------------------------------------------------

    def _audit(
        self, conn: Connection, action: str, details: dict[str, Any], organisation_id: int
    ) -> None:
        record(conn, self.clock(), self.actor, action, details, organisation_id=organisation_id)

    def _organisation_id(self, conn: Connection, slug: str) -> int:
        found = conn.execute(
            select(organisations.c.id).where(organisations.c.slug == slug)
        ).scalar()
        if found is None:
            raise CourseError(f"no organisation {slug!r}", "not_found")
        return int(found)

    def _default_language(self, conn: Connection, organisation_id: int) -> str:
        return str(
            conn.execute(
                select(organisations.c.default_language).where(
                    organisations.c.id == organisation_id
                )
            ).scalar_one()
        )

    def _course(self, conn: Connection, code: str | int) -> Any:
        column = courses.c.id if isinstance(code, int) else courses.c.code
        row = conn.execute(select(courses).where(column == code)).mappings().first()
        if row is None:
            raise CourseError(f"no course {code!r} (see 'twc courses list')", "not_found")
        return row

    def _rules(self, reminders: list[str] | None) -> list[str]:
        try:
            rules = [check_rule(r.strip()) for r in reminders or []]
        except RuleError as error:
            raise CourseError(str(error), "rule") from error
        return list(dict.fromkeys(rules)) if reminders else list(DEFAULT_RULES)

    def _check_titles(
        self,
        conn: Connection,
        organisation_id: int,
        titles: dict[str, str],
        description: dict[str, str],
    ) -> None:
        """The organisation's default language is required; every code must be known."""
        default = self._default_language(conn, organisation_id)
        if not titles.get(default):
            raise CourseError(
                f"give at least the title in {default}, the organisation's default language: "
                f"--title {default}=…",
                "title_required",
            )
        unknown = [
            lang for lang in {*titles, *description} if self.catalogs.languages.get(lang) is None
        ]
        if unknown:
            raise CourseError(f"unknown language code(s): {', '.join(sorted(unknown))}")

    def _free_code(self, conn: Connection, titles: dict[str, str]) -> str:
        """A code made from the first title ("Deutsch A2 in Hoya" → ``deutsch-a2-in-hoya``),
        numbered when it is taken: coordinators in the browser never see codes."""
        title = next(iter(titles.values()), "")
        plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
        base = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[: CODE_LENGTH - 4] or "kurs"
        taken = set(
            conn.execute(select(courses.c.code).where(courses.c.code.like(f"{base}%"))).scalars()
        )
        code, number = base, 1
        while code in taken:
            number += 1
            code = f"{base}-{number}"
        return code

    def _session_row(self, conn: Connection, session_id: int) -> Any:
        row = (
            conn.execute(
                select(sessions, courses.c.organisation_id, courses.c.code, courses.c.title)
                .join(courses, courses.c.id == sessions.c.course_id)
                .where(sessions.c.id == session_id)
            )
            .mappings()
            .first()
        )
        if row is None:
            raise CourseError(f"no session {session_id}", "not_found")
        return dict(row)

    def _check_open(self, row: Any, now: datetime) -> None:
        """A session that is cancelled or over cannot be changed any more."""
        if row["status"] == "cancelled":
            raise CourseError(f"session {row['id']} is cancelled already", "cancelled")
        if row["ends_at"] <= now:
            raise CourseError(f"session {row['id']} is over", "over")

    def _check_move(
        self, row: Any, start: str, end: str | None, timezone: str, now: datetime
    ) -> tuple[datetime, datetime]:
        """The new start and end of a move, or the refusal."""
        self._check_open(row, now)
        starts_at = parse_local(start, timezone)
        ends_at = (
            parse_local(end, timezone) if end else starts_at + (row["ends_at"] - row["starts_at"])
        )
        if starts_at <= now:
            raise CourseError(
                f"{start} is in the past ({timezone}): move the session to a later time", "past"
            )
        if ends_at <= starts_at:
            raise CourseError("the session must end after it starts", "end_before_start")
        return starts_at, ends_at

    def _details(
        self,
        row: Any,
        place: str | None,
        address: str | None,
        directions: str | None,
        childcare: bool | None,
        transit_line: str | None,
        transit_stop: str | None,
    ) -> dict[str, Any]:
        """The session details that change (checked)."""
        wanted: dict[str, Any] = {
            "place": place,
            "address": address,
            "directions": directions,
            "transit_line": transit_line,
            "transit_stop": transit_stop,
        }
        changes: dict[str, Any] = {
            key: value.strip()
            for key, value in wanted.items()
            if value is not None and value.strip() != (row[key] or "")
        }
        if "place" in changes and not changes["place"]:
            raise CourseError("the session needs a place (or an online link)", "no_place")
        if childcare is not None and childcare != bool(row["childcare"]):
            changes["childcare"] = childcare
        return changes

    def _session_view(self, conn: Connection, row: Any) -> dict[str, Any]:
        tz = org_times(conn, row["organisation_id"]).timezone
        return {
            "id": row["id"],
            "course": row["code"],
            "course_id": row["course_id"],
            "organisation_id": row["organisation_id"],
            "start": show_local(row["starts_at"], tz),
            "end": show_local(row["ends_at"], tz),
            "starts_at": row["starts_at"],
            "ends_at": row["ends_at"],
            "timezone": tz,
            "place": row["place"],
            "address": row["address"],
            "directions": row["directions"],
            "childcare": row["childcare"],
            "transit_line": row["transit_line"] or "",
            "transit_stop": row["transit_stop"] or "",
            "status": row["status"],
        }

    def _language(self, code: str | None, default_language: str) -> Language:
        table = self.catalogs.languages
        language = table.get(code) or table.get(default_language) or table.get(table.master)
        assert language is not None
        return language

    def _channels(self, conn: Connection, person_ids: list[int]) -> dict[int, tuple[int, str]]:
        """Each person's identity a notice goes to: the one she wrote from last."""
        channels: dict[int, tuple[int, str]] = {}
        for identity in conn.execute(
            select(identities.c.id, identities.c.person_id, identities.c.channel)
            .where(identities.c.person_id.in_(person_ids), identities.c.status == "ok")
            .order_by(identities.c.last_inbound_at.desc().nulls_last(), identities.c.id)
        ):
            channels.setdefault(identity.person_id, (identity.id, identity.channel))
        return channels

    def _notice_text(
        self,
        conn: Connection,
        session: Any,
        text: Text,
        language: Language,
        timezone: str,
        starts_at: datetime,
        old_start: datetime | None = None,
    ) -> str:
        """A move, cancellation or change of place, as she reads it in ``language``."""
        title = session["title"] or {}
        values = {
            "course": title.get(language.code)
            or title.get(self._default_language(conn, session["organisation_id"]))
            or next(iter(title.values()), "")
            or session["code"],
            "day": format_day(starts_at, language, timezone),
            "time": format_clock(starts_at, language, timezone),
            "place": ", ".join(p for p in (session["place"], session["address"]) if p),
            "facts": practical_facts(
                self.catalogs,
                language,
                childcare=bool(session["childcare"]),
                line=session["transit_line"],
                stop=session["transit_stop"],
                directions=session["directions"],
            ),
        }
        if old_start is not None:
            values["old_day"] = format_day(old_start, language, timezone)
            values["old_time"] = format_clock(old_start, language, timezone)
        return self.catalogs.render(language, text, **values)

    def _attendance_rows(self, conn: Connection, session: Any) -> list[dict[str, Any]]:
        tz = org_times(conn, session["organisation_id"]).timezone
        rows = conn.execute(
            select(
                people.c.id,
                people.c.display_name,
                people.c.language,
                attendance.c.intention,
                attendance.c.reason,
                attendance.c.answered_at,
            )
            .join(enrolments, enrolments.c.person_id == people.c.id)
            .outerjoin(
                attendance,
                (attendance.c.person_id == people.c.id)
                & (attendance.c.session_id == session["id"]),
            )
            .where(enrolments.c.course_id == session["course_id"])
            .order_by(people.c.id)
        )
        return [
            {
                "person": r.id,
                "name": r.display_name or "",
                "language": r.language,
                "intention": r.intention or "no_answer",
                "reason": r.reason or "",
                "answered": show_local(r.answered_at, tz) if r.answered_at else "",
            }
            for r in rows
        ]

    def _tell_everyone(
        self,
        conn: Connection,
        session: Any,
        text: Text,
        key: str,
        starts_at: datetime,
        old_start: datetime | None = None,
    ) -> int:
        """An outbox message to every reachable participant, each in her language."""
        now = self.clock()
        org = org_times(conn, session["organisation_id"])
        default_language = self._default_language(conn, session["organisation_id"])
        targets = reachable_participants(conn, session["course_id"])
        if not targets:
            return 0
        # Not at night: a message written after the quiet hours began waits for the morning.
        send_at = outside_quiet_hours(now, org.timezone, org.quiet_start, org.quiet_end)
        languages: dict[int, str | None] = dict(
            conn.execute(select(people.c.id, people.c.language).where(people.c.id.in_(targets)))
            .tuples()
            .all()
        )
        channels = self._channels(conn, targets)
        texts: dict[str, str] = {}
        rows = []
        for person_id in targets:
            language = self._language(languages.get(person_id), default_language)
            if language.code not in texts:
                texts[language.code] = self._notice_text(
                    conn, session, text, language, org.timezone, starts_at, old_start
                )
            reply = Reply(texts[language.code], (), language.code, language.rtl)
            identity_id, channel = channels[person_id]
            rows.append(
                OutboxRow(
                    idempotency_key=f"{key}:{person_id}",
                    channel=channel,
                    payload=reply.to_payload(),
                    next_attempt_at=send_at,
                    created_at=now,
                    kind="course",
                    priority=BULK_PRIORITY,
                    person_id=person_id,
                    identity_id=identity_id,
                )
            )
        enqueue(conn, rows)
        return len(rows)


def _clean(texts: dict[str, str]) -> dict[str, str]:
    """Language → text without blank entries (an empty field on the form is "no text")."""
    return {lang.strip(): text.strip() for lang, text in texts.items() if text and text.strip()}
