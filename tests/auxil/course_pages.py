"""Course page helpers: women enrolled in a course of the demo organisation, reachable or not
for different reasons, and a coordinator's service (a frozen clock, actor ``test``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert

from bot.db.tables import consents
from bot.features.courses.service import CourseService
from bot.runtime import Runtime
from tests.auxil.people import DEMO, add_person, organisation_id


def agree_to_messages(runtime: Runtime, person: int, now: datetime, language: str) -> None:
    """She said yes to reminders and news (as onboarding stores it)."""
    with runtime.db.begin() as conn:
        conn.execute(
            insert(consents).values(
                person_id=person,
                purpose="messages",
                wording_version="test",
                language=language,
                channel="whatsapp",
                given_at=now,
            )
        )


@dataclass(frozen=True)
class Class:
    """The course ``naehen`` of the demo organisation and who is enrolled."""

    service: CourseService
    course: int
    amina: int
    """Arabic, WhatsApp, agrees to messages."""
    olena: int
    """Ukrainian, Telegram, agrees to messages."""
    darya: int
    """Persian, WhatsApp, said no to messages."""
    nora: int
    """German, opted out."""
    lina: int
    """German, agrees, but her only channel is unreachable."""


def a_class(runtime: Runtime, now: datetime) -> Class:
    """The sewing course with five women enrolled (see :class:`Class`)."""
    demo = organisation_id(runtime, DEMO)
    service = CourseService(runtime.db, runtime.flow_engine.catalogs, runtime.clock, "test")
    course = service.create_course(
        DEMO, "", {"de": "Nähen", "ar": "خياطة", "uk": "Шиття"}, {}, ["1d@17:00", "2h"]
    )["id"]
    amina = add_person(
        runtime, demo, "Amina", now, language="ar", channels=[("whatsapp", "+4917611111111", "ok")]
    )
    olena = add_person(
        runtime, demo, "Olena", now, language="uk", channels=[("telegram", "556677", "ok")]
    )
    darya = add_person(
        runtime, demo, "Darya", now, language="fa", channels=[("whatsapp", "+4917633333333", "ok")]
    )
    nora = add_person(
        runtime,
        demo,
        "Nora",
        now,
        status="opted_out",
        channels=[("whatsapp", "+4917644444444", "ok")],
    )
    lina = add_person(runtime, demo, "Lina", now, channels=[("telegram", "998877", "unreachable")])
    for person, language in ((amina, "ar"), (olena, "uk"), (nora, "de"), (lina, "de")):
        agree_to_messages(runtime, person, now, language)
    service.enrol(course, [amina, olena, darya, nora, lina])
    return Class(service, course, amina, olena, darya, nora, lina)


__all__ = ["Class", "a_class", "agree_to_messages"]
