"""Inbox helpers: staff members of one or two organisations, the inbox as they use it, and
what a simulator user's transcript shows after the dispatcher ran."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select
from starlette.testclient import TestClient

from bot.db.tables import inbox_messages, inbox_threads, organisations, staff, staff_memberships
from bot.features.inbox.service import Inbox
from bot.runtime import Runtime


@dataclass(frozen=True)
class TestStaff:
    """A logged-in staff member as the inbox sees her (``bot.staff.principal.StaffUser``)."""

    __test__ = False

    id: int
    email: str
    display_name: str
    language: str
    roles: dict[int, str] = field(default_factory=dict)

    @property
    def organisation_ids(self) -> frozenset[int]:
        return frozenset(self.roles)

    @property
    def actor(self) -> str:
        return f"staff:{self.id}"


def organisation_id(runtime: Runtime, slug: str = "vnb-nienburg") -> int:
    with runtime.db.connect() as conn:
        return int(
            conn.execute(
                select(organisations.c.id).where(organisations.c.slug == slug)
            ).scalar_one()
        )


def second_organisation(runtime: Runtime, slug: str = "cyprus-larnaca") -> int:
    """Another organisation (its staff must never see the first one's inbox)."""
    with runtime.db.begin() as conn:
        return int(
            conn.execute(
                insert(organisations).returning(organisations.c.id),
                {
                    "slug": slug,
                    "name": "Larnaca Women's Centre",
                    "timezone": "Asia/Nicosia",
                    "default_language": "el",
                    "towns": ["Larnaca"],
                    "created_at": runtime.clock(),
                },
            ).scalar_one()
        )


def add_staff(
    runtime: Runtime,
    email: str,
    organisation: int,
    role: str = "coordinator",
    language: str = "de",
    notify_by_email: bool = True,
) -> TestStaff:
    """A staff member with a membership in ``organisation``."""
    now = runtime.clock()
    with runtime.db.begin() as conn:
        staff_id = conn.execute(
            insert(staff).returning(staff.c.id),
            {
                "email": email,
                "display_name": email.split("@")[0].title(),
                "password_hash": "not-a-login",
                "language": language,
                "notify_by_email": notify_by_email,
                "created_at": now,
            },
        ).scalar_one()
        conn.execute(
            insert(staff_memberships),
            {
                "staff_id": staff_id,
                "organisation_id": organisation,
                "role": role,
                "created_at": now,
            },
        )
    return TestStaff(staff_id, email, email.split("@")[0].title(), language, {organisation: role})


def inbox_of(runtime: Runtime, **kwargs: Any) -> Inbox:
    return Inbox.from_runtime(runtime, **kwargs)


def deliver(runtime: Runtime) -> None:
    """Let the dispatcher send everything due (a team's reply, the message after closing)."""
    while asyncio.run(runtime.dispatcher.dispatch()):
        pass


def transcript(client: TestClient, user: str) -> list[tuple[str, str]]:
    """Her simulator screen: ``(direction, text)`` in order."""
    answer = client.get("/simulator/api/messages", params={"user": user})
    assert answer.status_code == 200
    return [(m["direction"], m["text"]) for m in answer.json()["messages"]]


def threads_of(runtime: Runtime, person_id: int) -> list[dict[str, Any]]:
    with runtime.db.connect() as conn:
        return [
            dict(r)
            for r in conn.execute(
                select(inbox_threads)
                .where(inbox_threads.c.person_id == person_id)
                .order_by(inbox_threads.c.id)
            ).mappings()
        ]


def messages_of(runtime: Runtime, thread_id: int) -> list[dict[str, Any]]:
    with runtime.db.connect() as conn:
        return [
            dict(r)
            for r in conn.execute(
                select(inbox_messages)
                .where(inbox_messages.c.thread_id == thread_id)
                .order_by(inbox_messages.c.id)
            ).mappings()
        ]
