"""Attendance and barriers: who comes to a session, who cannot and why, who was there.

Three readers and one writer, each scoped to the staff member's organisations (a session or
course of another organisation is :class:`NotFoundError`, exactly like an id nobody has):

* :meth:`AttendanceService.session` — one session's enrolled people in three lists (coming,
  not coming with the reason, no answer) with the marks staff made after it started;
* :meth:`AttendanceService.mark` — "she was there" / "she was not there", one tap per person,
  only once the session has started and never for a cancelled one; correctable; audited;
* :meth:`AttendanceService.barriers` — per course (or all) and period: absences by reason,
  the help people asked for at onboarding, the sessions with childcare, attendance rates;
* :meth:`AttendanceService.help_tomorrow` — the dashboard's "tomorrow: help needed".

The feature reads ``bot.db.tables`` directly instead of importing the courses or people
features (the independence contract).  Reasons (``attendance.reason``) and onboarding help
(``people.attend_help``) are encrypted at rest, so they are counted in Python after the
database has narrowed the rows down to one period and scope.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Set
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, Engine, and_, insert, select, update

from bot.db.tables import (
    attendance,
    attendance_marks,
    courses,
    enrolments,
    organisations,
    people,
    sessions,
)
from bot.staff.audit import record

#: Reasons she can give in the reminder flow; ``None`` (no reason yet) counts as ``skip``.
REASONS = ("childcare", "transport", "ill", "other", "skip")
#: Help she can ask for at onboarding (``people.attend_help``), and the reasons the team can
#: do something about.
HELP = ("childcare", "transport")
#: How many entries the dashboard panel shows (the count says how many there are).
PANEL_LIMIT = 20


class Staff(Protocol):
    """What the services need of a staff member (``bot.staff.principal.StaffUser``)."""

    @property
    def organisation_ids(self) -> Set[int]: ...

    @property
    def actor(self) -> str: ...


class NotFoundError(LookupError):
    """No such session, course or person, or one of another organisation (the same answer)."""


class MarkingError(ValueError):
    """Marking is not possible now: ``not_started`` or ``cancelled``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# ---- one session ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SessionInfo:
    id: int
    course_id: int
    course_code: str
    course_title: dict[str, Any]
    organisation_id: int
    timezone: str
    starts_at: datetime
    ends_at: datetime
    place: str
    address: str
    childcare: bool
    status: str

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"

    def local_start(self) -> datetime:
        return self.starts_at.astimezone(ZoneInfo(self.timezone))


@dataclass(frozen=True, slots=True)
class Person:
    """One enrolled person on the session's page."""

    id: int
    name: str
    intention: str | None
    """``coming``, ``not_coming`` or ``None`` (no answer)."""
    reason: str | None
    """For ``not_coming``: ``childcare`` … ``skip`` (``None``: she did not say)."""
    present: bool | None
    """The staff's mark: ``True`` there, ``False`` not there, ``None`` not marked."""
    attend_help: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SessionAttendance:
    session: SessionInfo
    started: bool
    coming: list[Person] = field(default_factory=list)
    not_coming: list[Person] = field(default_factory=list)
    no_answer: list[Person] = field(default_factory=list)

    @property
    def markable(self) -> bool:
        return self.started and not self.session.cancelled

    @property
    def everyone(self) -> list[Person]:
        return [*self.coming, *self.not_coming, *self.no_answer]

    @property
    def present(self) -> int:
        return sum(1 for p in self.everyone if p.present is True)

    @property
    def absent(self) -> int:
        return sum(1 for p in self.everyone if p.present is False)

    @property
    def unmarked(self) -> int:
        return sum(1 for p in self.everyone if p.present is None)


# ---- the barrier report -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Period:
    """From and to, both included, as dates of the organisation's own calendar."""

    start: date
    end: date


@dataclass(frozen=True, slots=True)
class SessionRate:
    session_id: int
    course_title: dict[str, Any]
    course_code: str
    starts_at: datetime
    timezone: str
    present: int
    enrolled: int


@dataclass(frozen=True, slots=True)
class ChildcareSession:
    session_id: int
    course_title: dict[str, Any]
    course_code: str
    starts_at: datetime
    timezone: str
    place: str


@dataclass(slots=True)
class BarrierReport:
    period: Period
    course_id: int | None
    said: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REASONS, 0))
    """``not_coming`` answers by reason (no reason counts as ``skip``)."""
    marked: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REASONS, 0))
    """Marked "not there", by the reason of her answer (none: ``skip``)."""
    absences: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REASONS, 0))
    """Either, once per person and session, unless she was marked "there" after all."""
    enrolled: int = 0
    asked_help: dict[str, int] = field(default_factory=lambda: dict.fromkeys(HELP, 0))
    sessions_held: int = 0
    childcare_sessions: list[ChildcareSession] = field(default_factory=list)
    rates: list[SessionRate] = field(default_factory=list)

    @property
    def present(self) -> int:
        return sum(r.present for r in self.rates)

    @property
    def expected(self) -> int:
        return sum(r.enrolled for r in self.rates)


# ---- the dashboard panel ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HelpNeeded:
    person_id: int
    name: str
    asked: tuple[str, ...]
    """What she asked for at onboarding (``childcare``, ``transport``)."""
    said: str | None
    """Her reason when she said she cannot come because of childcare or transport."""
    session_id: int
    course_title: dict[str, Any]
    course_code: str
    starts_at: datetime
    timezone: str
    place: str
    childcare: bool


@dataclass(frozen=True, slots=True)
class Tomorrow:
    total: int
    items: list[HelpNeeded] = field(default_factory=list)


# ---- helpers ----------------------------------------------------------------------------------


def local_day(moment: datetime, zone: str) -> date:
    """The date of ``moment`` on the organisation's calendar."""
    return moment.astimezone(ZoneInfo(zone)).date()


def day_bounds(start: date, end: date, zone: str) -> tuple[datetime, datetime]:
    """The period's dates in ``zone`` as a half-open interval [from 00:00, the day after)."""
    tz = ZoneInfo(zone)
    return (
        datetime.combine(start, time(0, 0), tz),
        datetime.combine(end + timedelta(days=1), time(0, 0), tz),
    )


def months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier (the month's last day when it is shorter)."""
    month = day.month - months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    return date(year, month, 28)


def _names(
    conn: Connection, ids: Iterable[int], organisation_id: int | None
) -> dict[int, tuple[str, tuple[str, ...]]]:
    """Decrypted names and onboarding help of the people shown (only of those, and only of
    the organisation in question; ``None``: the ids are already scoped)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    query = select(people.c.id, people.c.display_name, people.c.attend_help).where(
        people.c.id.in_(wanted)
    )
    if organisation_id is not None:
        query = query.where(people.c.organisation_id == organisation_id)
    return {
        r.id: (r.display_name or "", tuple(h for h in (r.attend_help or []) if h in HELP))
        for r in conn.execute(query)
    }


def _reason(value: str | None) -> str:
    return value if value in REASONS else "skip"


class AttendanceService:
    """The feature's services, for the staff pages, the dashboard and the tests."""

    def __init__(self, db: Engine, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock

    # ---- one session --------------------------------------------------------------------------

    def _session(self, conn: Connection, staff: Staff, session_id: int) -> SessionInfo:
        ids = sorted(staff.organisation_ids)
        row = conn.execute(
            select(
                sessions.c.id,
                sessions.c.course_id,
                courses.c.code,
                courses.c.title,
                courses.c.organisation_id,
                organisations.c.timezone,
                sessions.c.starts_at,
                sessions.c.ends_at,
                sessions.c.place,
                sessions.c.address,
                sessions.c.childcare,
                sessions.c.status,
            )
            .join(courses, courses.c.id == sessions.c.course_id)
            .join(organisations, organisations.c.id == courses.c.organisation_id)
            .where(sessions.c.id == session_id, courses.c.organisation_id.in_(ids))
        ).first()
        if row is None:
            raise NotFoundError(session_id)
        return SessionInfo(
            row.id,
            row.course_id,
            row.code,
            dict(row.title or {}),
            row.organisation_id,
            row.timezone,
            row.starts_at,
            row.ends_at,
            row.place,
            row.address or "",
            bool(row.childcare),
            row.status,
        )

    def _people_of(self, conn: Connection, info: SessionInfo) -> list[Person]:
        """Everyone enrolled in the course, and anyone with an answer or a mark for it."""
        enrolled = set(
            conn.execute(
                select(enrolments.c.person_id)
                .join(people, people.c.id == enrolments.c.person_id)
                .where(
                    enrolments.c.course_id == info.course_id,
                    people.c.organisation_id == info.organisation_id,
                )
            ).scalars()
        )
        answers = {
            r.person_id: (r.intention, r.reason)
            for r in conn.execute(
                select(attendance.c.person_id, attendance.c.intention, attendance.c.reason).where(
                    attendance.c.session_id == info.id
                )
            )
        }
        marks = {
            r.person_id: bool(r.present)
            for r in conn.execute(
                select(attendance_marks.c.person_id, attendance_marks.c.present).where(
                    attendance_marks.c.session_id == info.id
                )
            )
        }
        found = _names(conn, enrolled | set(answers) | set(marks), info.organisation_id)
        listed = [
            Person(
                pid,
                name,
                answers.get(pid, (None, None))[0],
                answers.get(pid, (None, None))[1],
                marks.get(pid),
                asked,
            )
            for pid, (name, asked) in found.items()
        ]
        return sorted(listed, key=lambda p: (p.name.casefold(), p.id))

    def session(self, staff: Staff, session_id: int) -> SessionAttendance:
        """One session's people in three lists, with the marks (:class:`NotFoundError`)."""
        with self.db.connect() as conn:
            info = self._session(conn, staff, session_id)
            everyone = self._people_of(conn, info)
        view = SessionAttendance(info, started=self.clock() >= info.starts_at)
        for person in everyone:
            if person.intention == "coming":
                view.coming.append(person)
            elif person.intention == "not_coming":
                view.not_coming.append(person)
            else:
                view.no_answer.append(person)
        return view

    def mark(self, staff: Staff, session_id: int, person_id: int, present: bool) -> Person:
        """Mark her as there (or not) at a session that has started; a second tap corrects.

        Refused (:class:`MarkingError`) before the start and for a cancelled session; a
        person who is not enrolled (and has no answer or mark) is :class:`NotFoundError`.
        """
        now = self.clock()
        with self.db.begin() as conn:
            info = self._session(conn, staff, session_id)
            if info.cancelled:
                raise MarkingError("cancelled")
            if now < info.starts_at:
                raise MarkingError("not_started")
            listed = {p.id: p for p in self._people_of(conn, info)}
            person = listed.get(person_id)
            if person is None:
                raise NotFoundError(person_id)
            if person.present is not present:
                where = and_(
                    attendance_marks.c.session_id == session_id,
                    attendance_marks.c.person_id == person_id,
                )
                values = {"present": present, "marked_at": now, "marked_by": staff.actor}
                if person.present is None:
                    conn.execute(
                        insert(attendance_marks).values(
                            session_id=session_id, person_id=person_id, **values
                        )
                    )
                else:
                    conn.execute(update(attendance_marks).where(where).values(**values))
                record(
                    conn,
                    now,
                    staff.actor,
                    "attendance.mark",
                    # "people": the list erasure takes her id out of (bot.erasure).
                    {
                        "session_id": session_id,
                        "people": [person_id],
                        "present": present,
                        "before": person.present,
                    },
                    organisation_id=info.organisation_id,
                )
        return Person(
            person.id, person.name, person.intention, person.reason, present, person.attend_help
        )

    def person(self, staff: Staff, session_id: int, person_id: int) -> tuple[SessionInfo, Person]:
        """One row of the session's page (for the htmx swap after a tap)."""
        with self.db.connect() as conn:
            info = self._session(conn, staff, session_id)
            for found in self._people_of(conn, info):
                if found.id == person_id:
                    return info, found
        raise NotFoundError(person_id)

    # ---- the barrier report -------------------------------------------------------------------

    def courses(self, staff: Staff) -> list[tuple[int, dict[str, Any], str]]:
        """The courses of her organisations (id, title, code) for the report's chooser."""
        with self.db.connect() as conn:
            return [
                (r.id, dict(r.title or {}), r.code)
                for r in conn.execute(
                    select(courses.c.id, courses.c.title, courses.c.code)
                    .where(courses.c.organisation_id.in_(sorted(staff.organisation_ids)))
                    .order_by(courses.c.code)
                )
            ]

    def default_period(self, staff: Staff) -> Period:
        """The last three months up to today (her first organisation's calendar)."""
        with self.db.connect() as conn:
            zone = conn.execute(
                select(organisations.c.timezone)
                .where(organisations.c.id.in_(sorted(staff.organisation_ids)))
                .order_by(organisations.c.id)
                .limit(1)
            ).scalar()
        today = local_day(self.clock(), zone or "Europe/Berlin")
        return Period(months_before(today, 3), today)

    def barriers(
        self, staff: Staff, period: Period, course_id: int | None = None
    ) -> BarrierReport:
        """The barrier report for ``period`` (both dates included, each session's date on its
        organisation's calendar) and one course or all (:class:`NotFoundError`)."""
        report = BarrierReport(period, course_id)
        ids = sorted(staff.organisation_ids)
        with self.db.connect() as conn:
            scope: list[ColumnElement[bool]] = [courses.c.organisation_id.in_(ids)]
            if course_id is not None:
                known = conn.execute(
                    select(courses.c.id).where(courses.c.id == course_id, *scope)
                ).first()
                if known is None:
                    raise NotFoundError(course_id)
                scope.append(courses.c.id == course_id)
            # A day more on each side in UTC, then each session's own local date decides.
            wide_from = datetime.combine(period.start - timedelta(days=1), time(0, 0), UTC)
            wide_to = datetime.combine(period.end + timedelta(days=2), time(0, 0), UTC)
            candidates = conn.execute(
                select(
                    sessions.c.id,
                    sessions.c.course_id,
                    sessions.c.starts_at,
                    sessions.c.ends_at,
                    sessions.c.place,
                    sessions.c.childcare,
                    sessions.c.status,
                    courses.c.title,
                    courses.c.code,
                    organisations.c.timezone,
                )
                .join(courses, courses.c.id == sessions.c.course_id)
                .join(organisations, organisations.c.id == courses.c.organisation_id)
                .where(
                    *scope,
                    sessions.c.starts_at >= wide_from,
                    sessions.c.starts_at < wide_to,
                )
                .order_by(sessions.c.starts_at, sessions.c.id)
            ).all()
            held = [
                s
                for s in candidates
                if s.status != "cancelled"
                and period.start <= local_day(s.starts_at, s.timezone) <= period.end
            ]
            report.sessions_held = len(held)
            report.childcare_sessions = [
                ChildcareSession(
                    s.id, dict(s.title or {}), s.code, s.starts_at, s.timezone, s.place
                )
                for s in held
                if s.childcare
            ]
            session_ids = [s.id for s in held]
            answers: dict[tuple[int, int], tuple[str, str | None]] = {}
            marks: dict[tuple[int, int], bool] = {}
            if session_ids:
                for r in conn.execute(
                    select(
                        attendance.c.session_id,
                        attendance.c.person_id,
                        attendance.c.intention,
                        attendance.c.reason,
                    ).where(attendance.c.session_id.in_(session_ids))
                ):
                    answers[(r.session_id, r.person_id)] = (r.intention, r.reason)
                for r in conn.execute(
                    select(
                        attendance_marks.c.session_id,
                        attendance_marks.c.person_id,
                        attendance_marks.c.present,
                    ).where(attendance_marks.c.session_id.in_(session_ids))
                ):
                    marks[(r.session_id, r.person_id)] = bool(r.present)
            said_reason = {
                key: _reason(reason)
                for key, (intention, reason) in answers.items()
                if intention == "not_coming"
            }
            for reason in said_reason.values():
                report.said[reason] += 1
            for key, was_there in marks.items():
                if not was_there:
                    report.marked[said_reason.get(key, "skip")] += 1
            for key in set(said_reason) | {k for k, p in marks.items() if not p}:
                if marks.get(key) is not True:
                    report.absences[said_reason.get(key, "skip")] += 1
            # Who is enrolled (now) in the course(s), and what help they asked for.
            enrolled_rows = conn.execute(
                select(enrolments.c.course_id, enrolments.c.person_id, enrolments.c.created_at)
                .join(courses, courses.c.id == enrolments.c.course_id)
                .join(people, people.c.id == enrolments.c.person_id)
                .where(*scope, people.c.organisation_id == courses.c.organisation_id)
            ).all()
            enrolled_people = {r.person_id for r in enrolled_rows}
            report.enrolled = len(enrolled_people)
            for _name, asked in _names(conn, enrolled_people, None).values():
                for kind in asked:
                    report.asked_help[kind] += 1
        # Attendance rates: marked "there" ÷ enrolled at each session that was marked.
        by_course: dict[int, list[tuple[int, datetime]]] = {}
        for r in enrolled_rows:
            by_course.setdefault(r.course_id, []).append((r.person_id, r.created_at))
        # The marks grouped by session once: looking through all of them for every session
        # took seconds with a course of 2 000 marked twice a week for three months.
        marks_of: dict[int, dict[int, bool]] = {}
        for (sid, pid), was_there in marks.items():
            marks_of.setdefault(sid, {})[pid] = was_there
        for s in held:
            marked_here = marks_of.get(s.id)
            if not marked_here:
                continue
            expected = {
                pid for pid, since in by_course.get(s.course_id, []) if since <= s.ends_at
            } | set(marked_here)
            present = sum(1 for was_there in marked_here.values() if was_there)
            report.rates.append(
                SessionRate(
                    s.id,
                    dict(s.title or {}),
                    s.code,
                    s.starts_at,
                    s.timezone,
                    present,
                    len(expected),
                )
            )
        return report

    # ---- the dashboard panel ------------------------------------------------------------------

    def help_tomorrow(self, staff: Staff) -> Tomorrow:
        """People enrolled in a session tomorrow (each organisation's own date) who asked for
        childcare or transport at onboarding, or said they cannot come for one of them."""
        now = self.clock()
        found: list[HelpNeeded] = []
        with self.db.connect() as conn:
            zones = conn.execute(
                select(organisations.c.id, organisations.c.timezone).where(
                    organisations.c.id.in_(sorted(staff.organisation_ids))
                )
            ).all()
            for organisation_id, zone in zones:
                day = local_day(now, zone) + timedelta(days=1)
                start, end = day_bounds(day, day, zone)
                tomorrow = conn.execute(
                    select(
                        sessions.c.id,
                        sessions.c.course_id,
                        sessions.c.starts_at,
                        sessions.c.place,
                        sessions.c.childcare,
                        courses.c.title,
                        courses.c.code,
                    )
                    .join(courses, courses.c.id == sessions.c.course_id)
                    .where(
                        courses.c.organisation_id == organisation_id,
                        sessions.c.status != "cancelled",
                        sessions.c.starts_at >= start,
                        sessions.c.starts_at < end,
                    )
                    .order_by(sessions.c.starts_at, sessions.c.id)
                ).all()
                for s in tomorrow:
                    enrolled = list(
                        conn.execute(
                            select(enrolments.c.person_id)
                            .join(people, people.c.id == enrolments.c.person_id)
                            .where(
                                enrolments.c.course_id == s.course_id,
                                people.c.organisation_id == organisation_id,
                                people.c.status != "opted_out",
                            )
                        ).scalars()
                    )
                    said = {
                        r.person_id: r.reason
                        for r in conn.execute(
                            select(attendance.c.person_id, attendance.c.reason).where(
                                attendance.c.session_id == s.id,
                                attendance.c.intention == "not_coming",
                            )
                        )
                        if r.reason in HELP
                    }
                    for pid, (name, asked) in _names(conn, enrolled, organisation_id).items():
                        if not asked and pid not in said:
                            continue
                        found.append(
                            HelpNeeded(
                                pid,
                                name,
                                asked,
                                said.get(pid),
                                s.id,
                                dict(s.title or {}),
                                s.code,
                                s.starts_at,
                                zone,
                                s.place,
                                bool(s.childcare),
                            )
                        )
        found.sort(key=lambda h: (h.starts_at, h.session_id, h.name.casefold(), h.person_id))
        return Tomorrow(len(found), found[:PANEL_LIMIT])


__all__ = [
    "HELP",
    "REASONS",
    "AttendanceService",
    "BarrierReport",
    "HelpNeeded",
    "MarkingError",
    "NotFoundError",
    "Period",
    "Person",
    "SessionAttendance",
    "SessionInfo",
    "Tomorrow",
    "months_before",
]
