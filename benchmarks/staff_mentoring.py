"""Mentoring data for the staff benchmark (:mod:`benchmarks.staff`): the mentoring page
ranks every waiting request it shows over every mentor of the organisation.

:data:`MENTORS` of the demo organisation's women become mentors (languages, topics, towns,
capacity; some paused, some with one mentee already) and :data:`WAITING` others wait for a
mentor, their requests spread over the last half year; written in bulk through the app's
column types (languages and topics are encrypted).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Connection, insert, update

from bot.db.tables import mentor_profiles, mentoring_requests, people

MENTORS = 200
WAITING = 2_000
#: The women :mod:`benchmarks.staff` enrols in the course, first in the list.
ENROLLED = 2_000
LANGUAGES = ("de", "ar", "fa", "uk", "tr", "ru", "en")
TOPICS = ("language", "work", "paperwork", "school", "health", "everyday")


def seed_mentoring(
    conn: Connection, now: datetime, ids: Sequence[int], org_of: Sequence[int], organisation: int
) -> tuple[int, int]:
    """Mentors and waiting requests among the organisation's women; (mentors, waiting)."""
    rng = random.Random(14)
    # The first 2 000 are the course's enrolled (benchmarks.staff): take the others.
    mine = [p for p, org in zip(ids, org_of, strict=True) if org == organisation][ENROLLED:]
    mentors, waiting = mine[:MENTORS], mine[MENTORS : MENTORS + WAITING]
    conn.execute(update(people).where(people.c.id.in_(mentors)).values(role="mentor"))
    conn.execute(
        insert(mentor_profiles),
        [
            {
                "person_id": person,
                "organisation_id": organisation,
                "languages": ["de", *rng.sample(LANGUAGES[1:], rng.randint(0, 2))],
                "topics": rng.sample(TOPICS, rng.randint(1, 4)),
                "availability": ["evenings"],
                "capacity": rng.randint(1, 3),
                "paused_until": now + timedelta(days=10) if index % 10 == 0 else None,
                "status": "active",
                "created_at": now - timedelta(days=200),
                "updated_at": now - timedelta(days=200),
            }
            for index, person in enumerate(mentors)
        ],
    )
    conn.execute(
        insert(mentoring_requests),
        [
            {
                "organisation_id": organisation,
                "person_id": person,
                "topics": rng.sample(TOPICS, rng.randint(1, 3)),
                "language": rng.choice(LANGUAGES),
                "status": "waiting",
                "created_at": now - timedelta(days=rng.randint(0, 180), hours=rng.randint(0, 23)),
                "updated_at": now,
            }
            for person in waiting
        ],
    )
    return len(mentors), len(waiting)


__all__ = ["MENTORS", "WAITING", "seed_mentoring"]
