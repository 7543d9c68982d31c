"""One person's profile as staff see it: what she shared, how she is reached, what she agreed
to and when, her courses and answers, her conversations with the team, what the bot sent.

Who sees her address: a channel address (a phone number, a Telegram chat id) is the most
identifying thing stored about her, and a coordinator needs none to help her (replies go
through the inbox, which knows the channel).  So lists never show it, and the profile shows it
only to an **admin of her organisation** (to check a number she gives on the phone, or to fix
a data-protection request); coordinators see the channel and whether it reaches her.

What the bot sent is shown by kind, status and time only: the texts are on her phone, and the
outbox keeps them encrypted only until they are sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from bot.db.tables import (
    attendance,
    consent_wordings,
    consents,
    courses,
    enrolments,
    identities,
    inbox_threads,
    organisations,
    outbox,
    people,
    sessions,
)
from bot.features.people.directory import unreachable
from bot.features.people.scope import PersonNotFoundError, Staff, in_scope

#: How many of the newest outbox rows the profile lists.
RECENT_MESSAGES = 20


@dataclass(frozen=True, slots=True)
class ChannelView:
    channel: str
    status: str
    created_at: datetime
    last_inbound_at: datetime | None
    address: str | None
    """Only for an admin of her organisation (see the module docstring)."""


@dataclass(frozen=True, slots=True)
class ConsentView:
    purpose: str
    given_at: datetime
    withdrawn_at: datetime | None
    language: str
    channel: str
    wording: str | None
    """The words she agreed to, as kept in ``consent_wordings``."""


@dataclass(frozen=True, slots=True)
class CourseView:
    id: int
    code: str
    title: dict[str, Any]
    enrolled_at: datetime


@dataclass(frozen=True, slots=True)
class SessionView:
    """One session of a course of hers and what she said about it."""

    id: int
    course_code: str
    course_title: dict[str, Any]
    starts_at: datetime
    place: str
    status: str
    intention: str | None
    """``coming``, ``not_coming`` or ``None`` (no answer)."""
    reason: str | None
    feedback: int | None


@dataclass(frozen=True, slots=True)
class ThreadView:
    id: int
    status: str
    reason: str
    opened_at: datetime
    closed_at: datetime | None
    waiting_since: datetime | None


@dataclass(frozen=True, slots=True)
class MessageView:
    kind: str
    status: str
    channel: str
    created_at: datetime
    sent_at: datetime | None
    delivery_status: str | None


@dataclass(slots=True)
class Profile:
    """Everything the profile page shows about her."""

    id: int
    organisation_id: int
    organisation: str
    timezone: str
    role: str
    status: str
    name: str
    language: str | None
    town: str | None
    interests: list[str]
    attend_help: list[str]
    created_at: datetime
    consent_given_at: datetime | None
    with_team_since: datetime | None
    shows_addresses: bool
    channels: list[ChannelView] = field(default_factory=list)
    consents: list[ConsentView] = field(default_factory=list)
    courses: list[CourseView] = field(default_factory=list)
    sessions: list[SessionView] = field(default_factory=list)
    threads: list[ThreadView] = field(default_factory=list)
    messages: list[MessageView] = field(default_factory=list)
    other_courses: list[CourseView] = field(default_factory=list)
    """Courses of her organisation she is not enrolled in (the "enrol" action's choices)."""

    @property
    def unreachable(self) -> bool:
        """No channel reaches her (``directory.unreachable``)."""
        return unreachable([(c.channel, c.status) for c in self.channels])


def scoped_person(conn: Connection, staff: Staff, person_id: int) -> Any:
    """Her ``people`` row if this staff member may see her; else :class:`PersonNotFoundError`."""
    row = (
        conn.execute(select(people).where(people.c.id == person_id, in_scope(staff)))
        .mappings()
        .first()
    )
    if row is None:
        raise PersonNotFoundError(person_id)
    return row


class Profiles:
    """Reads one person's profile for a staff member."""

    def __init__(self, db: Engine) -> None:
        self.db = db

    def get(self, staff: Staff, person_id: int) -> Profile:
        """Her profile; :class:`PersonNotFoundError` if there is none this staff member may see."""
        with self.db.connect() as conn:
            person = scoped_person(conn, staff, person_id)
            org = conn.execute(
                select(organisations.c.name, organisations.c.timezone).where(
                    organisations.c.id == person["organisation_id"]
                )
            ).one()
            shows = staff.is_admin(person["organisation_id"])
            profile = Profile(
                id=person["id"],
                organisation_id=person["organisation_id"],
                organisation=org.name,
                timezone=org.timezone,
                role=person["role"],
                status=person["status"],
                name=person["display_name"] or "",
                language=person["language"],
                town=person["town"],
                interests=list(person["interests"] or []),
                attend_help=list(person["attend_help"] or []),
                created_at=person["created_at"],
                consent_given_at=person["consent_given_at"],
                with_team_since=person["with_team_since"],
                shows_addresses=shows,
            )
            profile.channels = self._channels(conn, person_id, shows)
            profile.consents = self._consents(conn, person_id)
            profile.courses = self._courses(conn, person_id)
            profile.sessions = self._sessions(conn, person_id)
            profile.threads = self._threads(conn, person_id)
            profile.messages = self._messages(conn, person_id)
            profile.other_courses = self._other_courses(
                conn, person["organisation_id"], {c.id for c in profile.courses}
            )
        return profile

    @staticmethod
    def _channels(conn: Connection, person_id: int, shows: bool) -> list[ChannelView]:
        columns = [
            identities.c.channel,
            identities.c.status,
            identities.c.created_at,
            identities.c.last_inbound_at,
        ]
        if shows:  # not even decrypted for anyone else
            columns.append(identities.c.address)
        return [
            ChannelView(
                r.channel,
                r.status,
                r.created_at,
                r.last_inbound_at,
                r.address if shows else None,
            )
            for r in conn.execute(
                select(*columns)
                .where(identities.c.person_id == person_id)
                .order_by(identities.c.id)
            )
        ]

    @staticmethod
    def _consents(conn: Connection, person_id: int) -> list[ConsentView]:
        return [
            ConsentView(r.purpose, r.given_at, r.withdrawn_at, r.language, r.channel, r.wording)
            for r in conn.execute(
                select(
                    consents.c.purpose,
                    consents.c.given_at,
                    consents.c.withdrawn_at,
                    consents.c.language,
                    consents.c.channel,
                    consent_wordings.c.text.label("wording"),
                )
                .outerjoin(
                    consent_wordings,
                    (consent_wordings.c.hash == consents.c.wording_version)
                    & (consent_wordings.c.language == consents.c.language),
                )
                .where(consents.c.person_id == person_id)
                .order_by(consents.c.given_at, consents.c.id)
            )
        ]

    @staticmethod
    def _courses(conn: Connection, person_id: int) -> list[CourseView]:
        return [
            CourseView(r.id, r.code, dict(r.title or {}), r.created_at)
            for r in conn.execute(
                select(courses.c.id, courses.c.code, courses.c.title, enrolments.c.created_at)
                .join(enrolments, enrolments.c.course_id == courses.c.id)
                .where(enrolments.c.person_id == person_id)
                .order_by(enrolments.c.id)
            )
        ]

    @staticmethod
    def _sessions(conn: Connection, person_id: int) -> list[SessionView]:
        """Every session of her courses, and her answer where she gave one."""
        return [
            SessionView(
                r.id,
                r.code,
                dict(r.title or {}),
                r.starts_at,
                r.place,
                r.status,
                r.intention,
                r.reason,
                r.feedback,
            )
            for r in conn.execute(
                select(
                    sessions.c.id,
                    courses.c.code,
                    courses.c.title,
                    sessions.c.starts_at,
                    sessions.c.place,
                    sessions.c.status,
                    attendance.c.intention,
                    attendance.c.reason,
                    attendance.c.feedback,
                )
                .join(courses, courses.c.id == sessions.c.course_id)
                .join(enrolments, enrolments.c.course_id == courses.c.id)
                .outerjoin(
                    attendance,
                    (attendance.c.session_id == sessions.c.id)
                    & (attendance.c.person_id == person_id),
                )
                .where(enrolments.c.person_id == person_id)
                .order_by(sessions.c.starts_at, sessions.c.id)
            )
        ]

    @staticmethod
    def _threads(conn: Connection, person_id: int) -> list[ThreadView]:
        return [
            ThreadView(r.id, r.status, r.reason, r.opened_at, r.closed_at, r.waiting_since)
            for r in conn.execute(
                select(
                    inbox_threads.c.id,
                    inbox_threads.c.status,
                    inbox_threads.c.reason,
                    inbox_threads.c.opened_at,
                    inbox_threads.c.closed_at,
                    inbox_threads.c.waiting_since,
                )
                .where(inbox_threads.c.person_id == person_id)
                .order_by(inbox_threads.c.opened_at.desc(), inbox_threads.c.id.desc())
            )
        ]

    @staticmethod
    def _messages(conn: Connection, person_id: int) -> list[MessageView]:
        return [
            MessageView(r.kind, r.status, r.channel, r.created_at, r.sent_at, r.delivery_status)
            for r in conn.execute(
                select(
                    outbox.c.kind,
                    outbox.c.status,
                    outbox.c.channel,
                    outbox.c.created_at,
                    outbox.c.sent_at,
                    outbox.c.delivery_status,
                )
                .where(outbox.c.person_id == person_id)
                .order_by(outbox.c.created_at.desc(), outbox.c.id.desc())
                .limit(RECENT_MESSAGES)
            )
        ]

    @staticmethod
    def _other_courses(
        conn: Connection, organisation_id: int, enrolled: set[int]
    ) -> list[CourseView]:
        return [
            CourseView(r.id, r.code, dict(r.title or {}), r.created_at)
            for r in conn.execute(
                select(courses.c.id, courses.c.code, courses.c.title, courses.c.created_at)
                .where(courses.c.organisation_id == organisation_id)
                .order_by(courses.c.code)
            )
            if r.id not in enrolled
        ]


__all__ = [
    "RECENT_MESSAGES",
    "ChannelView",
    "ConsentView",
    "CourseView",
    "MessageView",
    "Profile",
    "Profiles",
    "SessionView",
    "ThreadView",
    "scoped_person",
]
