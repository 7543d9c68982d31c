"""A known data set for the reports (``tests/test_reports.py``, the browser test): people,
activity days, sessions with attendance, requests to the team and a broadcast in October
2026 in the demo organisation (Europe/Berlin), plus rows just outside the month and in
another organisation that must never be counted.  Every number the report should show for
October is in :data:`EXPECTED`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from bot.db.tables import (
    activity_days,
    attendance,
    attendance_marks,
    broadcasts,
    courses,
    inbox_messages,
    inbox_threads,
    outbox,
    people,
    sessions,
    staff,
)
from bot.runtime import Runtime
from tests.auxil.staff import DEMO_EMAIL, add_organisation, organisation_id

OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))


def at(text: str) -> datetime:
    """``2026-10-05 10:00`` as UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _person(
    conn: Any,
    org: int,
    language: str,
    town: str | None,
    joined: datetime | None,
    *,
    role: str = "participant",
    status: str = "active",
) -> int:
    return int(
        conn.execute(
            insert(people)
            .values(
                organisation_id=org,
                role=role,
                language=language,
                display_name="Testperson",
                town=town,
                interests=[],
                attend_help=[],
                status=status,
                consent_given_at=joined,
                created_at=joined or at("2026-10-01 08:00"),
            )
            .returning(people.c.id)
        ).scalar_one()
    )


def load_october(runtime: Runtime) -> dict[str, Any]:
    """Write the data set; returns the ids the tests need."""
    org = organisation_id(runtime)
    other = add_organisation(runtime, "andere-org", "Andere Organisation")
    with runtime.db.begin() as conn:
        staff_id = conn.execute(select(staff.c.id).where(staff.c.email == DEMO_EMAIL)).scalar_one()
        arabic = [_person(conn, org, "ar", "Hoya", at("2026-10-05 10:00")) for _ in range(6)]
        farsi = [
            _person(conn, org, "fa", "Nienburg (Weser)", at("2026-09-15 10:00")) for _ in range(2)
        ]
        # 00:30 on 1 October in Berlin (22:30 UTC the day before): joined in October.
        turkish = _person(conn, org, "tr", "Uchte", at("2026-09-30 22:30"))
        # 00:30 on 1 November in Berlin: not in October, not yet a participant then.
        _person(conn, org, "uk", None, at("2026-10-31 23:30"))
        _person(conn, org, "ru", "Hoya", None, status="new")  # never consented
        _person(conn, org, "de", "Hoya", at("2026-10-05 10:00"), role="mentor")
        strangers = [_person(conn, other, "ar", "Hoya", at("2026-10-05 10:00")) for _ in range(7)]

        days = [
            (arabic[0], date(2026, 10, 10)),
            (arabic[0], date(2026, 10, 11)),
            (arabic[1], date(2026, 10, 10)),
            (arabic[2], date(2026, 10, 31)),
            (farsi[0], date(2026, 9, 30)),
            (turkish, date(2026, 11, 1)),
        ]
        conn.execute(
            insert(activity_days),
            [{"person_id": p, "day": d, "organisation_id": org} for p, d in days]
            + [
                {"person_id": p, "day": date(2026, 10, 10), "organisation_id": other}
                for p in strangers
            ],
        )

        course = conn.execute(
            insert(courses)
            .values(
                organisation_id=org,
                code="bericht-kurs",
                title={"de": "Frauencafé", "en": "Women's café"},
                created_at=at("2026-09-01 08:00"),
            )
            .returning(courses.c.id)
        ).scalar_one()
        other_course = conn.execute(
            insert(courses)
            .values(
                organisation_id=other,
                code="andere-kurs",
                title={"de": "Anderer Kurs"},
                created_at=at("2026-09-01 08:00"),
            )
            .returning(courses.c.id)
        ).scalar_one()

        def session(course_id: int, start: str, status: str = "planned") -> int:
            begins = at(start)
            return int(
                conn.execute(
                    insert(sessions)
                    .values(
                        course_id=course_id,
                        starts_at=begins,
                        ends_at=begins + timedelta(hours=2),
                        place="Raum 1",
                        status=status,
                    )
                    .returning(sessions.c.id)
                ).scalar_one()
            )

        s1 = session(course, "2026-10-06 07:00")
        s2 = session(course, "2026-10-08 07:00")
        session(course, "2026-10-13 07:00", "cancelled")
        session(course, "2026-11-03 08:00")
        session(course, "2026-09-29 07:00")
        s_other = session(other_course, "2026-10-06 07:00")
        said = [(s1, p, "coming") for p in arabic] + [(s1, farsi[0], "not_coming")]
        said += [(s2, p, "coming") for p in arabic[:3]]
        said += [(s_other, p, "coming") for p in strangers]
        conn.execute(
            insert(attendance),
            [
                {
                    "session_id": s,
                    "person_id": p,
                    "intention": i,
                    "reason": None,
                    "answered_at": at("2026-10-05 16:00"),
                }
                for s, p, i in said
            ],
        )
        marks = [(s1, p, True) for p in arabic[:5]] + [
            (s1, arabic[5], False),
            (s1, farsi[0], False),
        ]
        marks += [(s_other, p, True) for p in strangers]
        conn.execute(
            insert(attendance_marks),
            [
                {
                    "session_id": s,
                    "person_id": p,
                    "present": present,
                    "marked_at": at("2026-10-06 10:00"),
                    "marked_by": "test",
                }
                for s, p, present in marks
            ],
        )

        def thread(
            person: int,
            opened: str,
            answers: list[str],
            *,
            reason: str = "request",
            organisation: int = org,
        ) -> None:
            opened_at = at(opened)
            thread_id = conn.execute(
                insert(inbox_threads)
                .values(
                    organisation_id=organisation,
                    person_id=person,
                    status="closed",
                    reason=reason,
                    opened_at=opened_at,
                    last_message_at=opened_at,
                )
                .returning(inbox_threads.c.id)
            ).scalar_one()
            rows = [
                {"direction": "in", "staff_id": None, "created_at": opened_at},
                # The bot's own note in the thread is no answer from the team.
                {
                    "direction": "bot",
                    "staff_id": None,
                    "created_at": opened_at + timedelta(minutes=1),
                },
            ]
            rows += [
                {"direction": "out", "staff_id": staff_id, "created_at": at(a)} for a in answers
            ]
            conn.execute(
                insert(inbox_messages),
                [
                    {"thread_id": thread_id, "person_id": person, "text": "…", **row}
                    for row in rows
                ],
            )

        thread(arabic[0], "2026-10-02 10:00", ["2026-10-02 11:00", "2026-10-02 15:00"])
        thread(arabic[1], "2026-10-03 10:00", ["2026-10-03 13:00"])
        thread(arabic[2], "2026-10-04 10:00", [])
        thread(arabic[3], "2026-10-05 10:00", ["2026-10-05 10:30"], reason="staff")
        thread(arabic[4], "2026-09-30 10:00", ["2026-09-30 10:05"])
        thread(strangers[0], "2026-10-02 10:00", ["2026-10-02 10:01"], organisation=other)

        def broadcast(
            organisation: int,
            enqueued: str,
            statuses: list[tuple[str, str | None]],
            recipients: list[int],
        ) -> None:
            broadcast_id = conn.execute(
                insert(broadcasts)
                .values(
                    organisation_id=organisation,
                    title="Test",
                    texts={"de": "Hallo"},
                    status="sent",
                    created_by="test",
                    created_at=at(enqueued),
                    enqueued_at=at(enqueued),
                )
                .returning(broadcasts.c.id)
            ).scalar_one()
            conn.execute(
                insert(outbox),
                [
                    {
                        "idempotency_key": f"broadcast:{broadcast_id}:{index}",
                        "person_id": recipients[index % len(recipients)],
                        "channel": "whatsapp",
                        "kind": "broadcast",
                        "payload": {},
                        "status": status,
                        "delivery_status": delivery,
                        "next_attempt_at": at(enqueued),
                        "created_at": at(enqueued),
                        "broadcast_id": broadcast_id,
                    }
                    for index, (status, delivery) in enumerate(statuses)
                ],
            )

        broadcast(
            org,
            "2026-10-20 08:00",
            [("sent", "read")] * 6
            + [("sent", "delivered")] * 2
            + [("sent", None), ("failed", None)],
            arabic,
        )
        broadcast(org, "2026-09-20 08:00", [("sent", "read")] * 5, arabic)
        broadcast(other, "2026-10-20 08:00", [("sent", "read")] * 7, strangers)
    return {"org": org, "other": other, "arabic": arabic, "strangers": strangers}


__all__ = ["OCTOBER", "at", "load_october"]
