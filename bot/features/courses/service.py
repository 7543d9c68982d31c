"""Coordinator actions on courses: create, plan sessions, move, cancel, enrol; and the lists.

Times come in and go out as the organisation's local wall-clock time (``2026-12-01 09:00``)
and are stored as aware UTC.  Every change a coordinator makes is written to the append-only
``audit_log`` in the same transaction as the change itself, and so are the reminder rows and
the "moved"/"cancelled" messages to everyone enrolled (outbox rows): all or nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from bot.csvsafe import SafeWriter
from bot.db.tables import (
    attendance,
    audit,
    courses,
    enrolments,
    identities,
    nudges,
    organisations,
    people,
    sessions,
)
from bot.features.courses.reminders import (
    check_rule,
    reachable_participants,
    schedule_session,
    withdraw_session,
)
from bot.features.courses.texts import SESSION_CANCELLED, SESSION_MOVED
from bot.localtime import LocalTimeError, parse_local, show_local
from bot.nudges.daily_cap import apply_daily_cap, org_times
from bot.nudges.quiet_hours import outside_quiet_hours
from bot.outbox.rows import BULK_PRIORITY, OutboxRow, enqueue
from bot.private_files import open_private
from conversations.events import Reply
from conversations.i18n import Catalogs, format_clock, format_day
from conversations.texts import Text


class CourseError(LocalTimeError):
    """A coordinator's request that cannot be done; the message says why."""


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
        """Create a course; ``titles`` maps language codes to titles (German required)."""
        if not code.strip():
            raise CourseError("the course needs a code")
        if "de" not in titles:
            raise CourseError("give at least the German title: --title de=…")
        unknown = [lang for lang in titles if self.catalogs.languages.get(lang) is None]
        if unknown:
            raise CourseError(f"unknown language code(s): {', '.join(unknown)}")
        rules = [check_rule(r) for r in reminders] if reminders else ["1d@17:00", "2h"]
        now = self.clock()
        with self.db.begin() as conn:
            org_id = self._organisation_id(conn, organisation)
            if conn.execute(select(courses.c.id).where(courses.c.code == code)).first():
                raise CourseError(f"a course with code {code!r} exists already")
            course_id = conn.execute(
                insert(courses)
                .values(
                    organisation_id=org_id,
                    code=code,
                    title=titles,
                    description=description or {},
                    reminders=rules,
                    created_at=now,
                )
                .returning(courses.c.id)
            ).scalar_one()
            self._audit(conn, "course.create", {"course": course_id, "code": code})
        return {"id": course_id, "code": code, "title": titles, "reminders": rules}

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
        course_code: str,
        start: str,
        end: str,
        place: str,
        address: str = "",
        directions: str = "",
        childcare: bool = False,
    ) -> dict[str, Any]:
        """Plan a session (local times) and schedule its reminders for everyone enrolled."""
        now = self.clock()
        with self.db.begin() as conn:
            course = self._course(conn, course_code)
            tz = org_times(conn, course["organisation_id"]).timezone
            starts_at, ends_at = parse_local(start, tz), parse_local(end, tz)
            if ends_at <= starts_at:
                raise CourseError("the session must end after it starts")
            if not place.strip():
                raise CourseError("the session needs a place (or an online link)")
            session_id = conn.execute(
                insert(sessions)
                .values(
                    course_id=course["id"],
                    starts_at=starts_at,
                    ends_at=ends_at,
                    place=place,
                    address=address,
                    directions=directions,
                    childcare=childcare,
                    status="planned",
                )
                .returning(sessions.c.id)
            ).scalar_one()
            scheduled = schedule_session(conn, session_id, now)
            self._audit(
                conn,
                "session.add",
                {"session": session_id, "course": course["code"], "starts_at": str(starts_at)},
            )
        return {**self.session(session_id), "reminders_scheduled": scheduled}

    def session(self, session_id: int) -> dict[str, Any]:
        """One session as shown to coordinators (local times)."""
        with self.db.connect() as conn:
            return self._session_view(conn, self._session_row(conn, session_id))

    def list_sessions(self, course_code: str) -> list[dict[str, Any]]:
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
        """Move a session; tell everyone enrolled at once; schedule its reminders anew."""
        now = self.clock()
        with self.db.begin() as conn:
            row = self._session_row(conn, session_id)
            if row["status"] == "cancelled":
                raise CourseError(f"session {session_id} is cancelled")
            org = org_times(conn, row["organisation_id"])
            starts_at = parse_local(start, org.timezone)
            ends_at = (
                parse_local(end, org.timezone)
                if end
                else starts_at + (row["ends_at"] - row["starts_at"])
            )
            if ends_at <= starts_at:
                raise CourseError("the session must end after it starts")
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
            )
        return {**self.session(session_id), "told": told}

    def cancel_session(self, session_id: int, reason: str) -> dict[str, Any]:
        """Cancel a session; tell everyone enrolled at once; withdraw its reminders."""
        now = self.clock()
        if not reason.strip():
            raise CourseError("say why the session is cancelled (--reason)")
        with self.db.begin() as conn:
            row = self._session_row(conn, session_id)
            if row["status"] == "cancelled":
                raise CourseError(f"session {session_id} is cancelled already")
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
            self._audit(conn, "session.cancel", {"session": session_id, "reason": reason})
        return {**self.session(session_id), "told": told}

    # ---- people -----------------------------------------------------------------------------

    def enrol(self, course_code: str, person_ids: Iterable[int]) -> dict[str, list[int]]:
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
                for session_id in list(coming):
                    schedule_session(conn, session_id, now, new)
                self._audit(conn, "course.enrol", {"course": course["code"], "people": new})
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

    def _audit(self, conn: Connection, action: str, details: dict[str, Any]) -> None:
        conn.execute(
            insert(audit).values(at=self.clock(), actor=self.actor, action=action, details=details)
        )

    def _organisation_id(self, conn: Connection, slug: str) -> int:
        found = conn.execute(
            select(organisations.c.id).where(organisations.c.slug == slug)
        ).scalar()
        if found is None:
            raise CourseError(f"no organisation {slug!r}")
        return int(found)

    def _course(self, conn: Connection, code: str) -> Any:
        row = conn.execute(select(courses).where(courses.c.code == code)).mappings().first()
        if row is None:
            raise CourseError(f"no course {code!r} (see 'twc courses list')")
        return row

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
            raise CourseError(f"no session {session_id}")
        return row

    def _session_view(self, conn: Connection, row: Any) -> dict[str, Any]:
        tz = org_times(conn, row["organisation_id"]).timezone
        return {
            "id": row["id"],
            "course": row["code"],
            "start": show_local(row["starts_at"], tz),
            "end": show_local(row["ends_at"], tz),
            "timezone": tz,
            "place": row["place"],
            "address": row["address"],
            "directions": row["directions"],
            "childcare": row["childcare"],
            "status": row["status"],
        }

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
        default_language = conn.execute(
            select(organisations.c.default_language).where(
                organisations.c.id == session["organisation_id"]
            )
        ).scalar_one()
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
        channels: dict[int, tuple[int, str]] = {}
        for identity in conn.execute(
            select(identities.c.id, identities.c.person_id, identities.c.channel)
            .where(identities.c.person_id.in_(targets), identities.c.status == "ok")
            .order_by(identities.c.last_inbound_at.desc().nulls_last(), identities.c.id)
        ):
            channels.setdefault(identity.person_id, (identity.id, identity.channel))
        table = self.catalogs.languages
        rows = []
        for person_id in targets:
            language = (
                table.get(languages.get(person_id))
                or table.get(default_language)
                or table.get(table.master)
            )
            assert language is not None
            title = session["title"] or {}
            values = {
                "course": title.get(language.code) or title.get("de") or session["code"],
                "day": format_day(starts_at, language, org.timezone),
                "time": format_clock(starts_at, language, org.timezone),
                "place": ", ".join(p for p in (session["place"], session["address"]) if p),
            }
            if old_start is not None:
                values["old_day"] = format_day(old_start, language, org.timezone)
                values["old_time"] = format_clock(old_start, language, org.timezone)
            reply = Reply(
                self.catalogs.render(language, text, **values), (), language.code, language.rtl
            )
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
