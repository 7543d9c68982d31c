"""What needs a human now, besides the inbox: the dashboard panels' content.

* people who said they cannot come to a coming session, with their reason;
* people who have not answered about tomorrow's session (tomorrow in the organisation's own
  time zone);
* messages held as ``needs_template`` (outside WhatsApp's 24-hour window with no approved
  template), by person;
* unreachable people (no channel reaches them any more).

Each list is scoped to the staff member's organisations, counted in full and cut to its first
:data:`LIMIT` entries; every entry links to her profile.  The dashboard reads these lists with
every visit, so SQL counts and cuts them: with a district's 10 000 women, reading every row
(every channel of everyone, every enrolment of tomorrow) made it cost ~170 ms of CPU a visit.
Times are read from the runtime's clock, so tests move it instead of waiting.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Select, func, select

from bot.db.tables import (
    attendance,
    courses,
    enrolments,
    organisations,
    outbox,
    people,
    sessions,
)
from bot.features.people.directory import channels_of, unreachable_people
from bot.features.people.scope import Staff, in_scope

#: Entries shown per panel (the count says how many there are).
LIMIT = 10

T = TypeVar("T")


def _count(conn: Any, query: Select[Any]) -> int:
    """How many rows ``query`` has, counted by the database."""
    return int(conn.execute(select(func.count()).select_from(query.subquery())).scalar_one())


@dataclass(frozen=True, slots=True)
class Listed(Generic[T]):
    """A panel's entries: the first :data:`LIMIT` and how many there are in all."""

    total: int
    items: list[T] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class NotComing:
    person_id: int
    name: str
    course_title: dict[str, Any]
    course_code: str
    starts_at: datetime
    timezone: str
    reason: str | None
    """``childcare``, ``transport``, ``ill``, ``other``, ``skip`` (she chose not to say)."""
    answered_at: datetime


@dataclass(frozen=True, slots=True)
class NoAnswer:
    person_id: int
    name: str
    course_title: dict[str, Any]
    course_code: str
    starts_at: datetime
    timezone: str


@dataclass(frozen=True, slots=True)
class Held:
    person_id: int
    name: str
    count: int
    oldest: datetime
    kinds: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Unreachable:
    person_id: int
    name: str
    channels: tuple[str, ...]


def _names(engine_conn: Any, ids: list[int]) -> dict[int, str]:
    """The decrypted names of the people shown (only of those)."""
    if not ids:
        return {}
    return {
        r.id: r.display_name or ""
        for r in engine_conn.execute(
            select(people.c.id, people.c.display_name).where(people.c.id.in_(ids))
        )
    }


class Attention:
    """Reads the panels' lists for a staff member."""

    def __init__(self, db: Engine, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock

    def not_coming(self, staff: Staff) -> Listed[NotComing]:
        """Who said she cannot come to a session still to come, soonest session first."""
        now = self.clock()
        query = (
            select(
                people.c.id,
                courses.c.title,
                courses.c.code,
                sessions.c.starts_at,
                organisations.c.timezone,
                attendance.c.reason,
                attendance.c.answered_at,
            )
            .join(attendance, attendance.c.person_id == people.c.id)
            .join(sessions, sessions.c.id == attendance.c.session_id)
            .join(courses, courses.c.id == sessions.c.course_id)
            .join(organisations, organisations.c.id == people.c.organisation_id)
            .where(
                in_scope(staff),
                attendance.c.intention == "not_coming",
                sessions.c.starts_at > now,
                sessions.c.status != "cancelled",
            )
            .order_by(sessions.c.starts_at, attendance.c.answered_at, people.c.id)
        )
        with self.db.connect() as conn:
            total = _count(conn, query.order_by(None))
            shown = conn.execute(query.limit(LIMIT)).all()
            names = _names(conn, [r.id for r in shown])
        items = [
            NotComing(
                r.id,
                names.get(r.id, ""),
                dict(r.title or {}),
                r.code,
                r.starts_at,
                r.timezone,
                r.reason,
                r.answered_at,
            )
            for r in shown
        ]
        return Listed(total, items)

    def no_answer_tomorrow(self, staff: Staff) -> Listed[NoAnswer]:
        """Who is enrolled in a session tomorrow (her organisation's date) and has not said
        whether she comes; people who opted out are left out (they get no reminder)."""
        now = self.clock()
        with self.db.connect() as conn:
            zones = conn.execute(
                select(organisations.c.id, organisations.c.timezone).where(
                    organisations.c.id.in_(sorted(staff.organisation_ids))
                )
            ).all()
            total = 0
            rows: list[tuple[Any, str]] = []
            for organisation_id, zone in zones:
                start, end = _tomorrow(now, zone)
                # Tomorrow's few sessions first: the enrolments are then found by course,
                # not every enrolment of the organisation joined with every session.
                tomorrow = list(
                    conn.execute(
                        select(sessions.c.id)
                        .join(courses, courses.c.id == sessions.c.course_id)
                        .where(
                            courses.c.organisation_id == organisation_id,
                            sessions.c.status != "cancelled",
                            sessions.c.starts_at >= start,
                            sessions.c.starts_at < end,
                            sessions.c.starts_at > now,
                        )
                    ).scalars()
                )
                if not tomorrow:
                    continue
                query = (
                    select(people.c.id, courses.c.title, courses.c.code, sessions.c.starts_at)
                    .select_from(sessions)
                    .join(courses, courses.c.id == sessions.c.course_id)
                    .join(enrolments, enrolments.c.course_id == courses.c.id)
                    .join(people, people.c.id == enrolments.c.person_id)
                    .outerjoin(
                        attendance,
                        (attendance.c.session_id == sessions.c.id)
                        & (attendance.c.person_id == people.c.id),
                    )
                    .where(
                        sessions.c.id.in_(tomorrow),
                        people.c.organisation_id == organisation_id,
                        people.c.status != "opted_out",
                        attendance.c.id.is_(None),
                    )
                )
                total += _count(conn, query)
                ordered = query.order_by(sessions.c.starts_at, people.c.id).limit(LIMIT)
                rows.extend((row, zone) for row in conn.execute(ordered))
            rows.sort(key=lambda pair: (pair[0].starts_at, pair[0].id))
            shown = rows[:LIMIT]
            names = _names(conn, [r.id for r, _ in shown])
        items = [
            NoAnswer(r.id, names.get(r.id, ""), dict(r.title or {}), r.code, r.starts_at, zone)
            for r, zone in shown
        ]
        return Listed(total, items)

    def held(self, staff: Staff) -> Listed[Held]:
        """Messages waiting as ``needs_template``, by person, the longest waiting first."""
        query = (
            select(
                outbox.c.person_id,
                func.count().label("count"),
                func.min(outbox.c.created_at).label("oldest"),
            )
            .join(people, people.c.id == outbox.c.person_id)
            .where(in_scope(staff), outbox.c.status == "needs_template")
            .group_by(outbox.c.person_id)
            .order_by(func.min(outbox.c.created_at), outbox.c.person_id)
        )
        with self.db.connect() as conn:
            rows = conn.execute(query).all()
            shown = rows[:LIMIT]
            ids = [r.person_id for r in shown]
            kinds: dict[int, set[str]] = defaultdict(set)
            if ids:
                for person_id, kind in conn.execute(
                    select(outbox.c.person_id, outbox.c.kind).where(
                        outbox.c.person_id.in_(ids), outbox.c.status == "needs_template"
                    )
                ):
                    kinds[person_id].add(kind)
            names = _names(conn, ids)
        items = [
            Held(
                r.person_id,
                names.get(r.person_id, ""),
                int(r[1]),
                r.oldest,
                tuple(sorted(kinds[r.person_id])),
            )
            for r in shown
        ]
        return Listed(sum(int(r[1]) for r in rows), items)

    def unreachable(self, staff: Staff) -> Listed[Unreachable]:
        """People no channel reaches any more (``directory.unreachable``), newest first."""
        with self.db.connect() as conn:
            # Only ids, and few (a channel is refused rarely): one scan of the channels
            # gives the count and the first ten.
            found = list(conn.execute(unreachable_people(staff)).scalars())
            shown = found[:LIMIT]
            channels = channels_of(conn, shown)
            names = _names(conn, shown)
        items = [Unreachable(p, names.get(p, ""), tuple(c for c, _ in channels[p])) for p in shown]
        return Listed(len(found), items)


def _tomorrow(now: datetime, zone: str) -> tuple[datetime, datetime]:
    """Tomorrow in ``zone``, as a half-open UTC interval [start, end)."""
    tz = ZoneInfo(zone)
    day: date = now.astimezone(tz).date() + timedelta(days=1)
    start = datetime.combine(day, time(0, 0), tz)
    end = datetime.combine(day + timedelta(days=1), time(0, 0), tz)
    return start, end


__all__ = [
    "LIMIT",
    "Attention",
    "Held",
    "Listed",
    "NoAnswer",
    "NotComing",
    "Unreachable",
]
