"""A known data set for the attendance tests: two courses of the demo organisation with
sessions around the period's edges, answers, marks, and a second organisation's session.

The clock is the FrozenClock's start (Monday 30 November 2026, 09:00 UTC = 10:00 in Berlin).
Expected numbers are worked out by hand in ``tests/test_attendance.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, update

from bot.db.tables import attendance_marks, sessions
from bot.runtime import Runtime
from tests.auxil.people import (
    DEMO,
    add_course,
    add_person,
    answer,
    enrol,
    organisation_id,
    second_organisation,
)

#: Before every session of the data set: enrolments count for sessions after them.
ENROLLED_AT = datetime(2026, 8, 1, 8, 0, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@dataclass(frozen=True, slots=True)
class DataSet:
    demo: int
    other: int
    people: dict[str, int]
    course_a: int
    course_b: int
    s: dict[str, int]
    """Sessions by name: s1 … s8 (see :func:`known_data`)."""


def mark(runtime: Runtime, session: int, person: int, present: bool, at: datetime) -> None:
    with runtime.db.begin() as conn:
        conn.execute(
            insert(attendance_marks).values(
                session_id=session,
                person_id=person,
                present=present,
                marked_at=at,
                marked_by="staff:test",
            )
        )


def known_data(runtime: Runtime, now: datetime) -> DataSet:
    """The data set:

    course A ("a2-hoya"): s1 1 Oct 10:00 (marked), s2 15 Nov with childcare, s3 1 Sep 00:30
    Berlin (31 Aug in UTC), s4 1 Dec 00:30 Berlin (30 Nov in UTC: tomorrow for the panel),
    s5 cancelled (20 Oct), s7 today 09:00 Berlin (started), s8 2 Dec 00:30 Berlin;
    course B ("b1-nienburg"): s6 20 Oct (marked);
    the other organisation: s9 1 Oct with an answer of its own person.
    """
    demo = organisation_id(runtime, DEMO)
    other = second_organisation(runtime, now)
    people = {
        "amina": add_person(runtime, demo, "Amina", now, language="ar", attend_help=["childcare"]),
        "zahra": add_person(runtime, demo, "Zahra", now, language="fa", attend_help=["transport"]),
        "maria": add_person(runtime, demo, "Maria", now, language="pt"),
        "lena": add_person(
            runtime, demo, "Lena", now, language="uk", attend_help=["childcare", "transport"]
        ),
        "sara": add_person(runtime, demo, "Sara", now, language="de"),
        "olga": add_person(
            runtime,
            demo,
            "Olga",
            now,
            language="ru",
            status="opted_out",
            attend_help=["childcare"],
        ),
        "amira": add_person(runtime, other, "Amira", now, attend_help=["childcare"]),
    }
    course_a, (s1, s2, s3, s4, s5, s7, s8) = add_course(
        runtime,
        demo,
        "a2-hoya",
        "Deutsch A2 Hoya",
        [
            utc(2026, 10, 1, 8, 0),
            utc(2026, 11, 15, 9, 0),
            utc(2026, 8, 31, 22, 30),
            utc(2026, 11, 30, 23, 30),
            utc(2026, 10, 20, 8, 0),
            utc(2026, 11, 30, 8, 0),
            utc(2026, 12, 1, 23, 30),
        ],
    )
    course_b, (s6,) = add_course(
        runtime, demo, "b1-nienburg", "Deutsch B1 Nienburg", [utc(2026, 10, 20, 12, 0)]
    )
    _course_o, (s9,) = add_course(runtime, other, "hoya-treff", "Treff", [utc(2026, 10, 1, 8, 0)])
    with runtime.db.begin() as conn:
        conn.execute(update(sessions).where(sessions.c.id.in_([s2, s4])).values(childcare=True))
        conn.execute(update(sessions).where(sessions.c.id == s5).values(status="cancelled"))
    for name in ("amina", "zahra", "maria", "lena", "sara", "olga"):
        enrol(runtime, course_a, people[name], ENROLLED_AT)
    enrol(runtime, course_b, people["lena"], ENROLLED_AT)
    enrol(runtime, _course_o, people["amira"], ENROLLED_AT)
    p = people
    answered = utc(2026, 9, 1, 12, 0)
    for session, person, intention, reason in (
        (s1, p["amina"], "not_coming", "childcare"),
        (s1, p["zahra"], "not_coming", "transport"),
        (s1, p["maria"], "coming", None),
        (s2, p["amina"], "not_coming", "ill"),
        (s2, p["lena"], "not_coming", None),
        (s3, p["zahra"], "not_coming", "other"),
        (s4, p["maria"], "not_coming", "childcare"),
        (s5, p["amina"], "not_coming", "transport"),
        (s6, p["lena"], "not_coming", "skip"),
        (s7, p["amina"], "coming", None),
        (s7, p["zahra"], "not_coming", "transport"),
        (s9, p["amira"], "not_coming", "childcare"),
    ):
        answer(runtime, session, person, intention, reason, answered)
    marked = utc(2026, 10, 1, 12, 0)
    mark(runtime, s1, p["amina"], False, marked)
    mark(runtime, s1, p["zahra"], True, marked)
    mark(runtime, s1, p["maria"], True, marked)
    mark(runtime, s1, p["lena"], False, marked)
    mark(runtime, s6, p["lena"], False, marked)
    mark(runtime, s9, p["amira"], False, marked)
    sessions_by_name = {
        "s1": s1,
        "s2": s2,
        "s3": s3,
        "s4": s4,
        "s5": s5,
        "s6": s6,
        "s7": s7,
        "s8": s8,
        "s9": s9,
    }
    return DataSet(demo, other, people, course_a, course_b, sessions_by_name)
