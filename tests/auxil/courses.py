"""Course helpers: who a simulator user is, a coordinator's course service, the course "a2-hoya"."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.testclient import TestClient

from bot.db.models import ChannelIdentity, OutboxMessage
from bot.features.courses.service import CourseService
from bot.identity import lookup_key
from bot.runtime import Runtime
from tests.auxil.clock import FrozenClock
from tests.auxil.constants import TEST_SECRET
from tests.auxil.simulator import Simulator, onboard

outbox = OutboxMessage.__table__


def person_of(runtime: Runtime, user: str) -> int:
    """The person id of the simulator user ``user``."""
    identities = ChannelIdentity.__table__
    with runtime.db.connect() as conn:
        return conn.execute(
            select(identities.c.person_id).where(
                identities.c.lookup_key == lookup_key(TEST_SECRET, "simulator", user)
            )
        ).scalar_one()


def service_of(runtime: Runtime, clock: FrozenClock) -> CourseService:
    """The course service as a coordinator uses it."""
    return CourseService(runtime.db, runtime.flow_engine.catalogs, clock, "test:coordinator")


def rows(runtime: Runtime, table: Any, *where: Any) -> list[dict[str, Any]]:
    """The rows of ``table`` matching ``where``, as dicts."""
    with runtime.db.connect() as conn:
        return [dict(r) for r in conn.execute(select(table).where(*where)).mappings()]


def course_with(service: CourseService) -> None:
    """The course "a2-hoya" of the demo organisation, titled in German and Persian."""
    service.create_course(
        "vnb-nienburg",
        "a2-hoya",
        {"de": "Deutsch A2 in Hoya", "fa": "آلمانی A2 در هویا"},
    )


def enrolled_amina(
    runtime: Runtime, client: TestClient, clock: FrozenClock
) -> tuple[int, CourseService]:
    """Amina onboarded in German and enrolled in the course "a2-hoya" (no sessions yet)."""
    onboard(Simulator(client, "amina"))
    person = person_of(runtime, "amina")
    service = service_of(runtime, clock)
    course_with(service)
    service.enrol("a2-hoya", [person])
    return person, service


def reminder_payload(runtime: Runtime, person: int) -> dict[str, Any]:
    """The payload of the newest course reminder in the outbox for ``person``."""
    (row,) = [
        r
        for r in rows(runtime, outbox, outbox.c.person_id == person)
        if r["kind"] == "course_reminder"
    ][-1:]
    return row["payload"]
