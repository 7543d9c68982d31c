"""A participant with something in every part of "my data": a course with a next session,
answers about two past sessions (one with a reason, one with feedback), a voice message.

Her consent comes from onboarding and her question to the team from the chat itself; the rest
is written here as the courses feature and the WhatsApp channel would have written it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert, select

from bot.db.tables import attendance, courses, enrolments, media, organisations, people, sessions
from bot.runtime import Runtime

#: Her question to the team (the chat shows its first words, the export all of it).
QUESTION = (
    "Ich habe einen Brief vom Jobcenter bekommen und verstehe ihn nicht. "
    "Können Sie mir bitte helfen?"
)
COURSE_TITLES = {"de": "Deutsch A2 in Hoya", "ar": "الألمانية A2 في هويا"}


def furnish(runtime: Runtime, person_id: int, now: datetime) -> dict[str, int]:
    """Give her a course, answers, feedback and a voice message; the ids written."""
    with runtime.db.begin() as conn:
        organisation = conn.execute(
            select(organisations.c.id)
            .join(people, people.c.organisation_id == organisations.c.id)
            .where(people.c.id == person_id)
        ).scalar_one()
        course = conn.execute(
            insert(courses).values(
                organisation_id=organisation,
                code=f"a2-hoya-{person_id}",
                title=COURSE_TITLES,
                description={},
                created_at=now - timedelta(days=30),
                reminders=[],
            )
        ).inserted_primary_key[0]
        conn.execute(
            insert(enrolments).values(
                course_id=course, person_id=person_id, created_at=now - timedelta(days=20)
            )
        )
        ids = {}
        for name, days in (("came", -14), ("missed", -7), ("next", 7), ("later", 14)):
            starts = now + timedelta(days=days)
            ids[name] = conn.execute(
                insert(sessions).values(
                    course_id=course,
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=2),
                    place="Rathaus Hoya",
                    address="",
                    directions="",
                    childcare=False,
                    status="planned",
                )
            ).inserted_primary_key[0]
        conn.execute(
            insert(attendance),
            [
                {
                    "session_id": ids["came"],
                    "person_id": person_id,
                    "intention": "coming",
                    "reason": None,
                    "answered_at": now - timedelta(days=15),
                    "feedback": 4,
                    "feedback_at": now - timedelta(days=13),
                },
                {
                    "session_id": ids["missed"],
                    "person_id": person_id,
                    "intention": "not_coming",
                    "reason": "ill",
                    "answered_at": now - timedelta(days=8),
                    "feedback": None,
                    "feedback_at": None,
                },
            ],
        )
        conn.execute(
            insert(media).values(
                person_id=person_id,
                channel="whatsapp",
                external_id="MM-voice-1",
                kind="voice",
                content_type="audio/ogg",
                url="https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
                received_at=now - timedelta(days=2),
            )
        )
    return {"course": int(course), **{k: int(v) for k, v in ids.items()}}
